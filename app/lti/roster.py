"""Course rosters from the LMS (NRPS): every member, also those who never launched the tool.

An instructor's launch asks for a fresh roster at most once per ROSTER_REFRESH_SECONDS (a job; the dashboard
never calls the LMS while a page is shown). The job reads all pages and records people and memberships in a few
bulk statements, whatever the course's size.
"""
import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import select, update

from app.clock import current_clock
from app.events import roster_recorded
from app.extensions import db
from app.jobs.exceptions import PermanentJobError
from app.jobs.registry import job_handler
from app.jobs.services import enqueue
from app.lti.constants import RESOURCE_LINK_REQUEST
from app.lti.models import Launch
from app.lti.nrps import Member, course_members
from app.lti.platform_services import PlatformRefused, PlatformUnavailable
from app.models_base import upsert_insert
from app.tenancy.models import Course, Deployment, Membership, Person
from app.tenancy.roles import INSTRUCTOR, tool_role_for
from app.tenancy.services import CourseOfAnotherOrganisation, check_course_organisation

log = logging.getLogger(__name__)
ROSTER_JOB = "roster.sync"
NOT_LISTED = "Deleted"
# NRPS 2.0 §2.3 statuses; also as LIS URIs (…/status#Active) and prefixed (liss:Active), as older LMSs send them.
LMS_STATUSES = {"active": "Active", "inactive": "Inactive", "deleted": "Deleted"}
# Rows per INSERT and subjects per IN list: PostgreSQL takes at most 65,535 parameters in one statement (a roster
# of ~10,900 new members, at 6 columns a membership, used to exceed it) and old SQLite builds 999.
BATCH_SIZE = 900
SUBJECT_MAX, NAME_MAX, EMAIL_MAX = 255, 300, 320  # people.subject, name, email


class RosterRefused(ValueError):
    """The LMS's list cannot be recorded as it is (e.g. a status NRPS does not define): shown as the roster error."""


def refresh_roster_on_instructor_launch(sender, *, launch: Launch) -> None:
    """An instructor's launch asks for a fresh roster (the launch itself kept the roster's URL with the course)."""
    if launch.course_id is None or launch.course_role != INSTRUCTOR or launch.message_type != RESOURCE_LINK_REQUEST:
        return
    request_roster(db.session.get(Course, launch.course_id), now=current_clock().now())


def request_roster(course: Course, *, now: datetime, at_once: bool = False) -> bool:
    """Queue reading the roster: once per refresh period, or now (the dashboard's "refresh" button)."""
    if not course.roster_url:
        return False
    period = current_app.config["ROSTER_REFRESH_SECONDS"]
    key = f"roster:{course.id}:" + (f"now:{now.timestamp()}" if at_once else str(int(now.timestamp() // period)))
    return enqueue(ROSTER_JOB, {"course_id": course.id}, organisation_id=course.organisation_id,
                   registration_id=course.deployment.registration_id, unique_key=key) is not None


@job_handler(ROSTER_JOB)
def read_roster(payload: dict, job) -> None:
    course = db.session.get(Course, payload["course_id"])
    if course is None or not course.roster_url:
        return
    try:  # before asking the LMS: its people would be written into the wrong organisation
        check_course_organisation(course.organisation_id, course.deployment.organisation_id, course.deployment_id)
    except CourseOfAnotherOrganisation as problem:
        _note_error(course.id, problem.message)
        raise PermanentJobError(f"{problem.message} ({problem.detail})") from problem
    now = current_clock().now()
    try:
        members = course_members(course.deployment.registration, course.roster_url, now=now)
    except PlatformUnavailable as problem:
        _note_error(course.id, f"The LMS did not give the roster; trying again. {problem}")
        raise
    except PlatformRefused as problem:
        _note_error(course.id, f"The LMS refused the roster: {problem}")
        raise PermanentJobError(str(problem)) from problem
    course_id = course.id
    try:
        record_roster(course, members, now=now)
    except RosterRefused as problem:
        db.session.rollback()  # nothing of this list is kept: the roster recorded before stays as it was
        _note_error(course_id, f"The roster was not recorded: {problem}")
        raise PermanentJobError(str(problem)) from problem
    except Exception as problem:  # e.g. the database: said on the dashboard, never "being read" for ever
        db.session.rollback()
        _note_error(course_id, f"The roster could not be recorded ({type(problem).__name__}: {str(problem)[:300]}); "
                               "trying again.")
        raise


def lms_status(raw: str | None) -> str:
    """The member's NRPS status as stored: Active, Inactive or Deleted (absent means Active, NRPS §2.3)."""
    if raw is None:
        return "Active"
    word = raw.strip()
    for separator in ("#", "/", ":"):
        word = word.rsplit(separator, 1)[-1]
    status = LMS_STATUSES.get(word.lower())
    if status is None:
        raise RosterRefused(f"the LMS gave a member the status {raw[:100]!r}, which NRPS does not define "
                            "(Active, Inactive or Deleted); the LMS's administrator can check its Names and Roles "
                            "service")
    return status


def _batches(items: list, size: int = BATCH_SIZE):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _note_error(course_id: int, message: str) -> None:
    db.session.execute(update(Course).where(Course.id == course_id).values(roster_error=message))
    db.session.commit()  # kept: the runner rolls a failed job's writes back


def record_roster(course: Course, members: list[Member], *, now: datetime) -> None:
    """People and memberships as the roster lists them; members no longer listed are marked Deleted."""
    _lock_in_its_organisation(course)
    statuses = {member.user_id: lms_status(member.status) for member in members}  # refused before any write
    too_long = next((member.user_id for member in members if len(member.user_id) > SUBJECT_MAX), None)
    if too_long is not None:
        raise RosterRefused(f"the LMS gave a member a user_id of {len(too_long)} characters ({too_long[:60]!r}…); "
                            f"at most {SUBJECT_MAX} are kept")
    issuer = course.deployment.registration.issuer
    by_subject = {member.user_id: member for member in members}
    people = _people_by_subject(course.organisation_id, issuer, by_subject)
    memberships = {
        m.person_id: m for m in db.session.scalars(select(Membership).where(Membership.course_id == course.id))
    }
    missing = list({people[member.user_id].id: member for member in members
                    if people[member.user_id].id not in memberships}.values())
    if missing:
        # New memberships are written as listed, so the loop below changes (and UPDATEs) only existing ones.
        insert = upsert_insert(Membership.__table__).on_conflict_do_nothing(index_elements=["course_id", "person_id"])
        for batch in _batches(missing):
            db.session.execute(insert, [
                dict(organisation_id=course.organisation_id, course_id=course.id, person_id=people[member.user_id].id,
                     role=tool_role_for(list(member.roles)).course_role, lti_roles=list(member.roles),
                     lms_status=statuses[member.user_id], roster_seen_at=now, created_at=now)
                for member in batch
            ])
        memberships = {m.person_id: m for m in db.session.scalars(
            select(Membership).where(Membership.course_id == course.id).execution_options(populate_existing=True))}
    listed = set()
    for member in members:
        person = people[member.user_id]
        name, email = _name(member) or person.name, _email(member) or person.email
        if (person.name, person.email) != (name, email):
            person.name, person.email = name, email
        membership = memberships[person.id]
        wanted = (tool_role_for(list(member.roles)).course_role, list(member.roles), statuses[member.user_id], now)
        if (membership.role, membership.lti_roles, membership.lms_status, membership.roster_seen_at) != wanted:
            membership.role, membership.lti_roles, membership.lms_status, membership.roster_seen_at = wanted
        listed.add(person.id)
    for person_id, membership in memberships.items():
        if person_id not in listed:
            membership.lms_status = NOT_LISTED
    course.roster_synced_at, course.roster_error = now, None
    roster_recorded.send(current_app._get_current_object(), course=course)
    log.info("roster of course %s: %d member(s), %d new", course.id, len(members), len(missing))


def _lock_in_its_organisation(course: Course) -> None:
    """Lock the course, so a move of its site (app.tenancy.moves) waits for this roster or this roster for the move,
    and refuse it unless it is in its site's organisation as both stand now."""
    db.session.refresh(course, attribute_names=["organisation_id"], with_for_update=True)
    site_organisation = db.session.scalar(
        select(Deployment.organisation_id).where(Deployment.id == course.deployment_id)
    )
    check_course_organisation(course.organisation_id, site_organisation, course.deployment_id)


def _name(member: Member) -> str | None:
    return (member.name or "")[:NAME_MAX] or None  # cut to the column's size


def _email(member: Member) -> str | None:
    return member.email if member.email and len(member.email) <= EMAIL_MAX else None  # longer than any valid one


def _people_by_subject(organisation_id: int, issuer: str, members: dict[str, Member]) -> dict[str, Person]:
    """The person of each listed subject; those never seen are inserted with the name and email listed."""
    def load(wanted: list[str]) -> dict[str, Person]:
        return {
            person.subject: person
            for batch in _batches(wanted)
            for person in db.session.scalars(
                select(Person).where(
                    Person.organisation_id == organisation_id, Person.issuer == issuer, Person.subject.in_(batch)
                )
            )
        }

    people = load(list(members))
    missing = [subject for subject in members if subject not in people]
    if missing:
        insert = upsert_insert(Person.__table__).on_conflict_do_nothing(
            index_elements=["organisation_id", "issuer", "subject"])
        for batch in _batches(missing):  # one statement compiled once, its rows sent in batches
            db.session.execute(insert, [
                dict(organisation_id=organisation_id, issuer=issuer, subject=subject, name=_name(members[subject]),
                     email=_email(members[subject])) for subject in batch
            ])
        people.update(load(missing))
    return people
