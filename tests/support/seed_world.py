"""One organisation after a term of use, made through the tool's own services: a course with an instructor, fifteen
learners, a mentor and an organisation admin; self-assessments, module completions and the badges they earn, scores
on their way to the LMS (one failed), a demonstrated badge's work submitted and reviewed (accepted, returned,
waiting), a revoked award, an erased person and a new site waiting for approval, over four months.

`seed_organisation(app, clock)` builds it and returns the ids and tokens pages take as path parameters
(`SeededOrganisation`), with a launch of each role in each of LOCALES still valid at the clock's end (the
FrozenClock's start).
Only rows no service writes are made directly: the organisation, its LMS registration and course (a real launch
makes them; `make_world`), and the launches (`make_launch`, as the launch route records them).
"""
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from PIL import Image
from sqlalchemy import select

from app.admin import accounts
from app.badges import portfolio
from app.badges.awarding import awards_of
from app.badges.issuer_settings import store_logo
from app.badges.issuers import issuer_for, logo_version
from app.badges.keys import active_badge_key
from app.badges.models import BadgeAward, Review
from app.badges.revocation import revoke_for_organisation
from app.badges.submissions import (
    add_file,
    decide,
    demonstrated_badge,
    draft_for,
    invite_reviewer,
    name_reviewer,
    save_draft,
    submit,
)
from app.events import launch_completed
from app.extensions import db
from app.learning.self_assessment import ON_MY_OWN, latest_self_assessment, record_self_assessment
from app.lti.constants import AGS_ENDPOINT, AGS_SCOPE_LINE_ITEM, AGS_SCOPE_SCORE
from app.lti.keys import ensure_active_tool_key
from app.reports.personal_data import erase_person
from app.tenancy.mentors import record_mentees
from app.tenancy.models import Membership, Person, Registration
from app.tenancy.roles import tool_role_for
from app.tenancy.services import find_or_create_deployment, record_person, upsert_membership
from tests.support.badges import complete_module
from tests.support.deep_linking import deep_linking_launch
from tests.support.factories import (
    INSTRUCTOR_ROLE,
    LEARNER_ROLE,
    MENTOR_ROLE,
    ORG_ADMIN_ROLE,
    World,
    make_launch,
    make_world,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # the FrozenClock's start: where the seeded term ends
ADMIN_USERNAME, ADMIN_PASSWORD = "every-route-ops", "correct horse battery staple"
LEARNERS = 15  # five per level at the end: the skills map's smallest shown group (5), so figures are shown
MONTHS = 4  # August to November
DEMONSTRATED = "first-week-plan-for-an-international-learner"  # needs intercultural rookie and explorer
LOCALES = ("en", "fi")  # the source language and one partner language (longer words, other plural rules)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# What each learner completes, one module a month, in this order (the first two open the demonstrated badge;
# erasmus-plus-for-vet earns the erasmus-plus-starter badge).
MODULES = ("culture-at-work-first-steps", "the-multicultural-classroom", "erasmus-plus-for-vet",
           "working-across-languages")


@dataclass
class SeededOrganisation:
    """What the pages of one organisation take as path parameters, and a launch token per role."""
    organisation_id: int
    course_id: int
    deployment_id: int
    registration_id: int
    issuer: str  # the LMS's issuer (OIDC login)
    client_id: str
    learner_id: int
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)  # (role, locale) → launch token
    award_id: str = ""  # a module badge of the learner (public id)
    award_number: int = 0  # the same award's row id (the installation admin's pages)
    reviewed_award_id: str = ""  # the demonstrated badge, accepted with public evidence
    revocable_award_id: str = ""  # another learner's award, for the revocation page
    revoked_award_id: str = ""  # an award the organisation revoked
    badge_id: str = ""  # the badge of award_id
    badge_issuer_id: str = ""  # the organisation's badge issuer (public id)
    key_thumbprint: str = ""
    logo_version: str = ""
    share_token: str = ""
    file_id: str = ""  # the accepted submission's file
    waiting_submission_id: str = ""  # submitted work waiting for the reviewer
    module_id: str = MODULES[0]  # a module the learner completed
    section_id: str = ""
    area_id: str = ""
    assessment_id: int = 0  # the learner's latest finished self-assessment
    level_id: str = ""
    admin_username: str = ADMIN_USERNAME
    admin_password: str = ADMIN_PASSWORD


def _gradebook(number: int) -> dict:
    """The AGS claim of a learner's launch: the first four send scores (pending: no worker runs here), the fifth's
    LMS names a malformed line-items URL (the score fails, with its reason on the dashboard), the rest none."""
    if number >= 5:
        return {}
    lineitems = "https://lms.example.org/courses/1/lineitems" if number < 4 else "not a URL"
    return {AGS_ENDPOINT: {"lineitems": lineitems, "scope": [AGS_SCOPE_LINE_ITEM, AGS_SCOPE_SCORE]}}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 120), (30, 90, 160)).save(out, format="PNG")
    return out.getvalue()


def _launch(app, world: World, person: Person, roles: list[str], clock, *, locale: str = "en", claims=None):
    """A launch as the launch route records it, its listeners told (the launch record the activity figures read)."""
    launch = make_launch(world, person, roles, now=clock.now(), locale=locale)
    launch.created_at, launch.claims = clock.now(), claims or {}
    launch_completed.send(app, launch=launch)
    db.session.flush()
    return launch


def _person(world: World, subject: str, name: str, roles: list[str], clock) -> Person:
    """A colleague as their first launch records them: the person and their membership of the course."""
    person = record_person(world.organisation.id, world.registration.issuer, subject, name=name, email=None,
                           locale="en", now=clock.now())
    person.created_at = clock.now()  # first seen this month, not when the test runs
    upsert_membership(world.organisation.id, world.course.id, person.id, tool_role_for(roles), roles)
    db.session.flush()
    return person


def _ratings(path, month: int, number: int) -> dict[str, int]:
    """"On my own" up to a level that rises month by month, one level apart for each third of the learners: at the
    end five people stand at each of Rookie, Explorer and Practitioner, and everyone has moved up since August."""
    reached = min(len(path.levels), month + number % 3 - 1)
    return {statement.id: ON_MY_OWN if path.level(statement.level).order <= reached else ON_MY_OWN - 1
            for statement in path.statements}


def seed_organisation(app, clock) -> SeededOrganisation:
    """The organisation of the module docstring; `clock` (a FrozenClock) starts MONTHS months before NOW and ends
    at NOW. Call inside an app context; commits nothing (the caller does)."""
    path = app.extensions["path_model"]
    clock._now = NOW - timedelta(days=30 * MONTHS - 10)
    world = make_world("Every Route College")
    for person in (world.learner, world.instructor):
        person.created_at = clock.now()
    world.instructor.name = "Ines Instructor"
    # The learner's LMS sends an email address: their awards have an Open Badges 2.0 version too.
    record_person(world.organisation.id, world.registration.issuer, world.learner.subject, name=world.learner.name,
                  email="lea.learner@example.org", locale="en", now=clock.now())
    learners = [world.learner] + [
        _person(world, f"learner-{number}", f"Learner {number}", [LEARNER_ROLE], clock)
        for number in range(1, LEARNERS)
    ]
    admin = _person(world, "org-admin", "Oona Admin", [ORG_ADMIN_ROLE, INSTRUCTOR_ROLE], clock)
    mentor = _person(world, "mentor", "Mona Mentor", [MENTOR_ROLE], clock)
    name_reviewer(world.organisation.id, world.instructor.id, None, named_by="Oona Admin", now=clock.now())
    badge = demonstrated_badge(DEMONSTRATED)
    submissions = {}
    for month in range(MONTHS):
        for number, learner in enumerate(learners):
            launch = _launch(app, world, learner, [LEARNER_ROLE], clock, claims=_gradebook(number))
            if (number + month) % 4 != 3:  # most take the self-assessment each month, some skip one
                record_self_assessment(world.organisation.id, learner.id, _ratings(path, month, number), path=path,
                                       now=clock.now())
            if number < 8:  # four learners never complete a module
                complete_module(app, launch, MODULES[month], now=clock.now())
            if number == 0:
                launch_of_learner = launch
        _launch(app, world, world.instructor, [INSTRUCTOR_ROLE], clock)
        _launch(app, world, admin, [ORG_ADMIN_ROLE, INSTRUCTOR_ROLE], clock)
        if month == 2:  # three learners submit work for the demonstrated badge: accepted, waiting, returned
            for learner in learners[:3]:
                submission = draft_for(world.organisation.id, learner.id, badge, path, now=clock.now())
                save_draft(submission, text=f"The first week of **{learner.name}**'s learner, day by day.",
                           links=["https://example.org/first-week"], evidence_public=True, now=clock.now())
                add_file(submission, "first-week.pdf", PDF, now=clock.now())
                submit(submission, badge, path, now=clock.now())
                submissions[learner.id] = submission
        if month == 3:
            decide(world.organisation.id, world.instructor.id, submissions[world.learner.id].public_id,
                   results={criterion.id: (Review.MEETS, "") for criterion in badge.brief.criteria}, accept=True,
                   feedback="Clear and kind.", now=clock.now())
            decide(world.organisation.id, world.instructor.id, submissions[learners[2].id].public_id,
                   results={criterion.id: (Review.NOT_YET, "Say who meets the learner.") for criterion in
                            badge.brief.criteria}, accept=False, feedback="Name the host's contact.", now=clock.now())
            complete_module(app, launch_of_learner, "skills-competitions", now=clock.now())  # a badge that expires
            invite_reviewer(world.organisation.id, DEMONSTRATED, created_by="Oona Admin", now=clock.now())
        clock.advance(days=30)
    clock._now = NOW

    organisation_id = world.organisation.id
    accounts.create_admin_user(ADMIN_USERNAME, ADMIN_PASSWORD)
    ensure_active_tool_key()  # the LTI JWKS and Deep Linking answers
    issuer = issuer_for(organisation_id)
    key = active_badge_key(organisation_id)
    store_logo(organisation_id, _png(), "logo.png")
    db.session.flush()
    awards = {award.badge_id: award for award in awards_of(organisation_id, world.learner.id)}
    module_award = awards["erasmus-plus-starter"]
    reviewed = awards[DEMONSTRATED]
    other = db.session.scalars(select(BadgeAward).where(BadgeAward.organisation_id == organisation_id,
                                                        BadgeAward.person_id == learners[2].id)).first()
    revoked = revoke_for_organisation(
        organisation_id, awards_of(organisation_id, learners[3].id)[0].public_id, "Given by mistake.",
        reason_public=True, now=clock.now(), revoked_by="Oona Admin")
    erase_person(organisation_id, learners[-1].id, confirmation="ERASE", now=clock.now())
    # A new site of the same LMS, waiting for the organisation admin's approval (the registration's settings as
    # the installation admin's registration page saves them).
    registration = world.registration
    registration.new_deployment_policy = Registration.POLICY_HOLD_PENDING
    registration.default_organisation_id, registration.default_organisation_approves = organisation_id, True
    find_or_create_deployment(world.registration, "site-waiting", "Second campus")
    accepted = submissions[world.learner.id]
    module = path.module(MODULES[0])
    area = path.area(module.area)
    roles = {"learner": (world.learner, [LEARNER_ROLE]), "instructor": (world.instructor, [INSTRUCTOR_ROLE]),
             "organisation admin": (admin, [ORG_ADMIN_ROLE, INSTRUCTOR_ROLE]), "mentor": (mentor, [MENTOR_ROLE])}
    record_mentees(db.session.scalars(select(Membership.id).where(Membership.person_id == mentor.id)).one(),
                   [world.learner.subject])  # as a Mentor launch's role_scope_mentor claim names them
    tokens = {}
    for locale in LOCALES:
        for role, (person, lti_roles) in roles.items():
            tokens[role, locale] = _launch(app, world, person, lti_roles, clock, locale=locale).token
        tokens["deep linking", locale] = deep_linking_launch(world, world.instructor, [INSTRUCTOR_ROLE],
                                                              now=clock.now(), locale=locale).token
    seeded = SeededOrganisation(
        organisation_id=organisation_id, course_id=world.course.id, deployment_id=world.deployment.id,
        registration_id=world.registration.id, issuer=world.registration.issuer,
        client_id=world.registration.client_id, learner_id=world.learner.id, tokens=tokens,
        award_id=module_award.public_id, revoked_award_id=revoked.public_id, award_number=module_award.id,
        reviewed_award_id=reviewed.public_id,
        revocable_award_id=other.public_id, badge_id=module_award.badge_id, badge_issuer_id=issuer.public_id,
        key_thumbprint=key.thumbprint, logo_version=logo_version(issuer.logo_sha256),
        share_token=portfolio.make_share_link(organisation_id, world.learner.id),
        file_id=accepted.files[0].public_id, waiting_submission_id=submissions[learners[1].id].public_id,
        section_id=module.sections[0].id, area_id=area.id, level_id=module.level,
        assessment_id=latest_self_assessment(organisation_id, world.learner.id).id,
    )
    db.session.flush()
    return seeded
