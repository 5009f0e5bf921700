"""The course roster read from the development LMS (NRPS) in the background, page by page."""
from sqlalchemy import select

from app.extensions import db
from app.jobs.models import Job
from app.jobs.runner import Worker
from app.lti import nrps
from app.tenancy.models import Course, Membership, Person


def test_an_instructor_launch_reads_the_whole_roster_in_pages_and_the_dashboard_shows_it(lti_world, monkeypatch):
    monkeypatch.setattr(nrps, "PAGE_SIZE", 3)  # the sample course has more members than that: several pages

    page = lti_world.browser.launch("intl-skills-path", "instructor")  # the sample LMS's instructor reads Finnish
    with lti_world.app.app_context():
        assert db.session.scalars(select(Job.kind)).all() == ["roster.sync"]
        Worker(worker_id="test").run_until_idle()
        course = db.session.scalars(select(Course)).one()
        members = {
            person.subject: (membership.role, membership.lms_status)
            for membership, person in db.session.execute(
                select(Membership, Person)
                .join(Person, Person.id == Membership.person_id)
                .where(Membership.course_id == course.id)
            )
        }
        assert course.roster_synced_at is not None and course.roster_error is None

    assert members["learner-et"] == ("learner", "Active")  # never launched the tool
    assert members["instructor"] == ("instructor", "Active")
    assert len(members) >= 8
    assert lti_world.devlms.requests["/lti/courses/intl-skills/memberships"] >= 3

    dashboard = lti_world.browser.session.get(
        page.url.replace("/?", f"/courses/{course.id}/dashboard?"), timeout=10).text
    assert '<html lang="fi">' in dashboard
    assert dashboard.count('<tr data-person=') == sum(1 for role, _ in members.values() if role == "learner")


def test_a_second_instructor_launch_soon_after_does_not_read_the_roster_again(lti_world):
    lti_world.browser.launch("intl-skills-path", "instructor")
    lti_world.new_browser().launch("intl-skills-path", "instructor")

    with lti_world.app.app_context():
        assert db.session.scalars(select(Job.kind)).all() == ["roster.sync"]
