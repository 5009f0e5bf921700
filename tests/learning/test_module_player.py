"""The module player over HTTP: sections, resuming, answers with feedback, reflections, completion and its events."""
import re
from contextlib import contextmanager
from datetime import timedelta
from itertools import pairwise

import pytest
from sqlalchemy import select

from app.events import module_completed, module_started, section_completed
from app.extensions import db
from app.learning.models import ModuleProgress
from app.learning.progress import completed_module_ids, find_progress
from app.tenancy.models import Course, Membership
from app.tenancy.services import merge_people, record_person
from tests.support.factories import LEARNER_ROLE, make_launch, make_world, sign_in
from tests.support.forms import post_form

pytestmark = pytest.mark.sqlite

BASICS = "/modules/mobility-basics"
SECTIONS = ["welcome", "before", "during", "after"]


@pytest.fixture
def learner(launch_as, player_path):
    return launch_as("learner")


def what_was_sent(name: str, kwargs: dict) -> tuple:
    """A learning signal as plain values, read while its request's session is still open."""
    section = kwargs.get("section")
    return name, kwargs["module"].id, kwargs["launch"].id, kwargs["progress"].score, section.id if section else None


@contextmanager
def recorded(*signals):
    """Every send of these signals during the block, as what_was_sent() tuples."""
    sent = []
    receivers = [
        lambda sender, _name=signal.name, **kwargs: sent.append(what_was_sent(_name, kwargs)) for signal in signals
    ]
    for signal, receiver in zip(signals, receivers, strict=True):
        signal.connect(receiver)
    try:
        yield sent
    finally:
        for signal, receiver in zip(signals, receivers, strict=True):
            signal.disconnect(receiver)


def section_url(section_id: str, module: str = BASICS) -> str:
    return f"{module}/sections/{section_id}"


def answer(client, section_id: str, activity_id: str, module: str = BASICS, **fields):
    return post_form(client, f"{section_url(section_id, module)}/activities/{activity_id}", fields,
                     page=section_url(section_id, module))


def go_through(client, section_id: str, module: str = BASICS):
    return post_form(client, f"{section_url(section_id, module)}/done", {}, page=section_url(section_id, module))


def page_of(response) -> str:
    return response.get_data(as_text=True)


def answer_everything_right(client):
    answer(client, "before", "first", choice="prepare")
    answer(client, "before", "documents", choice=["agreement", "card"])
    answer(client, "during", "homesick", choice="listen")


def test_opening_a_module_starts_at_its_first_section_with_the_way_back_and_the_steps(client, learner):
    response = client.get(BASICS)

    assert response.status_code == 302
    assert response.location.startswith(section_url("welcome") + "?launch_token=")
    page = page_of(client.get(response.location))
    assert '<h1 data-testid="module-title">Mobility basics</h1>' in page
    assert "Section 1 of 4" in page
    assert 'aria-current="step">Welcome</a>' in page
    assert re.search(r'<a href="/\?launch_token=[^"]+">Back to your path</a>', page)
    assert "<strong>before</strong>" in page  # the section's Markdown, rendered


def test_continue_goes_through_the_sections_in_order_and_ends_on_the_summary(client, learner):
    for current, following in pairwise(SECTIONS):
        response = go_through(client, current)
        assert response.location.startswith(section_url(following) + "?")

    last = go_through(client, "after")

    assert last.location.startswith(f"{BASICS}/summary?")
    assert find_progress(learner.organisation_id, learner.person_id, "mobility-basics").seen_section_ids == set(
        SECTIONS
    )


def test_a_module_resumes_where_the_learner_left_off_in_a_later_launch_from_another_course(
    client, clock, learner, world
):
    client.get(section_url("during"))
    other_course = Course(organisation_id=world.organisation.id, deployment_id=world.deployment.id,
                          context_id="other-course", title="Another course")
    db.session.add(other_course)
    db.session.flush()
    later = make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now() + timedelta(days=3))
    later.course_id = other_course.id
    sign_in(client, later)

    response = client.get(BASICS)

    assert response.location.startswith(section_url("during") + "?")


def test_a_wrong_answer_gets_its_feedback_and_a_retry_shows_its_own_while_the_first_answer_counts(client, learner):
    wrong = answer(client, "before", "first", choice="travel")

    assert wrong.status_code == 302
    assert wrong.location.endswith("#feedback-first")
    page = page_of(client.get(wrong.location))
    assert "Not quite." in page and "Not yet, the learner must prepare first." in page
    assert 'value="travel" checked' in page

    answer(client, "before", "first", choice="prepare")

    page = page_of(client.get(section_url("before")))
    assert "Right." in page and "Right, everything starts with preparing." in page
    assert "Counted towards this attempt: your first answer, which was not right." in page
    progress = find_progress(learner.organisation_id, learner.person_id, "mobility-basics")
    response = progress.response("first")
    assert (response.chosen_ids, response.is_correct, response.tries) == (["prepare"], True, 2)
    assert (response.first_chosen_ids, response.first_correct) == (["travel"], False)
    assert progress.current_attempt.score == 0  # a retry never raises the attempt's score


@pytest.mark.parametrize("chosen, correct", [
    (["agreement", "card"], True),
    (["agreement"], False),
    (["agreement", "card", "diploma"], False),
])
def test_a_multiple_choice_is_right_only_with_exactly_the_correct_options(client, learner, chosen, correct):
    answer(client, "before", "documents", choice=chosen)

    response = find_progress(learner.organisation_id, learner.person_id, "mobility-basics").response("documents")
    assert response.is_correct is correct
    page = page_of(client.get(section_url("before")))
    feedback = {"agreement": "it says what the learner will learn", "card": "for care abroad",
                "diploma": "they have not finished yet"}
    for option, text in feedback.items():
        assert (text in page) is (option in chosen)  # feedback for the options chosen, not a key to the others
    assert ("Right." in page) is correct


@pytest.mark.parametrize("activity, fields, message", [
    ("first", {}, "Choose one answer before checking it."),
    ("first", {"choice": ["prepare", "travel"]}, "Choose one answer before checking it."),
    ("first", {"choice": "teleport"}, "Choose one answer before checking it."),
    ("documents", {}, "Choose at least one answer before checking it."),
])
def test_an_answer_that_cannot_be_one_is_refused_and_nothing_is_kept(client, learner, activity, fields, message):
    response = answer(client, "before", activity, **fields)

    assert response.status_code == 400
    assert message in page_of(response)
    progress = find_progress(learner.organisation_id, learner.person_id, "mobility-basics")
    assert progress.response(activity) is None


def test_unknown_modules_sections_and_activities_are_404_with_the_way_back(client, learner):
    assert client.get("/modules/no-such-module").status_code == 404
    assert "Go back to your path" in page_of(client.get("/modules/no-such-module"))
    assert client.get(section_url("nowhere")).status_code == 404
    assert answer(client, "welcome", "first", choice="prepare").status_code == 404  # "first" is in another section


def test_a_reflection_is_kept_escaped_and_shown_again_on_the_summary(client, learner):
    answer(client, "after", "lessons", text="Start earlier. <script>alert(1)</script>")

    section = page_of(client.get(section_url("after")))
    summary = page_of(client.get(f"{BASICS}/summary"))

    for page in (section, summary):
        assert "Start earlier. &lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<script>alert(1)" not in page
    assert "Your reflection is saved" in section


def test_an_empty_reflection_is_refused(client, learner):
    response = answer(client, "after", "lessons", text="   ")

    assert response.status_code == 400
    assert "Write your reflection before saving it." in page_of(response)


def test_a_checklist_keeps_the_ticked_items(client, learner):
    answer(client, "after", "follow-up", choice=["credit"])

    page = page_of(client.get(section_url("after")))
    assert "Your checklist is saved: 1 of 2 done." in page
    assert 'value="credit" checked' in page and 'value="debrief" checked' not in page
    summary = page_of(client.get(f"{BASICS}/summary"))
    assert "Done: Record the credits." in summary and "To do: Hold a debrief." in summary


def test_completion_needs_every_section_and_the_minimum_score_and_is_announced_once(client, learner):
    with recorded(module_started, section_completed, module_completed) as sent:
        answer_everything_right(client)
        for section_id in SECTIONS[:-1]:
            go_through(client, section_id)
        assert not completed_module_ids(learner.organisation_id, learner.person_id)

        go_through(client, "after")
        answer(client, "before", "first", choice="travel")  # a later retry changes the answer, not the completion
        go_through(client, "after")

    progress = find_progress(learner.organisation_id, learner.person_id, "mobility-basics")
    assert progress.is_completed and progress.score == 100
    assert completed_module_ids(learner.organisation_id, learner.person_id) == {"mobility-basics"}
    assert sent == [
        ("module-started", "mobility-basics", learner.id, None, None),
        *[("section-completed", "mobility-basics", learner.id, None, section_id) for section_id in SECTIONS],
        ("module-completed", "mobility-basics", learner.id, 100, None),
    ]
    summary = page_of(client.get(f"{BASICS}/summary"))
    assert "You completed this module" in summary and "Your result is 100 %" in summary


def test_below_the_minimum_score_a_retry_does_not_complete_and_a_new_attempt_can(client, learner):
    answer(client, "before", "first", choice="prepare")
    answer(client, "before", "documents", choice=["agreement"])  # wrong at the first try
    for section_id in SECTIONS:
        go_through(client, section_id)

    summary = page_of(client.get(f"{BASICS}/summary"))

    assert "Not completed yet" in summary
    assert "Score of this attempt: 33 % (first answers)." in summary  # homesick unanswered counts as wrong
    assert "Questions you have not answered in this attempt:" in summary and "The learner calls, homesick" in summary
    assert "What comes first?" not in summary

    answer(client, "before", "documents", choice=["agreement", "card"])  # right now, but not at the first try
    answer(client, "during", "homesick", choice="listen")
    progress = find_progress(learner.organisation_id, learner.person_id, "mobility-basics")
    assert not progress.is_completed and progress.current_attempt.score == 67
    summary = page_of(client.get(f"{BASICS}/summary"))
    assert "This attempt's first answers score 67 %; the module asks for 80 %." in summary

    restarted = post_form(client, f"{BASICS}/attempts", {}, page=f"{BASICS}/summary")
    assert restarted.location.startswith(section_url("welcome"))
    answer_everything_right(client)
    for section_id in SECTIONS:
        go_through(client, section_id)

    progress = find_progress(learner.organisation_id, learner.person_id, "mobility-basics")
    assert progress.is_completed and progress.score == 100 and len(progress.attempts) == 2


def test_a_module_without_questions_completes_with_full_score_when_every_section_is_seen(client, learner):
    go_through(client, "plan", module="/modules/mobility-next")
    go_through(client, "act", module="/modules/mobility-next")

    assert find_progress(learner.organisation_id, learner.person_id, "mobility-next").score == 100


def test_the_path_page_links_every_module_with_its_state_and_places_by_completion(client, learner):
    answer_everything_right(client)
    for section_id in SECTIONS:
        go_through(client, section_id)
    client.get(section_url("plan", "/modules/mobility-next"))

    page = page_of(client.get("/"))

    basics = re.search(r'<li data-module="mobility-basics">(.*?)</li>', page, re.S).group(1)
    following = re.search(r'<li data-module="mobility-next">(.*?)</li>', page, re.S).group(1)
    assert 'href="/modules/mobility-basics?launch_token=' in basics and "(completed)" in basics
    assert "(in progress)" in following
    mobility_row = re.search(r'<tr data-area="mobility">(.*?)</tr>', page, re.S).group(1)
    assert mobility_row.count('class="cell-reached"') == 1  # Rookie, by completing its module


def test_the_section_page_follows_the_launch_locale_with_english_for_what_is_not_translated(
    client, clock, world, player_path
):
    sign_in(client, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now(), locale="fi"))

    before = page_of(client.get(section_url("before")))
    during = page_of(client.get(section_url("during")))

    assert '<html lang="fi">' in before
    assert "Liikkuvuuden perusteet" in before and "Mikä tulee ensin?" in before
    assert "Which documents does the learner need?" in before  # this activity has no Finnish yet
    assert "Stay in touch." in during


def test_progress_is_the_organisations_own(client, clock, learner, world):
    answer(client, "before", "first", choice="prepare")
    other = make_world("Other College")

    assert find_progress(other.organisation.id, learner.person_id, "mobility-basics") is None
    assert not db.session.scalars(
        select(ModuleProgress).where(ModuleProgress.organisation_id == other.organisation.id)
    ).all()


def test_merging_two_records_of_a_person_joins_their_progress(client, clock, learner, world):
    answer(client, "before", "first", choice="prepare")
    go_through(client, "welcome")
    twin = record_person(world.organisation.id, world.registration.issuer, "the-same-teacher-elsewhere",
                         name=None, email=None, locale="en", now=clock.now())
    db.session.add(
        Membership(organisation_id=world.organisation.id, course_id=world.course.id, person_id=twin.id, role="learner")
    )
    db.session.flush()
    sign_in(client, make_launch(world, twin, [LEARNER_ROLE], now=clock.now()))
    answer(client, "during", "homesick", choice="listen")
    go_through(client, "plan", module="/modules/mobility-next")
    go_through(client, "act", module="/modules/mobility-next")

    merge_people(world.organisation.id, kept_id=learner.person_id, merged_id=twin.id)
    db.session.flush()

    basics = find_progress(world.organisation.id, learner.person_id, "mobility-basics")
    assert [[response.activity_id for response in attempt.responses] for attempt in basics.attempts] == [
        ["first"], ["homesick"]]  # both records' attempts, in the order they started
    assert [attempt.seen_section_ids for attempt in basics.attempts] == [{"welcome"}, set()]
    assert completed_module_ids(world.organisation.id, learner.person_id) == {"mobility-next"}
    assert db.session.scalars(select(ModuleProgress).where(ModuleProgress.person_id == twin.id)).all() == []


@pytest.mark.parametrize("custom, lands_on", [
    ({"module": "mobility-basics"}, "/modules/mobility-basics/sections/welcome?"),  # its first section
    ({"module": " mobility-basics "}, "/modules/mobility-basics/sections/welcome?"),
    ({"module": "$ResourceLink.module"}, "/?"),  # an unsubstituted variable, as itslearning sends it: missing
    ({"module": ""}, "/?"),
    ({}, "/?"),
    ({"module": "no-such-module"}, "/?"),
])
def test_a_launch_opens_the_module_its_link_names_or_else_the_path(client, clock, world, player_path, custom, lands_on):
    launch = make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now())
    launch.claims = {"https://purl.imsglobal.org/spec/lti/claim/custom": custom}
    db.session.flush()
    sign_in(client, launch)

    response = client.get("/start")

    assert response.status_code == 302 and response.location.startswith(lands_on)


def test_the_summary_after_a_completion_says_once_which_badge_it_earned(app, client, learner, tmp_path):
    from tests.support.badges import badge_yaml, write_badges

    app.config["BADGE_TEMPLATES_DIR"] = str(write_badges(tmp_path / "badges", {
        "basics.yaml": badge_yaml("basics", "{type: module_completed, module: mobility-basics}")}))
    app.extensions.pop("badge_catalogue", None)
    answer_everything_right(client)
    for section_id in SECTIONS:
        finished = go_through(client, section_id)

    banner = re.search(r'<section[^>]*data-testid="completion-banner".*?</section>.*?</section>',
                       page_of(client.get(finished.location)), re.S).group(0)
    assert 'role="alert"' in banner and "data-focus-on-load" in banner  # read out at once (app.js focuses it)
    notice = re.search(r'<section[^>]*data-testid="earned-badges".*?</section>', banner, re.S).group(0)
    assert "1 new badge" in notice
    assert "You earned the badge Badge basics" in notice and 'alt="Badge image: Badge basics"' in notice
    assert "/badges/awards/" in notice and "/badges/mine?launch_token=" in notice
    assert 'data-testid="earned-badges"' not in page_of(client.get(f"{BASICS}/summary"))  # said once, not forever
