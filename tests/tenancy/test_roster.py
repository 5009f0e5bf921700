"""Recording a course roster (NRPS): any size in batches, statuses as NRPS defines them, and a failure that is said
on the dashboard instead of a roster "being read" for ever."""
import time

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.jobs.models import Job
from app.jobs.runner import Worker
from app.lti import roster as roster_module
from app.lti.nrps import Member
from app.lti.roster import record_roster, request_roster
from app.tenancy.models import Course, Membership, Person
from tests.support.factories import INSTRUCTOR_ROLE, make_launch, sign_in

LEARNER_URI = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


def members(count: int, *, status: str = "Active") -> list[Member]:
    return [Member(f"student-{n:05}", (LEARNER_URI,), status, f"Student {n:05}", None) for n in range(count)]


def memberships(course) -> dict[str, str]:
    return dict(db.session.execute(select(Person.subject, Membership.lms_status).join(
        Membership, Membership.person_id == Person.id).where(Membership.course_id == course.id,
                                                             Person.subject.like("student-%"))).all())


def test_a_roster_of_11000_new_members_is_recorded_whole(world, clock):
    # 11,000 memberships of 6 columns in one INSERT would be 66,000 parameters: PostgreSQL takes 65,535.
    started = time.monotonic()
    record_roster(world.course, members(11_000), now=clock.now())
    db.session.flush()

    assert db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.course_id == world.course.id, Membership.lms_status == "Active")) == 11_000
    assert world.course.roster_synced_at is not None and world.course.roster_error is None
    assert time.monotonic() - started < 60


@pytest.mark.sqlite
@pytest.mark.parametrize("sent, stored", [
    ("Active", "Active"), ("inactive", "Inactive"), (None, "Active"),
    ("http://purl.imsglobal.org/vocab/lis/v2/status#Inactive", "Inactive"), ("liss:Deleted", "Deleted"),
])
def test_statuses_are_stored_as_nrps_names_them_whatever_their_spelling(world, clock, sent, stored):
    record_roster(world.course, [Member("student-1", (LEARNER_URI,), sent, None, None)], now=clock.now())
    db.session.flush()

    assert memberships(world.course) == {"student-1": stored}


@pytest.fixture
def roster_job(world, monkeypatch):
    """The course offers a roster; the LMS lists what the test gives (a fake NRPS answer); run the job."""
    world.course.roster_url = "https://lms.example/memberships"
    db.session.flush()

    def run(listed: list[Member], *, now) -> Course:
        monkeypatch.setattr(roster_module, "course_members", lambda *args, **kwargs: listed)
        request_roster(world.course, now=now, at_once=True)
        db.session.commit()
        Worker(worker_id="test").run_until_idle()
        db.session.expire_all()
        return db.session.get(Course, world.course.id)

    return run


@pytest.mark.sqlite
def test_an_unknown_or_long_lms_status_is_refused_with_a_clear_roster_error_and_nothing_changes(
        client, clock, world, roster_job):
    course = roster_job(members(3), now=clock.now())
    before = memberships(course)
    weird = "http://lms.example/vocab/enrolment-status#SuspendedPendingPayment"
    clock.advance(minutes=1)

    course = roster_job([*members(2), Member("student-99", (LEARNER_URI,), weird, None, None)], now=clock.now())

    assert course.roster_error.startswith("The roster was not recorded: the LMS gave a member the status")
    assert weird in course.roster_error
    assert memberships(course) == before  # the roster recorded before is kept as it was
    assert db.session.scalars(select(Job.status).where(Job.kind == "roster.sync").order_by(Job.id)).all() == [
        Job.SUCCEEDED, Job.DEAD]  # not retried for ever


@pytest.mark.sqlite
def test_a_roster_that_never_recorded_shows_its_error_not_being_read(client, clock, world, roster_job):
    course = roster_job([Member("student-1", (LEARNER_URI,), "On hold until the end of this term", None, None)],
                        now=clock.now())
    sign_in(client, make_launch(world, world.instructor, [INSTRUCTOR_ROLE], now=clock.now()))

    page = client.get(f"/courses/{course.id}/dashboard").get_data(as_text=True)

    assert course.roster_synced_at is None
    assert "On hold until the end of this term" in page.replace("&#39;", "'")
    assert "being read" not in page


@pytest.mark.sqlite
def test_a_failure_while_recording_is_said_on_the_dashboard_and_retried(clock, world, roster_job, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(roster_module, "_people_by_subject", broken)

    course = roster_job(members(2), now=clock.now())

    assert course.roster_error == ("The roster could not be recorded (RuntimeError: the database went away); "
                                   "trying again.")
    assert db.session.scalars(select(Job.status).where(Job.kind == "roster.sync")).all() == [Job.FAILED]  # retried
