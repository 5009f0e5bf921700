"""Attempts: the first answer counts, versions not yet had come first, options in a stable shuffled order, the
waiting time after the second failed attempt, answers from stale pages refused, the best attempt sent to the LMS."""
import random
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.grades.models import GradeSync
from app.learning.attempts import PastAttempt, draw_versions, may_restart_at, ordered_options
from app.learning.content import path_model
from app.learning.progress import (
    RestartRefused,
    StaleAnswer,
    answer_activity,
    complete_section,
    find_progress,
    open_module,
    see_summary,
    start_new_attempt,
)
from app.lti.constants import AGS_ENDPOINT, AGS_SCOPE_LINE_ITEM, AGS_SCOPE_SCORE, CUSTOM
from tests.support.content import load_fixture_content
from tests.support.factories import LEARNER_ROLE, make_launch
from tests.support.forms import post_form

pytestmark = pytest.mark.sqlite

MODULE = "/modules/two-versions"
LINE_ITEM = "https://lms.example/lineitems/7"


@pytest.fixture
def two_versions(app, tmp_path):
    app.extensions["path_model"] = load_fixture_content("attempts", tmp_path)
    return path_model(app).module("two-versions")


@pytest.fixture
def learner(launch_as, two_versions):
    return launch_as("learner")


def text_of(html: str) -> str:
    """What a reader reads: tags dropped, white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def right_choices(version):
    return sorted(version.correct_option_ids)


def shown(attempt, activity):
    return activity.version(attempt.version_id(activity.id))


def take_attempt(launch, module, clock, *, right: bool, right_first: int | None = None):
    """Answer every question of the current attempt (all right, all wrong, or only the first `right_first` right) and
    go through to the summary."""
    progress = open_module(launch, module, now=clock.now())
    attempt = progress.current_attempt
    for number, activity in enumerate(module.activities):
        if right_first is not None:
            right = number < right_first
        version = shown(attempt, activity)
        wrong = [option.id for option in version.options if not option.correct][:1]
        answer_activity(launch, module, activity, chosen_ids=right_choices(version) if right else wrong,
                        now=clock.now())
    for section in module.sections:
        complete_section(launch, module, section, now=clock.now())
    see_summary(launch, module, progress, now=clock.now())
    return attempt


def test_a_retry_teaches_but_never_raises_the_attempts_score(learner, two_versions, clock):
    take_attempt(learner, two_versions, clock, right=False)
    progress = find_progress(learner.organisation_id, learner.person_id, "two-versions")
    attempt = progress.current_attempt
    for activity in two_versions.activities:
        answer_activity(learner, two_versions, activity, chosen_ids=right_choices(shown(attempt, activity)),
                        now=clock.now())

    assert [response.is_correct for response in attempt.responses] == [True, True]  # the feedback says right
    assert [response.first_correct for response in attempt.responses] == [False, False]  # what counts
    assert attempt.score == 0 and not progress.is_completed


def test_a_new_attempt_draws_the_versions_not_yet_had_then_the_one_used_longest_ago(learner, two_versions, clock):
    first = take_attempt(learner, two_versions, clock, right=False)
    second = start_new_attempt(learner, two_versions, now=clock.now())

    for activity in two_versions.activities:
        assert {first.version_id(activity.id), second.version_id(activity.id)} == {activity.id, f"{activity.id}.v2"}
    earlier = [first.versions, second.versions]
    third = draw_versions(two_versions, earlier, random.Random(1))
    assert third == first.versions  # every version used: the one used longest ago comes back


def test_options_are_shuffled_per_attempt_stable_on_reload_and_keep_place_stays(learner, two_versions, clock, client):
    capital = two_versions.activities[0]
    orders = {tuple(option.id for option in ordered_options(capital, seed)) for seed in range(40)}
    assert len(orders) > 1  # the order depends on the attempt's seed
    assert all(order[-1] == "none" for order in orders)  # "None of these" keeps its place

    first_load = client.get(f"{MODULE}/sections/only").get_data(as_text=True)
    again = client.get(f"{MODULE}/sections/only").get_data(as_text=True)
    choices = re.compile(r'name="choice" value="([^"]+)"')
    assert choices.findall(first_load) == choices.findall(again)


def test_after_the_second_failed_attempt_the_next_one_waits_the_modules_minutes(learner, two_versions, clock,
                                                                                client):
    take_attempt(learner, two_versions, clock, right=False)
    start_new_attempt(learner, two_versions, now=clock.now())  # after one failed attempt: at once
    take_attempt(learner, two_versions, clock, right=False)

    with pytest.raises(RestartRefused, match="You can start a new attempt at"):
        start_new_attempt(learner, two_versions, now=clock.now() + timedelta(minutes=11))
    summary = client.get(f"{MODULE}/summary").get_data(as_text=True)
    assert "You can start a new attempt at" in text_of(summary) and 'data-testid="new-attempt"' not in summary
    third = start_new_attempt(learner, two_versions, now=clock.now() + timedelta(minutes=12))
    assert third.number == 3


def test_an_attempt_is_restarted_only_after_its_summary(learner, two_versions, clock):
    open_module(learner, two_versions, now=clock.now())

    with pytest.raises(RestartRefused, match="Finish this attempt first"):
        start_new_attempt(learner, two_versions, now=clock.now())


def test_a_completed_module_may_be_practised_at_once_and_its_result_is_the_best_attempt(learner, two_versions, clock):
    assert may_restart_at(two_versions, [PastAttempt(False, clock.now()), PastAttempt(True, clock.now())]) is None
    take_attempt(learner, two_versions, clock, right=True)
    start_new_attempt(learner, two_versions, now=clock.now())
    take_attempt(learner, two_versions, clock, right=False)

    progress = find_progress(learner.organisation_id, learner.person_id, "two-versions")
    assert progress.is_completed and progress.score == 100  # a worse practice attempt takes nothing back
    assert [attempt.score for attempt in progress.attempts] == [100, 0]


def test_a_multiple_choice_says_how_many_right_answers_were_found_and_which_ticks_were_wrong(client, learner,
                                                                                              two_versions):
    client.get(f"{MODULE}/sections/only")
    attempt = find_progress(learner.organisation_id, learner.person_id, "two-versions").current_attempt
    nordic = shown(attempt, two_versions.activities[1])
    right = sorted(nordic.correct_option_ids)[0]
    wrong = next(option for option in nordic.options if not option.correct)
    post_form(client, f"{MODULE}/sections/only/activities/nordic", {"choice": [right, wrong.id]},
              page=f"{MODULE}/sections/only")

    page = text_of(client.get(f"{MODULE}/sections/only").get_data(as_text=True))
    assert "You found 1 of the 2 right answers." in page
    assert f"You also ticked 1 answer that is not right: “{wrong.text.english}”." in page


@pytest.mark.parametrize("stale", [{"attempt": "1"}, {"version": "nordic.v3"}])
def test_an_answer_from_a_page_of_another_attempt_is_refused_and_changes_nothing(client, learner, two_versions, clock,
                                                                                 stale):
    take_attempt(learner, two_versions, clock, right=False)
    start_new_attempt(learner, two_versions, now=clock.now())
    client.get(f"{MODULE}/sections/only")
    attempt = find_progress(learner.organisation_id, learner.person_id, "two-versions").current_attempt
    nordic = shown(attempt, two_versions.activities[1])
    fields = {"attempt": "2", "version": nordic.id, **stale, "choice": right_choices(nordic)}

    response = post_form(client, f"{MODULE}/sections/only/activities/nordic", fields, page=f"{MODULE}/sections/only")

    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "was given on a page of another attempt at this module, so it was not recorded" in page
    assert attempt.response("nordic") is None


def test_a_replayed_answer_is_recorded_once(learner, two_versions, clock):
    progress = open_module(learner, two_versions, now=clock.now())
    capital = two_versions.activities[0]
    version = shown(progress.current_attempt, capital)
    for _ in range(2):
        response = answer_activity(learner, two_versions, capital, chosen_ids=right_choices(version),
                                   attempt_number=1, version_id=version.id, now=clock.now())

    assert response.tries == 1


def test_an_option_that_does_not_exist_is_refused(learner, two_versions, clock):
    progress = open_module(learner, two_versions, now=clock.now())
    with pytest.raises(Exception, match="Choose one answer"):
        answer_activity(learner, two_versions, two_versions.activities[0], chosen_ids=["z"], now=clock.now())
    assert progress.current_attempt.response("capital") is None


def test_the_completion_rule_is_said_before_the_start_and_completion_is_announced(client, learner, two_versions):
    first = text_of(client.get(f"{MODULE}/sections/only").get_data(as_text=True))
    rule = "To complete: go through all 1 sections and answer at least 1 of 2 questions right at the first try."
    assert rule in first

    attempt = find_progress(learner.organisation_id, learner.person_id, "two-versions").current_attempt
    for activity in two_versions.activities:
        post_form(client, f"{MODULE}/sections/only/activities/{activity.id}",
                  {"choice": right_choices(shown(attempt, activity))}, page=f"{MODULE}/sections/only")
    finished = post_form(client, f"{MODULE}/sections/only/done", {}, page=f"{MODULE}/sections/only")

    summary = client.get(finished.location).get_data(as_text=True)
    banner = re.search(r'<section[^>]*data-testid="completion-banner".*?</section>.*?</section>', summary,
                       re.S).group(0)
    assert 'role="alert"' in banner and "data-focus-on-load" in banner
    assert "with a score of 100 % in attempt 1." in text_of(banner)
    assert "See what to do next on your path" in banner
    assert 'data-testid="completion-banner"' not in client.get(finished.location).get_data(as_text=True)


def test_stale_answer_is_a_clear_conflict(learner, two_versions, clock):
    open_module(learner, two_versions, now=clock.now())
    with pytest.raises(StaleAnswer) as refused:
        answer_activity(learner, two_versions, two_versions.activities[0], chosen_ids=["a"], attempt_number=2,
                        now=clock.now())
    assert refused.value.status == 409


def test_the_lms_gets_no_score_before_completion_then_the_result_and_again_when_an_attempt_raises_it(
    app, world, clock, two_versions
):
    launch = make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now())
    launch.claims, launch.resource_link_id = {
        CUSTOM: {"module": "two-versions"},
        AGS_ENDPOINT: {"scope": [AGS_SCOPE_SCORE, AGS_SCOPE_LINE_ITEM], "lineitem": LINE_ITEM},
    }, "link-1"
    db.session.flush()

    def sent():
        return [(sync.activity_progress, sync.grading_progress, sync.score_given)
                for sync in db.session.scalars(select(GradeSync).order_by(GradeSync.id))]

    take_attempt(launch, two_versions, clock, right=False)
    assert sent() == [("InProgress", "NotReady", None)]  # a failed attempt: no score
    start_new_attempt(launch, two_versions, now=clock.now())
    take_attempt(launch, two_versions, clock, right=False, right_first=1)
    assert sent() == [("Completed", "FullyGraded", 50.0)]
    start_new_attempt(launch, two_versions, now=clock.now())
    take_attempt(launch, two_versions, clock, right=True)
    assert sent() == [("Completed", "FullyGraded", 100.0)]  # the better attempt replaces the score
    start_new_attempt(launch, two_versions, now=clock.now())
    take_attempt(launch, two_versions, clock, right=False)
    assert sent() == [("Completed", "FullyGraded", 100.0)]  # a worse practice attempt takes nothing back


def test_the_instructor_dashboard_shows_each_members_attempts_and_result(client, launch_as, two_versions, world,
                                                                         clock):
    learner = launch_as("learner")
    take_attempt(learner, two_versions, clock, right=False)
    start_new_attempt(learner, two_versions, now=clock.now())
    launch_as("instructor")

    page = text_of(client.get(f"/courses/{world.course.id}/dashboard?view=modules").get_data(as_text=True))
    assert "In progress attempt 2; no score goes to the LMS until the module is completed" in page
