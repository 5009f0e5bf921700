"""Grade passback: learning events become scores in the outbox, queued as jobs in the same transaction.

Listeners of app.events (connected in app.grades.init_app) call record_score(); the job handler in
app.grades.sending delivers. Only learners' scores are sent: for other roles the row says why not.
"""
import logging
from dataclasses import asdict
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.clock import current_clock
from app.errors import NotFound
from app.extensions import db
from app.grades.models import GradeSync
from app.grades.policy import (
    COMPLETED,
    Score,
    Target,
    malformed_key,
    may_send_scores,
    module_score,
    module_target,
    path_score,
    path_target,
)
from app.jobs.services import enqueue
from app.learning.content import path_model
from app.learning.progress import completed_module_ids, find_progress
from app.lti.constants import RESOURCE_LINK_REQUEST
from app.lti.models import Launch
from app.lti.tool_values import PATH_RESOURCE_ID
from app.models_base import upsert_insert
from app.tenancy.models import Deployment, Person
from app.tenancy.roles import LEARNER
from app.tenancy.services import get_scoped_or_404, scoped

log = logging.getLogger(__name__)

SEND_JOB = "grades.send"
SEND_JOB_MAX_ATTEMPTS = 100_000  # the retry window (GRADE_RETRY_WINDOW_SECONDS), not a count, ends the retries
NOT_A_LEARNER = "not sent: not a learner in this course"
NO_SCORE_SCOPE = "not sent: the LMS did not grant the score scope to this link"


def record_score(launch: Launch, target: Target, score: Score, *, now: datetime) -> GradeSync | None:
    """Make `score` the newest wanted score of the launch's person on the target's line item, and queue its sending.

    The same score again changes nothing; a completed row is never taken back to "in progress".
    """
    sync = _find_or_create(launch, target, score, now=now)
    _want(sync, score, now=now, not_sent_reason=_not_sent_reason(launch), problem=target.problem)
    return sync


def _want(sync: GradeSync, score: Score, *, now: datetime, not_sent_reason: str | None, problem: str | None) -> None:
    """Make `score` the row's newest wanted score and queue its sending, unless it cannot or need not go."""
    wanted = asdict(score)
    current = {name: getattr(sync, name) for name in wanted}
    if sync.version > 0 and current == wanted and sync.status != GradeSync.FAILED:
        return
    if sync.activity_progress == COMPLETED and score.activity_progress != COMPLETED and sync.version > 0:
        return
    for name, value in wanted.items():
        setattr(sync, name, value)
    sync.version += 1
    sync.scored_at = sync.updated_at = now
    if not_sent_reason:
        sync.status, sync.reason, sync.next_attempt_at = GradeSync.NOT_SENT, not_sent_reason, None
        return
    if problem:
        # The LMS's claim names no usable line item: the score fails with the reason (shown on the instructor's
        # dashboard); the progress that caused it is recorded all the same.
        sync.status, sync.reason, sync.next_attempt_at = GradeSync.FAILED, problem, None
        log.warning("grade of person %s on %s not sendable: %s", sync.person_id, sync.line_item_key, problem)
        return
    sync.status, sync.failing_since, sync.next_attempt_at = GradeSync.PENDING, None, now
    db.session.flush()
    queue_sending(sync)


def queue_sending(sync: GradeSync) -> None:
    # The registration, read in the INSERT itself (no extra round trip): the worker's per-registration limit.
    registration = select(Deployment.registration_id).where(Deployment.id == sync.deployment_id).scalar_subquery()
    enqueue(SEND_JOB, {"grade_sync_id": sync.id}, organisation_id=sync.organisation_id, registration_id=registration,
            max_attempts=SEND_JOB_MAX_ATTEMPTS)


def retry(organisation_id: int, grade_sync_id: int, *, now: datetime, course_id: int | None = None) -> GradeSync:
    """An instructor (of `course_id`) or an admin sends a failed score again (after fixing the cause in the LMS)."""
    sync = get_scoped_or_404(GradeSync, grade_sync_id, organisation_id)
    if course_id is not None and sync.course_id != course_id:
        raise NotFound(_("This course has no score %(id)s.", id=grade_sync_id))
    if sync.status == GradeSync.FAILED:
        sync.status, sync.failing_since, sync.next_attempt_at, sync.updated_at = GradeSync.PENDING, None, now, now
        queue_sending(sync)
    return sync


def _not_sent_reason(launch: Launch) -> str | None:
    if launch.course_role != LEARNER:
        return NOT_A_LEARNER
    if not may_send_scores(launch):
        return NO_SCORE_SCOPE
    return None


def _find_or_create(launch: Launch, target: Target, score: Score, *, now: datetime) -> GradeSync:
    unique = dict(organisation_id=launch.organisation_id, line_item_key=target.key, person_id=launch.person_id)
    query = scoped(GradeSync, launch.organisation_id).where(
        GradeSync.line_item_key == target.key, GradeSync.person_id == launch.person_id
    ).with_for_update()  # two events of one learner at once: one after the other, each bumping the version
    sync = db.session.scalars(query).first()
    if sync is None:
        db.session.execute(upsert_insert(GradeSync).values(
            **unique, deployment_id=launch.deployment_id, course_id=launch.course_id,
            line_item_url=target.line_item_url, line_items_url=target.line_items_url,
            resource_id=target.resource_id, resource_link_id=target.resource_link_id, label=target.label[:300],
            user_id=db.session.get(Person, launch.person_id).subject, activity_progress=score.activity_progress,
            grading_progress=score.grading_progress, scored_at=now, version=0, status=GradeSync.PENDING,
            updated_at=now,
        ).on_conflict_do_nothing(index_elements=list(unique)))
        sync = db.session.scalars(query.execution_options(populate_existing=True)).one()
        if target.problem is None and target.line_item_url:
            # The LMS now sends a usable line item for a link it sent a malformed one for: that failure is over.
            db.session.execute(delete(GradeSync).where(
                GradeSync.organisation_id == launch.organisation_id, GradeSync.person_id == launch.person_id,
                GradeSync.line_item_key == malformed_key(launch.deployment_id, target.resource_link_id,
                                                         target.resource_id)))
    return sync


# Listeners of app.events: each turns one learning event into the scores of the table in docs/grades.md.


def on_launch(sender, *, launch: Launch) -> None:
    """A link to a module: its current state at once (Started, InProgress, or an earlier completion elsewhere)."""
    if launch.message_type != RESOURCE_LINK_REQUEST:
        return
    now = current_clock().now()
    module = path_model().module(launch.requested_module_id or "")
    if module is not None:
        target = module_target(launch, module)
        if target is not None:
            progress = find_progress(launch.organisation_id, launch.person_id, module.id)
            record_score(launch, target, module_score(
                completed=bool(progress and progress.is_completed), score=progress.score if progress else None,
                gone_through_a_section=bool(progress and progress.has_gone_through_a_section)), now=now)
        return
    target = path_target(launch)
    completed = completed_module_ids(launch.organisation_id, launch.person_id) if target is not None else None
    if completed:
        record_score(launch, target, path_score(path_model(), completed), now=now)


def on_module_started(sender, *, launch: Launch, module, progress) -> None:
    target = module_target(launch, module)
    if target is not None:
        record_score(launch, target, module_score(completed=False, score=None, gone_through_a_section=False),
                     now=current_clock().now())


def on_section_completed(sender, *, launch: Launch, module, progress, section) -> None:
    target = module_target(launch, module)
    if target is not None and not progress.is_completed:
        record_score(
            launch,
            target,
            module_score(completed=False, score=None, gone_through_a_section=progress.has_gone_through_a_section),
            now=current_clock().now(),
        )


def on_module_result_improved(sender, *, launch: Launch, module, progress) -> None:
    """A later attempt raised the module's result: the LMS gets the better score (FullyGraded again)."""
    target = module_target(launch, module)
    if target is not None:
        record_score(launch, target, module_score(completed=True, score=progress.score),
                     now=current_clock().now())


def on_module_completed(sender, *, launch: Launch, module, progress) -> None:
    now = current_clock().now()
    target = module_target(launch, module)
    if target is not None:
        record_score(launch, target, module_score(completed=True, score=progress.score), now=now)
    path = path_target(launch)
    if path is not None:
        record_score(
            launch,
            path,
            path_score(path_model(), completed_module_ids(launch.organisation_id, launch.person_id)),
            now=now,
        )


def syncs_of_course(organisation_id: int, course_id: int) -> list[GradeSync]:
    return list(db.session.scalars(
        scoped(GradeSync, organisation_id).where(GradeSync.course_id == course_id).order_by(GradeSync.id)
    ))


def syncs_of_organisation(organisation_id: int, *, status: str | None = None, limit: int = 500) -> list[GradeSync]:
    query = scoped(GradeSync, organisation_id).order_by(GradeSync.updated_at.desc()).limit(limit)
    if status:
        query = query.where(GradeSync.status == status)
    return list(db.session.scalars(query))


def move_grade_syncs(sender, *, organisation_id: int, kept, merged) -> None:
    """Merged people: their rows move to the kept person unless the kept one has a row for that line item."""
    kept_keys = set(db.session.scalars(select(GradeSync.line_item_key).where(
        GradeSync.organisation_id == organisation_id, GradeSync.person_id == kept.id)))
    for sync in db.session.scalars(scoped(GradeSync, organisation_id).where(GradeSync.person_id == merged.id)):
        if sync.line_item_key in kept_keys:
            db.session.delete(sync)
        else:
            sync.person_id = kept.id


def rescore_after_merge(sender, *, organisation_id: int, kept) -> None:
    """After a merge, every line item of the kept person gets the score of their joined-up progress.

    A merge can complete a module the kept record had only started (the merged record completed it), or add
    completed modules to a whole-path link's share: without this the LMS kept the old, lower score until the
    learner's next action on that link, which may never come.
    """
    path, now = path_model(), current_clock().now()
    completed = completed_module_ids(organisation_id, kept.id)
    for sync in db.session.scalars(scoped(GradeSync, organisation_id).where(GradeSync.person_id == kept.id)
                                   .order_by(GradeSync.id).with_for_update()):
        if sync.resource_id == PATH_RESOURCE_ID:
            score = path_score(path, completed)
        else:
            module = path.module(sync.resource_id)
            progress = find_progress(organisation_id, kept.id, sync.resource_id) if module is not None else None
            if progress is None:
                continue  # a module no longer on the path, or no progress (cannot happen for a row that exists)
            score = module_score(completed=progress.is_completed, score=progress.score,
                                 gone_through_a_section=progress.has_gone_through_a_section)
        unsendable = sync.line_item_url is None and sync.line_items_url is None
        _want(sync, score, now=now, not_sent_reason=sync.reason if sync.status == GradeSync.NOT_SENT else None,
              problem=sync.reason if unsendable else None)


def erase_grade_syncs(sender, *, organisation_id: int, person) -> None:
    """Erasing a person removes their outbox rows (the LMS's own gradebook is the LMS's to erase)."""
    for sync in db.session.scalars(scoped(GradeSync, organisation_id).where(GradeSync.person_id == person.id)):
        db.session.delete(sync)
