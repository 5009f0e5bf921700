"""The personal report after a taking (level per area, then / now, what to do next in each area) and the learner's
history of takings, each opening its report, scoped to the learner and their organisation."""
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.learning.models import ModuleProgress, SelfAssessment
from app.learning.self_assessment import record_self_assessment
from tests.support.factories import LEARNER_ROLE, make_launch, make_world, sign_in
from tests.support.forms import post_form

pytestmark = pytest.mark.sqlite

EXPLORER_MOBILITY = {"mobility.rookie.1": 2, "mobility.rookie.2": 3, "mobility.explorer.1": 2, "mobility.explorer.2": 2}
PRACTITIONER_MOBILITY = {**EXPLORER_MOBILITY, "mobility.practitioner.1": 3}


@pytest.fixture
def learner(launch_as, with_small_path):
    return launch_as("learner")


def taken(world, path_model, clock, ratings: dict) -> SelfAssessment:
    assessment = record_self_assessment(world.organisation.id, world.learner.id, ratings, path=path_model,
                                        now=clock.now())
    db.session.commit()
    return assessment


def completed(world, clock, *module_ids: str) -> None:
    for module_id in module_ids:
        db.session.add(ModuleProgress(organisation_id=world.organisation.id, person_id=world.learner.id,
                                      module_id=module_id, started_at=clock.now(), updated_at=clock.now(),
                                      completed_at=clock.now(), score=100))
    db.session.commit()


def area_card(page: str, area_id: str) -> str:
    return re.search(rf'<section class="panel report-area"[^>]*data-area="{area_id}"[^>]*>(.*?)</section>',
                     page, re.S).group(0)


def field(card: str, name: str) -> str:
    return re.search(rf'data-testid="{name}"[^>]*>(.*?)</', card, re.S).group(1).strip()


def report_page(client, assessment) -> str:
    response = client.get(f"/self-assessment/takings/{assessment.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_finishing_the_steps_ends_on_the_report_with_a_way_to_the_path(client, learner, world):
    post_form(client, "/self-assessment/areas/mobility", {"rating-mobility.rookie.1": "2", "action": "next"},
              page="/self-assessment")
    response = post_form(client, "/self-assessment/areas/languages", {"action": "skip"}, page="/self-assessment")

    page = client.get(response.location).get_data(as_text=True)
    assert "Your self-assessment is saved." in page
    assert "<h1>Your self-assessment report</h1>" in page
    assert re.search(r'<a class="button" href="/\?launch_token=[^"]+" data-testid="to-path">Go to your path</a>', page)


def test_the_first_report_gives_the_self_rated_level_per_area_and_the_module_the_path_suggests_there(
    client, clock, learner, world, path_model
):
    first = taken(world, path_model, clock, EXPLORER_MOBILITY)

    page = report_page(client, first)

    assert "Your first self-assessment: next time, this report shows what changed since." in page
    mobility, languages = area_card(page, "mobility"), area_card(page, "languages")
    assert field(mobility, "now") == "Explorer" and field(mobility, "change") == "First time"
    assert 'data-testid="then"' not in mobility
    assert ">Module mobility-guide</a>" in mobility  # the next level's module, as the path page picks it
    assert field(languages, "now") == "Not rated this time"
    assert ">Module languages-email</a>" in languages
    # The path's one recommendation is the lowest area's: it is marked there only.
    assert page.count("Your next module on the path") == 1 and "Your next module on the path" in languages


def test_a_second_taking_shows_then_and_now_per_area(client, clock, learner, world, path_model):
    first = taken(world, path_model, clock, EXPLORER_MOBILITY)
    clock.advance(days=30)
    sign_in(client, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now()))
    second = taken(world, path_model, clock, {**PRACTITIONER_MOBILITY, "languages.rookie.1": 2})
    clock.advance(days=30)
    sign_in(client, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now()))
    third = taken(world, path_model, clock, {**EXPLORER_MOBILITY, "languages.rookie.1": 3})

    page = report_page(client, second)
    mobility, languages = area_card(page, "mobility"), area_card(page, "languages")
    assert (field(mobility, "then"), field(mobility, "now"), field(mobility, "change")) == (
        "Explorer", "Practitioner", "You moved up")
    assert (field(languages, "then"), field(languages, "now"), field(languages, "change")) == (
        "Not started", "Rookie", "You moved up")
    assert "You moved up in 2 areas." in page
    assert f"Compared with the one before it, of {first.taken_at:%d/%m/%Y}" in page
    assert "this is an earlier report" in page

    latest = report_page(client, third)
    assert field(area_card(latest, "mobility"), "change") == "You moved down"
    assert field(area_card(latest, "languages"), "change") == "Same as last time"
    assert "You moved up in 0 areas." in latest and "this is an earlier report" not in latest


def test_where_no_module_is_left_the_report_says_what_to_practise(client, clock, learner, world, path_model):
    completed(world, clock, "mobility-basics", "mobility-abroad", "mobility-guide", "languages-email")
    assessment = taken(world, path_model, clock, {**EXPLORER_MOBILITY, "mobility.practitioner.1": 2,
                                                  "languages.rookie.1": 1})

    page = report_page(client, assessment)

    mobility, languages = area_card(page, "mobility"), area_card(page, "languages")
    assert 'data-testid="suggestion"' not in mobility + languages
    assert "Grow by guiding colleagues in:" in mobility
    assert re.findall(r"<li>(.*?)</li>", mobility) == [
        "mobility rookie statement 1", "mobility explorer statement 1", "mobility explorer statement 2",
        "mobility practitioner statement 1"]
    assert "Practise these until you can do them on your own:" in languages
    assert re.findall(r"<li>(.*?)</li>", languages) == [
        "languages rookie statement 1", "languages explorer statement 1"]


def test_the_history_lists_the_finished_takings_newest_first_each_opening_its_report(
    client, clock, learner, world, path_model
):
    first = taken(world, path_model, clock, EXPLORER_MOBILITY)
    clock.advance(days=40)
    second = taken(world, path_model, clock, PRACTITIONER_MOBILITY)
    sign_in(client, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now()))
    post_form(client, "/self-assessment/areas/mobility", {"rating-mobility.rookie.1": "0", "action": "next"},
              page="/self-assessment")

    page = client.get("/self-assessment/history").get_data(as_text=True)

    links = re.findall(r'<li><a href="/self-assessment/takings/(\d+)\?[^"]*">Self-assessment of ([^<]+)</a>', page)
    assert [(int(taking_id), date[:10]) for taking_id, date in links] == [
        (second.id, f"{second.taken_at:%d/%m/%Y}"), (first.id, f"{first.taken_at:%d/%m/%Y}")]
    assert "5 statements rated" in page and "4 statements rated" in page
    assert "You have a self-assessment in progress" in page  # listed apart, not as a taking


def test_another_person_s_or_organisation_s_taking_is_not_found(client, clock, learner, world, path_model):
    colleague = make_launch(world, world.instructor, [LEARNER_ROLE], now=clock.now())
    theirs = record_self_assessment(world.organisation.id, world.instructor.id, EXPLORER_MOBILITY, path=path_model,
                                    now=clock.now())
    other = make_world("Other college")
    elsewhere = record_self_assessment(other.organisation.id, other.learner.id, EXPLORER_MOBILITY, path=path_model,
                                       now=clock.now())
    db.session.commit()

    for assessment in (theirs, elsewhere):
        assert client.get(f"/self-assessment/takings/{assessment.id}").status_code == 404
    assert client.get("/self-assessment/takings/999999").status_code == 404
    sign_in(client, colleague)
    assert client.get(f"/self-assessment/takings/{theirs.id}").status_code == 200
    assert f"/self-assessment/takings/{theirs.id}" in client.get("/self-assessment/history").get_data(as_text=True)
    assert db.session.scalar(select(SelfAssessment.person_id).where(SelfAssessment.id == elsewhere.id)) \
        == other.learner.id


def test_the_report_and_history_render_in_finnish(client, clock, world, path_model, with_small_path):
    sign_in(client, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now(), locale="fi"))
    assessment = taken(world, path_model, clock, EXPLORER_MOBILITY)

    page = report_page(client, assessment)
    history = client.get("/self-assessment/history").get_data(as_text=True)

    assert '<html lang="fi">' in page and field(area_card(page, "mobility"), "now") == "Tutkija"
    assert "Your self-assessment report" not in page and "Your self-assessments" not in history
