"""The self-assessment over HTTP and as a service: dated history, the level rule, the path page, tenancy, CSRF."""
import re

import pytest
from sqlalchemy import select

from app.errors import AppError, NotFound
from app.extensions import db
from app.learning.models import SelfAssessment
from app.learning.self_assessment import latest_self_assessment, record_self_assessment, self_rated_level
from tests.support.factories import LEARNER_ROLE, make_launch, make_world, sign_in
from tests.support.forms import post_form

pytestmark = pytest.mark.sqlite

ROOKIE_MOBILITY = {"rating-mobility.rookie.1": "2", "rating-mobility.rookie.2": "3"}
EXPLORER_MOBILITY = {**ROOKIE_MOBILITY, "rating-mobility.explorer.1": "2", "rating-mobility.explorer.2": "2"}


@pytest.fixture
def learner(launch_as, with_small_path):
    return launch_as("learner")


def take(client, ratings: dict):
    return post_form(client, "/self-assessment", ratings, page="/self-assessment")


def checked_values(page: str) -> dict[str, str]:
    """Radio name → the value the page has checked."""
    return dict(re.findall(r'<input type="radio" id="[^"]+" name="([^"]+)" value="(\d)" checked>', page))


def assessments_of(person) -> list[SelfAssessment]:
    return list(
        db.session.scalars(
            select(SelfAssessment).where(SelfAssessment.person_id == person.id).order_by(SelfAssessment.id)
        )
    )


def test_path_page_invites_the_learner_to_take_the_self_assessment_first(client, learner):
    page = client.get("/").get_data(as_text=True)

    assert "Start with the self-assessment" in page
    assert 'href="/self-assessment?launch_token=' in page
    assert 'data-testid="recommended-module"' not in page


def test_self_assessment_lists_every_statement_as_a_labelled_radio_group_and_says_who_sees_it(
    client, learner, path_model
):
    page = client.get("/self-assessment").get_data(as_text=True)

    assert page.count("<fieldset") == len(path_model.statements) == 7
    assert "<legend>mobility explorer statement 2</legend>" in page
    assert '<label for="rating-mobility.rookie.1-2">On my own</label>' in page
    assert "Who sees your ratings: only you." in page
    assert 'name="csrf_token"' in page
    assert checked_values(page) == {}


def test_each_taking_is_kept_and_the_latest_fills_the_form(client, clock, learner, world):
    assert take(client, ROOKIE_MOBILITY).status_code == 302
    clock.advance(days=30)
    sign_in(client, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now()))
    assert take(client, {**EXPLORER_MOBILITY, "rating-mobility.rookie.1": "3"}).status_code == 302

    first, second = assessments_of(world.learner)
    assert (second.taken_at - first.taken_at).days == 30
    assert {r.statement_id: r.rating for r in first.ratings} == {"mobility.rookie.1": 2, "mobility.rookie.2": 3}
    assert len(second.ratings) == 4
    assert checked_values(client.get("/self-assessment").get_data(as_text=True)) == {
        "rating-mobility.rookie.1": "3", "rating-mobility.rookie.2": "3",
        "rating-mobility.explorer.1": "2", "rating-mobility.explorer.2": "2",
    }


def test_path_page_shows_the_map_and_one_recommended_module_with_its_reason(client, learner):
    take(client, EXPLORER_MOBILITY)

    page = client.get("/").get_data(as_text=True)

    assert "Your self-assessment is saved." in page
    assert 'data-testid="role">Learner</dd>' in page
    assert "Your international skills path" in page
    mobility = re.search(r'<tr data-area="mobility">(.*?)</tr>', page, re.S).group(1)
    assert '<th scope="row">Learner mobility</th>' in mobility
    assert re.findall(r'<td class="cell-(\w+)">', mobility) == ["reached", "reached", "next"]
    languages = re.search(r'<tr data-area="languages">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="cell-(\w+)">', languages) == ["next", "later", "none"]
    assert page.count('data-testid="recommended-module"') == 1
    assert re.search(
        r'data-testid="recommended-module"><strong>'
        r'<a href="/modules/languages-email\?launch_token=[^"]+">Module languages-email</a></strong>',
        page,
    )
    assert "You have not yet rated yourself at any level in Languages; this Rookie module covers:" in page


def test_the_reason_names_the_self_rated_level_and_the_modules_level(client, learner):
    take(client, {**ROOKIE_MOBILITY, "rating-languages.rookie.1": "2", "rating-languages.explorer.1": "2"})

    page = client.get("/").get_data(as_text=True)

    assert re.search(
        r'data-testid="recommended-module"><strong>'
        r'<a href="/modules/mobility-abroad\?launch_token=[^"]+">Module mobility-abroad</a></strong>',
        page,
    )
    assert "You rated yourself Rookie in Learner mobility; this Explorer module covers:" in page
    assert "You can do what mobility-abroad teaches." in page


def test_saving_without_the_csrf_token_is_refused(client, learner, world):
    response = client.post("/self-assessment", data=ROOKIE_MOBILITY)

    assert response.status_code == 400
    assert assessments_of(world.learner) == []


@pytest.mark.parametrize("ratings", [
    {"rating-mobility.rookie.1": "4"}, {"rating-mobility.rookie.1": "often"}, {"rating-no-such-statement": "2"}, {},
])
def test_ratings_off_the_scale_or_of_unknown_statements_are_refused(client, learner, world, ratings):
    response = take(client, ratings)

    assert response.status_code == 400
    assert assessments_of(world.learner) == []


def test_another_organisations_person_cannot_read_or_write_the_ratings(client, clock, learner, world, path_model):
    take(client, ROOKIE_MOBILITY)
    other = make_world("Other college")

    assert latest_self_assessment(other.organisation.id, world.learner.id) is None
    with pytest.raises(NotFound):
        record_self_assessment(
            other.organisation.id, world.learner.id, {"mobility.rookie.1": 0}, path=path_model, now=clock.now()
        )
    sign_in(client, make_launch(other, other.learner, [LEARNER_ROLE], now=clock.now()))
    assert checked_values(client.get("/self-assessment").get_data(as_text=True)) == {}
    take(client, {"rating-mobility.rookie.1": "0"})
    assert [a.organisation_id for a in assessments_of(world.learner)] == [world.organisation.id]
    assert [a.organisation_id for a in assessments_of(other.learner)] == [other.organisation.id]


def test_unknown_statements_are_refused_by_the_service(app, clock, world, path_model):
    with pytest.raises(AppError):
        record_self_assessment(
            world.organisation.id, world.learner.id, {"retired.rookie.1": 2}, path=path_model, now=clock.now()
        )


@pytest.mark.parametrize("ratings, expected", [
    ({}, None),
    ({"mobility.rookie.1": 2, "mobility.rookie.2": 2}, "rookie"),
    ({"mobility.rookie.1": 2, "mobility.rookie.2": 1}, None),
    ({"mobility.rookie.1": 3, "mobility.rookie.2": 3, "mobility.explorer.1": 2, "mobility.explorer.2": 2,
      "mobility.practitioner.1": 1}, "explorer"),
    ({"mobility.explorer.1": 3, "mobility.explorer.2": 3, "mobility.practitioner.1": 3}, None),
])
def test_self_rated_level_is_the_highest_level_reached_without_a_gap(path_model, ratings, expected):
    level = self_rated_level(path_model.area("mobility"), path_model.levels, ratings)

    assert (level.id if level else None) == expected


def test_the_pages_render_in_finnish(client, clock, world, with_small_path):
    sign_in(client, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now(), locale="fi"))
    take(client, ROOKIE_MOBILITY)

    path_page = client.get("/").get_data(as_text=True)
    form = client.get("/self-assessment").get_data(as_text=True)

    assert '<html lang="fi">' in path_page
    assert '<th scope="row">Opiskelijoiden liikkuvuus</th>' in path_page
    assert ">Moduuli languages-email</a></strong>" in path_page
    assert "Osa-alueella Kielet et ole vielä arvioinut itseäsi millekään tasolle" in path_page
    assert '<td class="cell-reached">Saavutettu' in path_page
    assert '<label for="rating-mobility.rookie.1-2">Itsenäisesti</label>' in form
    assert "Kuka näkee arviosi: vain sinä." in form
