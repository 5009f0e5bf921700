"""What is sent for each learning event: the table of docs/grades.md (event → line item → score), one row a case."""
import pytest
from sqlalchemy import delete, select

from app.clock import as_utc
from app.extensions import db
from app.grades.models import GradeSync
from app.grades.passback import NO_SCORE_SCOPE, NOT_A_LEARNER, on_launch
from app.grades.policy import Score, path_score
from app.jobs.models import Job
from app.learning.progress import answer_activity, complete_section, find_progress, open_module
from app.lti.constants import AGS_ENDPOINT, AGS_SCOPE_LINE_ITEM, AGS_SCOPE_SCORE, CUSTOM
from app.tenancy.services import merge_people, record_person
from tests.support.factories import INSTRUCTOR_ROLE, LEARNER_ROLE, make_launch, sign_in

pytestmark = pytest.mark.sqlite

LINK_ITEM = "https://lms.example/lineitems/7"
CONTAINER = "https://lms.example/lineitems"
MODULE_LINK = {
    CUSTOM: {"module": "mobility-basics"},
    AGS_ENDPOINT: {"scope": [AGS_SCOPE_SCORE, AGS_SCOPE_LINE_ITEM], "lineitem": LINK_ITEM, "lineitems": CONTAINER},
}
PATH_LINK = {
    AGS_ENDPOINT: {"scope": [AGS_SCOPE_SCORE, AGS_SCOPE_LINE_ITEM], "lineitem": LINK_ITEM, "lineitems": CONTAINER}
}
CONTAINER_ONLY = {AGS_ENDPOINT: {"scope": [AGS_SCOPE_SCORE, AGS_SCOPE_LINE_ITEM], "lineitems": CONTAINER}}


def launch_with(world, clock, claims, roles=(LEARNER_ROLE,)):
    launch = make_launch(
        world, world.learner if LEARNER_ROLE in roles else world.instructor, list(roles), now=clock.now()
    )
    launch.claims, launch.resource_link_id = claims, "link-1"
    db.session.flush()
    return launch


def complete_module(launch, path, clock):
    module = path.module("mobility-basics")
    for activity, choices in (("first", ["prepare"]), ("documents", ["agreement", "card"]), ("homesick", ["listen"])):
        answer_activity(launch, module, next(a for a in module.activities if a.id == activity), chosen_ids=choices,
                        now=clock.now())
    for section in module.sections:
        complete_section(launch, module, section, now=clock.now())


def sent(world) -> list[tuple]:
    return [(sync.line_item_key, sync.activity_progress, sync.grading_progress, sync.score_given)
            for sync in db.session.scalars(select(GradeSync).order_by(GradeSync.id))]


def test_a_module_opened_from_its_link_is_started(app, world, clock, player_path):
    on_launch(app, launch=launch_with(world, clock, MODULE_LINK))

    assert sent(world) == [(LINK_ITEM, "Started", "NotReady", None)]


def test_a_section_completed_is_in_progress(app, world, clock, player_path):
    launch = launch_with(world, clock, MODULE_LINK)
    complete_section(launch, player_path.module("mobility-basics"), player_path.module("mobility-basics").sections[0],
                     now=clock.now())

    assert sent(world) == [(LINK_ITEM, "InProgress", "NotReady", None)]


def test_a_module_completed_sends_its_score_fully_graded(app, world, clock, player_path):
    complete_module(launch_with(world, clock, MODULE_LINK), player_path, clock)

    assert sent(world) == [(LINK_ITEM, "Completed", "FullyGraded", 100.0)]


def test_a_whole_path_link_gets_modules_completed_of_modules_in_the_path(app, world, clock, player_path):
    complete_module(launch_with(world, clock, PATH_LINK), player_path, clock)

    # FullyGraded while in progress: Moodle 4.5 keeps only FullyGraded scores (a Pending one shows "–").
    assert sent(world) == [(LINK_ITEM, "InProgress", "FullyGraded", 50.0)]  # one of the two modules


def test_a_whole_path_score_is_fully_graded_at_every_step_and_completed_only_at_the_end(player_path):
    modules = [module.id for module in player_path.modules]

    assert path_score(player_path, frozenset()) == Score("InProgress", "FullyGraded", 0.0, 100.0,
                                                         f"0 of {len(modules)} modules completed.")
    assert path_score(player_path, frozenset(modules[:1])).grading_progress == "FullyGraded"
    assert path_score(player_path, frozenset(modules)) == Score("Completed", "FullyGraded", 100.0, 100.0,
                                                                f"{len(modules)} of {len(modules)} modules completed.")


def test_a_launch_with_only_the_container_finds_or_creates_a_line_item_per_module(app, world, clock, player_path):
    complete_module(launch_with(world, clock, CONTAINER_ONLY), player_path, clock)

    sync = db.session.scalars(select(GradeSync)).one()
    assert sent(world) == [(f"{CONTAINER}#resource=mobility-basics", "Completed", "FullyGraded", 100.0)]
    assert (sync.line_item_url, sync.line_items_url, sync.resource_id) == (None, CONTAINER, "mobility-basics")


def test_a_link_to_a_module_completed_elsewhere_sends_the_existing_completion_at_once(app, world, clock, player_path):
    complete_module(launch_with(world, clock, CONTAINER_ONLY), player_path, clock)

    on_launch(app, launch=launch_with(world, clock, MODULE_LINK))

    assert sent(world)[-1] == (LINK_ITEM, "Completed", "FullyGraded", 100.0)


def test_every_score_carries_user_id_timestamp_and_both_progresses(app, world, clock, player_path):
    complete_module(launch_with(world, clock, MODULE_LINK), player_path, clock)

    score = db.session.scalars(select(GradeSync)).one().score_json()

    assert score == {"userId": world.learner.subject, "timestamp": "2026-11-23T12:00:00.000+00:00",
                     "activityProgress": "Completed", "gradingProgress": "FullyGraded", "scoreGiven": 100.0,
                     "scoreMaximum": 100.0, "comment": "Module completed with 100 %."}


@pytest.mark.parametrize("roles, claims, reason", [
    ((INSTRUCTOR_ROLE,), MODULE_LINK, NOT_A_LEARNER),
    ((LEARNER_ROLE,), {**MODULE_LINK, AGS_ENDPOINT: {**MODULE_LINK[AGS_ENDPOINT], "scope": []}}, NO_SCORE_SCOPE),
])
def test_scores_that_cannot_go_are_recorded_with_the_reason_and_never_queued(
    app, world, clock, player_path, roles, claims, reason
):
    open_module(launch_with(world, clock, claims, roles), player_path.module("mobility-basics"), now=clock.now())
    on_launch(app, launch=launch_with(world, clock, claims, roles))

    sync = db.session.scalars(select(GradeSync)).one()
    assert (sync.status, sync.reason) == (GradeSync.NOT_SENT, reason)
    assert not db.session.scalars(select(Job).where(Job.kind == "grades.send")).all()


def test_the_same_score_twice_is_one_version_and_completed_is_never_taken_back(app, world, clock, player_path):
    launch = launch_with(world, clock, MODULE_LINK)
    complete_module(launch, player_path, clock)
    on_launch(app, launch=launch)
    complete_section(launch, player_path.module("mobility-basics"), player_path.module("mobility-basics").sections[0],
                     now=clock.now())

    sync = db.session.scalars(select(GradeSync)).one()
    assert (sync.activity_progress, sync.version) == ("Completed", 3)  # Started, InProgress, Completed: no more


@pytest.mark.parametrize("line_item", [
    42, {"id": LINK_ITEM}, "lineitem-7", "https://lms.example/lineitems/" + "7" * 1000,
], ids=["a number", "an object", "not a URL", "a URL of 1,030 characters"])
def test_a_malformed_lineitem_fails_the_score_with_the_reason_but_the_completion_is_recorded(
        app, client, world, clock, player_path, line_item):
    claims = {**MODULE_LINK, AGS_ENDPOINT: {**MODULE_LINK[AGS_ENDPOINT], "lineitem": line_item}}

    complete_module(launch_with(world, clock, claims), player_path, clock)

    assert find_progress(world.organisation.id, world.learner.id, "mobility-basics").is_completed
    sync = db.session.scalars(select(GradeSync)).one()
    assert (sync.status, sync.activity_progress, sync.score_given) == (GradeSync.FAILED, "Completed", 100.0)
    assert sync.reason.startswith("The LMS gave this link a malformed AGS `lineitem`")
    assert not db.session.scalars(select(Job).where(Job.kind == "grades.send")).all()
    # The instructor's dashboard says which link failed and why.
    sign_in(client, make_launch(world, world.instructor, [INSTRUCTOR_ROLE], now=clock.now()))
    page = client.get(f"/courses/{world.course.id}/dashboard").get_data(as_text=True)
    assert "The LMS gave this link a malformed AGS `lineitem`" in page.replace("&#96;", "`")


def test_a_malformed_lineitems_container_fails_the_score_but_not_the_completion(app, world, clock, player_path):
    claims = {AGS_ENDPOINT: {**CONTAINER_ONLY[AGS_ENDPOINT], "lineitems": ["https://lms.example/lineitems"]}}

    complete_module(launch_with(world, clock, claims), player_path, clock)

    assert find_progress(world.organisation.id, world.learner.id, "mobility-basics").is_completed
    sync = db.session.scalars(select(GradeSync)).one()
    assert sync.status == GradeSync.FAILED and "malformed AGS `lineitems`" in sync.reason


def test_after_a_merge_the_lms_gets_the_merged_persons_current_score_for_each_line_item(app, world, clock, player_path):
    # The learner opened the module from the course's link; their other LMS record completed it elsewhere.
    kept = launch_with(world, clock, MODULE_LINK)
    on_launch(app, launch=kept)
    other_record = record_person(world.organisation.id, "https://its.example", "its-42")
    db.session.flush()
    elsewhere = make_launch(world, other_record, [LEARNER_ROLE], now=clock.now())
    elsewhere.claims = {AGS_ENDPOINT: {**PATH_LINK[AGS_ENDPOINT], "lineitem": "https://its.example/lineitems/3"}}
    complete_module(elsewhere, player_path, clock)
    db.session.execute(delete(Job))
    clock.advance(minutes=5)

    merge_people(world.organisation.id, world.learner.id, other_record.id)
    db.session.flush()

    rows = {sync.line_item_key: sync for sync in db.session.scalars(select(GradeSync))}
    assert {key: (row.person_id, row.activity_progress, row.grading_progress, row.score_given)
            for key, row in rows.items()} == {
        LINK_ITEM: (world.learner.id, "Completed", "FullyGraded", 100.0),  # was "Started": stale in the LMS
        "https://its.example/lineitems/3": (world.learner.id, "InProgress", "FullyGraded", 50.0),  # unchanged
    }
    assert as_utc(rows[LINK_ITEM].scored_at) == clock.now() and rows[LINK_ITEM].status == GradeSync.PENDING
    queued = [job.payload["grade_sync_id"] for job in db.session.scalars(select(Job).where(Job.kind == "grades.send"))]
    assert queued == [rows[LINK_ITEM].id]  # the unchanged score is not sent again


def test_once_the_lms_sends_a_usable_lineitem_the_links_failure_is_replaced_by_the_score(
    app, world, clock, player_path
):
    broken = {**MODULE_LINK, AGS_ENDPOINT: {**MODULE_LINK[AGS_ENDPOINT], "lineitem": 42}}
    complete_module(launch_with(world, clock, broken), player_path, clock)

    on_launch(app, launch=launch_with(world, clock, MODULE_LINK))  # the LMS's administrator fixed the link

    assert sent(world) == [(LINK_ITEM, "Completed", "FullyGraded", 100.0)]
    assert db.session.scalars(select(GradeSync.status)).all() == [GradeSync.PENDING]
