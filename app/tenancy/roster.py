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
                   unique_key=key) is not None


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
    record_roster(course, members, now=now)


def _note_error(course_id: int, message: str) -> None:
    db.session.execute(update(Course).where(Course.id == course_id).values(roster_error=message))
    db.session.commit()  # kept: the runner rolls a failed job's writes back


def record_roster(course: Course, members: list[Member], *, now: datetime) -> None:
    """People and memberships as the roster lists them; members no longer listed are marked Deleted."""
    _lock_in_its_organisation(course)
    issuer = course.deployment.registration.issuer
    people = _people_by_subject(course.organisation_id, issuer, [member.user_id for member in members])
    memberships = {m.person_id: m for m in db.session.scalars(select(Membership).where(Membership.course_id == course.id))}
    missing = [member for member in members if people[member.user_id].id not in memberships]
    if missing:
        db.session.execute(upsert_insert(Membership).values([
            dict(organisation_id=course.organisation_id, course_id=course.id, person_id=people[member.user_id].id,
                 role=tool_role_for(list(member.roles)).course_role, lti_roles=list(member.roles), created_at=now)
            for member in missing
        ]).on_conflict_do_nothing(index_elements=["course_id", "person_id"]))
        memberships = {m.person_id: m for m in db.session.scalars(
            select(Membership).where(Membership.course_id == course.id).execution_options(populate_existing=True))}
    listed = set()
    for member in members:
        person = people[member.user_id]
        person.name, person.email = member.name or person.name, member.email or person.email
        membership = memberships[person.id]
        membership.role = tool_role_for(list(member.roles)).course_role
        membership.lti_roles, membership.lms_status, membership.roster_seen_at = list(member.roles), member.status, now
        listed.add(person.id)
    for person_id, membership in memberships.items():
        if person_id not in listed:
            membership.lms_status = NOT_LISTED
    course.roster_synced_at, course.roster_error = now, None
    roster_recorded.send(current_app._get_current_object(), course=course)
    log.info("roster of course %s: %d member(s), %d new", course.id, len(members), len(missing))


def _lock_in_its_organisation(course: Course) -> None:
    """Lock the course, so a move of its site (app.tenancy.moves) waits for this roster or this roster for the move,
    and refuse it unless it is in its site's organisation as both stand now (issue 21)."""
    db.session.refresh(course, attribute_names=["organisation_id"], with_for_update=True)
    site_organisation = db.session.scalar(select(Deployment.organisation_id).where(Deployment.id == course.deployment_id))
    check_course_organisation(course.organisation_id, site_organisation, course.deployment_id)


def _people_by_subject(organisation_id: int, issuer: str, subjects: list[str]) -> dict[str, Person]:
    def load():
        return {person.subject: person for person in db.session.scalars(select(Person).where(
            Person.organisation_id == organisation_id, Person.issuer == issuer, Person.subject.in_(subjects)))}

    people = load()
    missing = [subject for subject in dict.fromkeys(subjects) if subject not in people]
    if missing:
        db.session.execute(upsert_insert(Person).values([
            dict(organisation_id=organisation_id, issuer=issuer, subject=subject) for subject in missing
        ]).on_conflict_do_nothing(index_elements=["organisation_id", "issuer", "subject"]))
        people = load()
    return people
