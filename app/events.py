"""Signals that decouple features: one feature emits, others listen (grades and badges listen to learning)."""
from blinker import Namespace

signals = Namespace()

launch_completed = signals.signal("launch-completed")
deployment_created = signals.signal("deployment-created")
# Sent by app.tenancy.organisations when the installation admin approves a pending organisation, inside that
# transaction, with the organisation (flushed): badges awards what its people earned while it waited.
organisation_activated = signals.signal("organisation-activated")
# Sent inside the merge's transaction: each feature moves its own rows from `merged` to `kept`.
people_merged = signals.signal("people-merged")
# Moving an LMS site to another organisation (app.tenancy.moves), inside its transaction. person_moved: each
# feature moves its own rows of `person` (in `source_organisation_id`) to `target_organisation_id`, as the
# person `into_id`; with `deployment_id` None every row of the person moves (into_id is the person's own id),
# else only the rows tied to that site (its launches, its `course_ids`, its scores). deployment_moved: the site's
# courses `course_ids` left `source_organisation_id` (organisation-level rows that point at them let go).
person_moved = signals.signal("person-moved")
deployment_moved = signals.signal("deployment-moved")
# Sent after people_merged, once every feature has moved its rows (receivers of one signal run in no set order),
# still inside the merge's transaction, with `kept`: for state derived from several features' rows, e.g. the
# scores the LMS should now hold, computed from the joined-up progress.
people_merge_finished = signals.signal("people-merge-finished")

# Learning progress, sent by app.learning.progress inside the transaction that records it, so a listener's
# own writes (a grade job, an award) commit or roll back with the progress. Each carries `launch` (where the
# learner is: course, resource link, services) and `progress` (an app.learning.models.ModuleProgress).
module_started = signals.signal("module-started")
section_completed = signals.signal("section-completed")
module_completed = signals.signal("module-completed")  # once per person and module; `progress.score` is set
# A later attempt (or a later first answer in the completing attempt) raised the module's result, `progress.score`.
module_result_improved = signals.signal("module-result-improved")
# Sent by app.learning.self_assessment inside the transaction that records a taking, with `assessment`.
self_assessment_recorded = signals.signal("self-assessment-recorded")
# Sent by app.lti.roster inside the transaction that records a course's roster as the LMS listed it, with `course`.
roster_recorded = signals.signal("roster-recorded")

# Personal data rights: sent inside the erasure's transaction; each feature deletes (or, for badges, revokes
# with the reason) its own rows of `person` in `organisation_id`, like people_merged.
person_erased = signals.signal("person-erased")
# Badges: sent inside the award's transaction with `award` (the instructor dashboard and reports listen).
badge_awarded = signals.signal("badge-awarded")
