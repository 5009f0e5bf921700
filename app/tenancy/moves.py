"""Moving an LMS site (deployment) to another organisation: what the site recorded goes with it.

Before, only the site's future launches changed organisation: its courses kept the old one, so launches after the
move joined the old organisation's courses and the roster wrote the new college's people into the old
organisation. Now `place_deployment` moves, in the caller's transaction:

- the site's courses, and every row tied to them or to the site: memberships, launches, launch records and
  scores on their way to the site's gradebook;
- each person of another organisation whose every course and launch there is this site's: the whole person,
  with their progress, self-assessments and badges (re-issued by the new organisation: its issuer, its status
  list; a revoked award stays where it was revoked, without the person, so copies of it still fail to verify);
  if the new organisation already has a record with the same issuer and subject, the two are merged;
- a person who also has courses or launches through another site of the old organisation stays there, with
  their progress, self-assessments and badges; the site's own rows go to their record in the new organisation
  (found by issuer and subject, or made).

Each feature moves its own rows on `person_moved` and `deployment_moved` (app/events.py), as with people_merged.
The move also settles a site already in the right organisation: running it again brings in whatever an earlier
move (before this fix) left behind, so the installation admin can repair a site by choosing its organisation again.
"""
import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, exists, or_, select, union, update

from app.events import deployment_moved, person_moved
from app.extensions import db
from app.tenancy.models import SITE_RECORDS, Course, Deployment, Membership, Organisation, Person
from app.tenancy.services import merge_records

log = logging.getLogger(__name__)


@dataclass
class MoveSummary:
    courses: int = 0
    people_moved: int = 0  # whole people, now in the site's organisation
    people_merged: int = 0  # whole people merged into the organisation's record of the same issuer and subject
    people_split: int = 0  # people who stay in another organisation; the site's rows went to their record here


def place_deployment(deployment: Deployment, organisation: Organisation) -> MoveSummary:
    """Put the site in `organisation` and bring everything it recorded along (see the module's docstring)."""
    deployment.organisation = organisation
    db.session.flush()
    return settle_deployment(deployment)


def settle_deployment(deployment: Deployment) -> MoveSummary:
    """Bring every course, row and person tied to the site but kept in another organisation into the site's."""
    summary = MoveSummary()
    target = deployment.organisation_id
    if target is None:  # a site waiting for the installation admin has recorded nothing
        return summary
    db.session.flush()
    app = current_app._get_current_object()
    course_ids = list(db.session.scalars(select(Course.id).where(Course.deployment_id == deployment.id)))
    strays: dict[int, list[int]] = {}
    for course_id, source in db.session.execute(
        select(Course.id, Course.organisation_id).where(Course.deployment_id == deployment.id,
                                                        Course.organisation_id != target)
    ):
        strays.setdefault(source, []).append(course_id)
    if strays:
        # Locks the courses before the people are read: a roster being recorded into one (it locks the course
        # first) is either waited for, and its people found below, or waits and then sees the course moved.
        db.session.execute(update(Course).where(Course.id.in_([i for ids in strays.values() for i in ids]))
                           .values(organisation_id=target))
        for source, moved in strays.items():
            deployment_moved.send(app, deployment=deployment, source_organisation_id=source,
                                  target_organisation_id=target, course_ids=moved)
            summary.courses += len(moved)
    for person in _people_of_the_site_elsewhere(deployment, course_ids, target):
        if _tied_elsewhere(person, deployment, course_ids):
            _split(app, person, deployment, course_ids, target)
            summary.people_split += 1
        elif _move_whole(app, person, target):
            summary.people_merged += 1
        else:
            summary.people_moved += 1
    db.session.flush()
    log.info("deployment %s settled in organisation %s: %s", deployment.id, target, summary)
    return summary


def unsettled_deployments() -> list[Deployment]:
    """Deployments with a course or a launch kept in another organisation than theirs (left by a move in an older
    version of the tool, which moved only the site's future launches)."""
    stray_course = exists().where(Course.deployment_id == Deployment.id,
                                  Course.organisation_id != Deployment.organisation_id)
    stray_records = [exists().where(record.deployment_id == Deployment.id,
                                    record.organisation_id != Deployment.organisation_id) for record in SITE_RECORDS]
    return list(db.session.scalars(
        select(Deployment).where(Deployment.organisation_id.is_not(None), or_(stray_course, *stray_records))
        .order_by(Deployment.id)
    ))


def _people_of_the_site_elsewhere(deployment: Deployment, course_ids: list[int], target: int) -> list[Person]:
    """People outside the site's organisation with a membership in its courses or a launch from it."""
    in_courses = select(Membership.person_id).where(Membership.course_id.in_(course_ids))
    recorded = [select(record.person_id).where(record.deployment_id == deployment.id) for record in SITE_RECORDS]
    return list(db.session.scalars(
        select(Person).where(Person.organisation_id != target, Person.id.in_(union(in_courses, *recorded)))
        .order_by(Person.id)
    ))


def _tied_elsewhere(person: Person, deployment: Deployment, course_ids: list[int]) -> bool:
    """Whether the person has a course or a launch of another site in their organisation (then they stay there)."""
    other_course = exists().where(Membership.person_id == person.id, Membership.course_id.not_in(course_ids))
    other_records = [exists().where(record.person_id == person.id, record.deployment_id != deployment.id)
                     for record in SITE_RECORDS]
    return bool(db.session.scalar(select(or_(other_course, *other_records))))


def _twin(person: Person, organisation_id: int) -> Person | None:
    """The organisation's record of the same issuer and subject (the same LMS account), if any."""
    return db.session.scalars(select(Person).where(
        Person.organisation_id == organisation_id, Person.issuer == person.issuer, Person.subject == person.subject,
    )).first()


def _move_whole(app, person: Person, target: int) -> bool:
    """Every row of the person goes to `target`; merged into its twin there if it has one (then True)."""
    source = person.organisation_id
    db.session.execute(update(Membership).where(Membership.organisation_id == source, Membership.person_id == person.id)
                       .values(organisation_id=target))
    person_moved.send(app, source_organisation_id=source, target_organisation_id=target, person=person,
                      into_id=person.id, deployment_id=None, course_ids=[])
    db.session.flush()
    twin = _twin(person, target)
    if twin is not None:
        # The rows are in `target` already, under this record: the merge joins them to the twin's and deletes it.
        merge_records(target, twin, person)
        log.info("person %s moved from organisation %s and merged into %s", person.id, source, twin.id)
        return True
    person.organisation_id = target
    log.info("person %s moved from organisation %s to %s", person.id, source, target)
    return False


def _split(app, person: Person, deployment: Deployment, course_ids: list[int], target: int) -> None:
    """The person stays; the site's rows go to their record in `target` (the twin, or a new record)."""
    into = _twin(person, target)
    if into is None:
        into = Person(organisation_id=target, issuer=person.issuer, subject=person.subject, name=person.name,
                      email=person.email, locale=person.locale, last_launch_at=person.last_launch_at)
        db.session.add(into)
        db.session.flush()
    # A course both records are in (only after an earlier move went wrong) keeps the target record's membership.
    db.session.execute(delete(Membership).where(
        Membership.person_id == person.id, Membership.course_id.in_(course_ids),
        Membership.course_id.in_(select(Membership.course_id).where(Membership.person_id == into.id)),
    ))
    db.session.execute(update(Membership).where(Membership.person_id == person.id, Membership.course_id.in_(course_ids))
                       .values(organisation_id=target, person_id=into.id))
    person_moved.send(app, source_organisation_id=person.organisation_id, target_organisation_id=target,
                      person=person, into_id=into.id, deployment_id=deployment.id, course_ids=course_ids)
    log.info("person %s stays in organisation %s; site %s's rows moved to person %s",
             person.id, person.organisation_id, deployment.id, into.id)
