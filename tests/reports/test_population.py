"""Who the reports count and in which course: each person once, in the course of their latest launch."""
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from app.extensions import db
from app.reports.models import LaunchRecord
from app.reports.population import people_with_course
from app.tenancy.models import Membership, Person

pytestmark = pytest.mark.sqlite  # both ways of picking each person's latest row: DISTINCT ON (PostgreSQL), a window


def expected_courses(organisation_id: int) -> dict:
    """person → course, one person at a time: their latest launch's course (the later id of two at one time),
    else their latest membership's, else none."""
    courses = {}
    for person_id in db.session.scalars(select(Person.id).where(Person.organisation_id == organisation_id,
                                                                Person.erased_at.is_(None))):
        launch = db.session.execute(
            select(LaunchRecord.course_id).where(LaunchRecord.person_id == person_id,
                                                 LaunchRecord.course_id.is_not(None))
            .order_by(LaunchRecord.launched_at.desc(), LaunchRecord.id.desc()).limit(1)).scalar()
        membership = db.session.execute(
            select(Membership.course_id).where(Membership.person_id == person_id)
            .order_by(Membership.id.desc()).limit(1)).scalar()
        courses[person_id] = launch if launch is not None else membership
    return courses


def test_each_person_counts_in_the_course_of_their_latest_launch_else_their_latest_membership(app, generated):
    organisation_id = generated.world.organisation.id
    first, second = generated.courses[:2]
    tied = db.session.scalars(select(LaunchRecord.person_id).where(LaunchRecord.organisation_id == organisation_id)
                              .limit(1)).one()
    latest = db.session.scalars(select(LaunchRecord.launched_at).where(LaunchRecord.person_id == tied)
                                .order_by(LaunchRecord.launched_at.desc()).limit(1)).one()
    # Two launches at one later time from two courses: the one recorded last decides.
    db.session.execute(insert(LaunchRecord), [
        {"organisation_id": organisation_id, "person_id": tied, "course_id": course.id,
         "launched_at": latest + timedelta(hours=1)} for course in (second, first)])
    db.session.flush()

    counted = dict(db.session.execute(people_with_course(organisation_id)).all())

    assert counted == expected_courses(organisation_id)
    assert counted[tied] == first.id
    assert None in counted.values(), "the generated world should have people in no course"
    assert len(set(counted.values())) >= 4, "the generated world should have people in several courses"
