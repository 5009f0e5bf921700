"""The path page's first screen (what to do next, overall progress), its map's named states, the badge a module
counts towards on the path and module pages, and a completed module reopening at its summary."""
import re

import pytest

from app.learning.content.model import Module, PathModel
from app.learning.path_progress import PathProgress, path_progress
from app.learning.self_assessment import record_self_assessment
from tests.learning.test_module_player import BASICS, SECTIONS, answer_everything_right, go_through, section_url
from tests.support.badges import badge_yaml, complete_module, demonstrated_yaml, write_badges
from tests.support.content import small_path
from tests.support.forms import post_form
from tests.support.queries import counted_queries

pytestmark = pytest.mark.sqlite

ROOKIE_MOBILITY = {"mobility.rookie.1": 2, "mobility.rookie.2": 3}
BASICS_BADGE = {"basics.yaml": badge_yaml("basics", "{type: module_completed, module: mobility-basics}")}


@pytest.fixture
def learner(launch_as, with_small_path):
    return launch_as("learner")


def rate(launch, clock, path_model, ratings: dict[str, int]) -> None:
    record_self_assessment(launch.organisation_id, launch.person_id, ratings, path=path_model, now=clock.now())


def page_of(response) -> str:
    return response.get_data(as_text=True)


def row(page: str, area_id: str) -> str:
    return re.search(rf'<tr data-area="{area_id}">(.*?)</tr>', page, re.S).group(1)


def serve_badges(app, tmp_path, files: dict[str, str]) -> None:
    app.config["BADGE_TEMPLATES_DIR"] = str(write_badges(tmp_path / "badges", files))
    app.extensions.pop("badge_catalogue", None)


# Overall progress, as a service

def test_progress_counts_the_path_s_completed_modules_and_the_minutes_of_the_others():
    path = small_path()  # four modules of 15 minutes

    progress = path_progress(path, {"mobility-basics", "a-retired-module"})

    assert progress == PathProgress(completed=1, total=4, minutes_left=45)
    assert not progress.is_finished and progress.shows_minutes
    assert path_progress(path, {module.id for module in path.modules}).is_finished


@pytest.mark.parametrize(("minutes", "hours", "in_minutes"), [
    (0, 0, False), (20, 1, True), (59, 1, True), (60, 1, False), (89, 1, False), (90, 2, False), (370, 6, False),
])
def test_time_left_is_in_minutes_under_an_hour_else_in_whole_hours_rounded(minutes, hours, in_minutes):
    progress = PathProgress(completed=0, total=1, minutes_left=minutes)
    assert (progress.hours_left, progress.shows_minutes) == (hours, in_minutes)


# The first screen

def test_the_first_screen_says_how_far_along_the_learner_is_with_an_accessible_bar(app, client, clock, learner,
                                                                                      path_model):
    complete_module(app, learner, "mobility-basics", now=clock.now())

    page = page_of(client.get("/"))

    progress = re.search(r'<section class="path-progress".*?</section>', page, re.S).group(0)
    assert "<strong>1 of 4 modules completed</strong>" in progress and "about 45 minutes left" in progress
    assert '<progress value="1" max="4" aria-labelledby="path-progress-text">' in progress
    assert 'id="path-progress-text"' in progress


def test_hours_are_counted_when_more_than_an_hour_is_left(app, client, learner):
    longer = small_path()
    app.extensions["path_model"] = PathModel(levels=longer.levels, areas=longer.areas, modules=tuple(
        Module(module.id, module.title, module.area, module.level, minutes=100, outcomes=module.outcomes,
               completion=module.completion, sections=module.sections, translations=module.translations)
        for module in longer.modules))

    assert "about 7 hours left" in page_of(client.get("/"))  # 400 minutes


def test_without_a_self_assessment_the_call_to_action_is_to_take_it_and_comes_before_the_map(client, learner):
    page = page_of(client.get("/"))

    action = re.search(r'<a class="button" data-testid="call-to-action" href="(/self-assessment\?[^"]+)">', page)
    assert action
    assert page.index('data-testid="call-to-action"') < page.index('data-testid="path-map"')
    assert "<strong>0 of 4 modules completed</strong>" in page and "about 1 hour left" in page


def test_the_welcome_card_is_one_line_of_course_and_role_and_the_recommendation_comes_first(client, clock, learner,
                                                                                               path_model):
    rate(learner, clock, path_model, ROOKIE_MOBILITY)

    page = page_of(client.get("/"))

    assert "Welcome" not in page
    line = re.search(r'<dl class="launch-line".*?</dl>', page, re.S).group(0)
    assert 'data-testid="course">' in line and 'data-testid="role">Learner</dd>' in line
    button = page.index('data-testid="open-recommended"')
    assert button < page.index('data-testid="recommendation-reason"') < page.index('data-testid="path-map"')
    assert button < page.index('data-testid="your-badges"')
    assert 'data-testid="other-pages"' not in page  # a learner has no other pages


def test_an_instructor_and_an_organisation_admin_find_their_other_pages_in_the_header_not_on_the_path(
        client, launch_as, with_small_path):
    """The path page keeps to the learner's path; the header's navigation (app/navigation.py) lists the pages of the
    person's other roles."""
    launch_as("organisation admin")

    page = page_of(client.get("/"))

    navigation = re.search(r'<nav class="site-nav".*?</nav>', page, re.S).group(0)
    for label in ("Course dashboard", "Skills map", "Badges awarded", "Badge reviewers", "Badge issuer profile",
                  "LMS sites and settings", "People and their data"):
        assert f">{label}</a>" in navigation
    assert "other-pages" not in page


# The map's states

def test_the_map_names_reached_levels_the_next_level_per_area_and_the_one_recommended_module(client, clock, learner,
                                                                                                path_model):
    rate(learner, clock, path_model, ROOKIE_MOBILITY)

    page = page_of(client.get("/"))

    assert "Next step" not in page
    mobility, languages = row(page, "mobility"), row(page, "languages")
    assert re.findall(r'<td class="cell-(\w+)">', mobility) == ["reached", "next", "later"]
    assert '<td class="cell-next">Your next level' in mobility and '<td class="cell-next">Your next level' in languages
    assert page.count('data-testid="map-recommended"') == 1
    recommended = re.search(r'<li data-module="languages-email">(.*?)</li>', languages, re.S).group(1)
    assert ">Recommended</strong>" in recommended  # the lowest area's first module, not every next level
    assert "Recommended" not in mobility


def test_an_empty_cell_says_whether_the_level_has_no_module_yet_or_is_no_level_of_the_area(client, clock, learner,
                                                                                              path_model):
    rate(learner, clock, path_model, ROOKIE_MOBILITY)

    languages = row(page_of(client.get("/")), "languages")

    cells = re.findall(r'<td class="cell-(\w+)">(.*?)</td>', languages, re.S)
    assert [state for state, _ in cells] == ["next", "later", "none"]
    assert "No module yet at this level" in cells[1][1]  # Explorer: statements, but no module
    assert cells[2][1].startswith("Not a level of this area")  # Practitioner: no statements in Languages
    assert '<span class="cell-level" aria-hidden="true">Practitioner</span>' in cells[2][1]  # for the phone cards


def test_module_states_stay_in_the_map(app, client, clock, learner, path_model):
    rate(learner, clock, path_model, ROOKIE_MOBILITY)
    complete_module(app, learner, "mobility-basics", now=clock.now())

    mobility = row(page_of(client.get("/")), "mobility")

    assert "(completed)" in re.search(r'<li data-module="mobility-basics">(.*?)</li>', mobility, re.S).group(1)


def test_the_map_renders_in_finnish(client, clock, launch_as, with_small_path, path_model):
    launch = launch_as("learner", locale="fi")
    rate(launch, clock, path_model, ROOKIE_MOBILITY)

    page = page_of(client.get("/"))

    assert '<td class="cell-next">Seuraava tasosi' in page
    assert ">Suositeltu</strong>" in page
    assert "Ei vielä moduulia tällä tasolla" in page
    assert "<strong>0 / 4 moduulia suoritettu</strong>" in page


# Which badge a module counts towards

def test_the_recommendation_says_which_badges_the_module_counts_towards(app, client, clock, learner, path_model,
                                                                         tmp_path):
    serve_badges(app, tmp_path, {
        "email.yaml": badge_yaml("email", "{type: module_completed, module: languages-email}"),
        **BASICS_BADGE,
        "everything.yaml": badge_yaml("everything", "{type: path_completed}"),
    })
    rate(learner, clock, path_model, ROOKIE_MOBILITY)

    page = page_of(client.get("/"))

    line = re.search(r'<p class="counts-towards" data-testid="counts-towards">(.*?)</p>', page, re.S).group(1)
    assert line == "Counts towards the badges: Badge email, Badge everything"


def test_no_badge_line_for_a_module_no_badge_counts(app, client, clock, learner, path_model, tmp_path):
    serve_badges(app, tmp_path, BASICS_BADGE)
    rate(learner, clock, path_model, ROOKIE_MOBILITY)

    assert 'data-testid="counts-towards"' not in page_of(client.get("/"))  # languages-email is recommended


def test_the_path_page_reads_the_badge_tables_once_and_asks_three_questions_in_all(app, client, clock, learner,
                                                                                    tmp_path):
    serve_badges(app, tmp_path, {**BASICS_BADGE, "plan.yaml": demonstrated_yaml(
        "plan", "{type: module_completed, module: mobility-basics}")})
    complete_module(app, learner, "mobility-basics", now=clock.now())
    client.get("/")  # the badge catalogue read, as after a web process's first page

    with counted_queries() as statements:
        page = page_of(client.get("/"))

    assert 'data-badge="basics"' in page and 'data-testid="demonstrated-badges"' in page
    asked = [statement for statement in statements if statement.startswith("SELECT")]  # not the test's savepoints
    # The launch; the learner's own learning (app.learning.path_reads: the opened modules and the latest
    # self-assessment) with their badge standing in the same statement (app.badges.standing: the navigation's
    # notices, the badge strip, the placement's demonstrated levels and the panel share it); and the issuer (the
    # strip's image URLs).
    assert len(asked) <= 3, asked
    assert sum("badge_awards" in statement or "badge_submissions" in statement for statement in asked) == 1, asked
    assert sum("module_progress" in statement for statement in asked) == 1, asked


# Module pages: the badge line, and a completed module reopening at its summary

@pytest.fixture
def player_learner(launch_as, player_path):
    return launch_as("learner")


def test_the_section_and_summary_pages_say_which_badge_the_module_counts_towards(app, client, player_learner,
                                                                                 tmp_path):
    serve_badges(app, tmp_path, BASICS_BADGE)

    section = page_of(client.get(section_url("welcome")))
    go_through(client, "welcome")
    summary = page_of(client.get(f"{BASICS}/summary"))

    for page in (section, summary):
        assert '<p class="counts-towards" data-testid="counts-towards">' \
            'Counts towards the badge: Badge basics</p>' in page


def test_a_completed_module_reopens_at_its_summary(client, player_learner):
    answer_everything_right(client)
    for section_id in SECTIONS:
        go_through(client, section_id)

    response = client.get(BASICS)

    assert response.status_code == 302 and response.location.startswith(f"{BASICS}/summary?launch_token=")
    assert "Completed on" in page_of(client.get(response.location))  # its result, not a section again


def test_a_module_not_completed_still_resumes_where_the_learner_left_off(client, player_learner):
    client.get(section_url("during"))

    assert client.get(BASICS).location.startswith(section_url("during") + "?")


def test_in_a_new_attempt_of_a_completed_module_it_resumes_the_attempt(client, player_learner):
    answer_everything_right(client)
    for section_id in SECTIONS:
        go_through(client, section_id)
    restarted = post_form(client, f"{BASICS}/attempts", {}, page=f"{BASICS}/summary")
    assert restarted.location.startswith(section_url("welcome"))
    client.get(section_url("before"))

    assert client.get(BASICS).location.startswith(section_url("before") + "?")
