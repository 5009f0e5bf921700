"""Grade passback end to end: a learner's progress reaches the development LMS's gradebook through the worker."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.grades.models import GradeSync
from app.jobs.runner import Worker
from tests.support.content import add_module_link, serve_fixture_content
from tests.support.pages import Page, complete_mobility_basics

MODULE_LINK = "mobility-basics-graded"


@pytest.fixture
def graded(lti_world, tmp_path):
    serve_fixture_content(lti_world, "player", tmp_path)
    add_module_link(lti_world, MODULE_LINK, "mobility-basics", with_line_item=True)
    return lti_world


def run_worker(world) -> int:
    with world.app.app_context():
        return Worker(worker_id="test-worker").run_until_idle()


def gradebook(world) -> dict:
    """(line item label, user id) → the accepted score submissions' (activity, grading, score given) in order."""
    from devlms.ags.models import ScoreSubmission
    from devlms.extensions import db as devlms_db

    with world.devlms.app.app_context():
        rows = devlms_db.session.scalars(select(ScoreSubmission).order_by(ScoreSubmission.id)).all()
        book = {}
        for row in rows:
            assert row.status == ScoreSubmission.ACCEPTED, (row.status, row.reason, row.body)
            book.setdefault((row.line_item.label, row.user_id), []).append(
                (row.activity_progress, row.grading_progress, row.score_given))
        return book


def test_a_module_link_gets_started_in_progress_and_the_completed_score(graded):
    section = Page(graded.browser, graded.browser.launch(MODULE_LINK, "learner"))
    run_worker(graded)
    assert gradebook(graded) == {("Module mobility-basics", "learner"): [("Started", "NotReady", None)]}

    section.submit("/sections/welcome/done")
    run_worker(graded)
    assert gradebook(graded)[("Module mobility-basics", "learner")][-1] == ("InProgress", "NotReady", None)

    summary = complete_mobility_basics(section)
    assert "Module completed" in summary.text  # the banner announcing the completion
    run_worker(graded)

    # Scores recorded while the worker was away went as one: the newest.
    assert gradebook(graded)[("Module mobility-basics", "learner")] == [
        ("Started", "NotReady", None), ("InProgress", "NotReady", None), ("Completed", "FullyGraded", 100.0)]
    with graded.app.app_context():
        sync = db.session.scalars(select(GradeSync).where(GradeSync.resource_id == "mobility-basics")).one()
        assert sync.is_synced and sync.reason is None


def test_the_whole_path_link_gets_the_share_of_modules_completed(graded):
    path = Page(graded.browser, graded.browser.launch("intl-skills-path", "learner"))
    section = path.follow(r'href="([^"]*/modules/mobility-basics\?[^"]*)"')
    complete_mobility_basics(section)
    run_worker(graded)

    assert gradebook(graded) == {("REX VET Path", "learner"): [("InProgress", "FullyGraded", 50.0)]}  # 1 of 2 modules


def test_a_link_without_a_column_gets_one_per_module_found_or_created_by_resource_id(graded):
    path = Page(graded.browser, graded.browser.launch("intl-at-home-path", "learner"))  # no line item of its own
    section = path.follow(r'href="([^"]*/modules/mobility-basics\?[^"]*)"')
    run_worker(graded)
    complete_mobility_basics(section)
    run_worker(graded)

    assert gradebook(graded) == {
        ("Mobility basics", "learner"): [("Started", "NotReady", None), ("Completed", "FullyGraded", 100.0)]}
    from devlms.ags.models import LineItem
    with graded.devlms.app.app_context():
        created = [(item.resource_id, item.score_maximum, item.tag) for item in LineItem.query.all()
                   if item.course_id == "intl-at-home"]
    assert created == [("mobility-basics", 100.0, "rexvet-module")]  # created once, found the second time


def test_an_instructor_s_progress_is_recorded_as_not_sent(graded):
    section = Page(graded.browser, graded.browser.launch(MODULE_LINK, "instructor"))
    complete_mobility_basics(section)
    run_worker(graded)

    assert gradebook(graded) == {}
    with graded.app.app_context():
        reasons = set(db.session.scalars(select(GradeSync.reason)))
    assert reasons == {"not sent: not a learner in this course"}


def test_opening_a_link_to_a_module_completed_elsewhere_sends_the_completion_at_once(graded):
    complete_mobility_basics(Page(graded.browser, graded.browser.launch("intl-skills-path", "learner")).follow(
        r'href="([^"]*/modules/mobility-basics\?[^"]*)"'))
    run_worker(graded)

    Page(graded.browser, graded.browser.launch(MODULE_LINK, "learner"))
    run_worker(graded)

    assert gradebook(graded)[("Module mobility-basics", "learner")] == [("Completed", "FullyGraded", 100.0)]
