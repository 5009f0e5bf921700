"""The self-assessment over HTTP and as a service: one area per step, saved as a draft and resumable, inline
validation, finished takings kept as dated history, the level rule, the path page, tenancy, CSRF."""
import re

import pytest
from sqlalchemy import select

from app.errors import AppError, NotFound
from app.extensions import db
from app.learning.models import SelfAssessment, SelfAssessmentDraft, SelfRatedLevel
from app.learning.self_assessment import (
    EmptyStep,
    erase_self_assessments,
    ladder_fingerprint,
    latest_self_assessment,
    move_self_assessments,
    move_self_assessments_to_organisation,
    record_self_assessment,
    save_step,
    self_rated_level,
    self_rated_orders,
)
from app.tenancy.models import Person
from tests.support.factories import LEARNER_ROLE, make_launch, make_world, sign_in
from tests.support.forms import post_form

pytestmark = pytest.mark.sqlite

ROOKIE_MOBILITY = {"rating-mobility.rookie.1": "2", "rating-mobility.rookie.2": "3"}
EXPLORER_MOBILITY = {**ROOKIE_MOBILITY, "rating-mobility.explorer.1": "2", "rating-mobility.explorer.2": "2"}
MOBILITY, LANGUAGES = "/self-assessment/areas/mobility", "/self-assessment/areas/languages"


@pytest.fixture
def learner(launch_as, with_small_path):
    return launch_as("learner")


def take(client, ratings: dict):
    """All ratings posted at once: finishes a taking (as programs and the older one-page form did)."""
    return post_form(client, "/self-assessment", ratings, page="/self-assessment")


def step(client, area_url: str, ratings: dict, action: str = "next"):
    """Press a button of an area's step with these ratings chosen."""
    return post_form(client, area_url, {**ratings, "action": action}, page=area_url)


def checked_values(page: str) -> dict[str, str]:
    """Radio name → the value the page has checked."""
    return dict(re.findall(r'<input type="radio" id="[^"]+" name="([^"]+)" value="(\d)" checked>', page))


def assessments_of(person) -> list[SelfAssessment]:
    return list(
        db.session.scalars(
            select(SelfAssessment).where(SelfAssessment.person_id == person.id).order_by(SelfAssessment.id)
        )
    )


def draft_of(person) -> SelfAssessmentDraft | None:
    return db.session.scalars(select(SelfAssessmentDraft).where(SelfAssessmentDraft.person_id == person.id)).first()


def test_path_page_invites_the_learner_to_take_the_self_assessment_first(client, learner):
    page = client.get("/").get_data(as_text=True)

    assert "Start with the self-assessment" in page
    assert 'href="/self-assessment?launch_token=' in page
    assert 'data-testid="recommended-module"' not in page


def test_the_first_step_shows_one_area_as_labelled_radio_groups_with_the_progress_and_who_sees_it(
    client, learner, path_model
):
    page = client.get("/self-assessment").get_data(as_text=True)

    mobility = path_model.area("mobility")
    assert page.count('<fieldset class="rating">') == sum(
        len(mobility.statements_at(level.id)) for level in path_model.levels) == 5
    assert "<legend>mobility explorer statement 2</legend>" in page
    assert "languages rookie statement 1" not in page
    assert '<label for="rating-mobility.rookie.1-2">On my own</label>' in page
    assert "Area 1 of 2" in page
    assert '<progress id="step-progress" max="2" value="0">' in page and "0 of 2 areas saved" in page
    assert re.search(r'<a href="/self-assessment/areas/mobility\?[^"]*" aria-current="step">Learner mobility</a>', page)
    assert "<span>Languages</span>" in page  # not reachable before the first area is saved
    assert "Who sees your ratings: only you." in page
    assert 'name="csrf_token"' in page
    assert checked_values(page) == {}
    assert 'data-testid="back"' not in page and 'value="next"' in page


def test_each_area_is_saved_as_a_draft_and_coming_back_resumes_at_the_first_unsaved_area(client, learner, world):
    response = step(client, MOBILITY, ROOKIE_MOBILITY)

    assert response.status_code == 302 and response.location.startswith(LANGUAGES)
    assert assessments_of(world.learner) == []
    assert draft_of(world.learner).ratings == {"mobility.rookie.1": 2, "mobility.rookie.2": 3}
    resumed = client.get("/self-assessment").get_data(as_text=True)
    assert "Area 2 of 2" in resumed and "languages rookie statement 1" in resumed
    assert "1 of 2 areas saved" in resumed and "Learner mobility</a> <span class=\"step-state\">(saved)" in resumed
    assert 'data-testid="finish"' in resumed and 'data-testid="back"' in resumed
    assert checked_values(client.get(MOBILITY).get_data(as_text=True)) == ROOKIE_MOBILITY


def test_a_taking_in_progress_counts_nowhere_until_it_is_finished(client, learner, world):
    step(client, MOBILITY, EXPLORER_MOBILITY)

    assert latest_self_assessment(world.organisation.id, world.learner.id) is None
    assert "Start with the self-assessment" in client.get("/").get_data(as_text=True)
    history = client.get("/self-assessment/history").get_data(as_text=True)
    assert "You have a self-assessment in progress" in history
    assert "You have not finished a self-assessment yet." in history


def test_an_area_sent_without_a_rating_is_shown_again_with_the_message_at_the_top_and_on_the_area(
    client, learner, world
):
    response = step(client, MOBILITY, {})
    page = response.get_data(as_text=True)

    assert response.status_code == 422
    assert re.search(r'<div class="form-errors step-error" role="alert" tabindex="-1" data-focus-on-load', page)
    assert "Rate at least one statement in this area, or choose “Skip this area”." in page
    assert '<fieldset class="area-step" id="area-fieldset" data-area="mobility" aria-invalid="true" ' \
           'aria-describedby="area-error">' in page
    assert '<p class="field-error" id="area-error">' in page
    assert "Area 1 of 2" in page and "Request refused" not in page
    assert draft_of(world.learner) is None and assessments_of(world.learner) == []


def test_a_skipped_area_is_saved_unrated_and_the_next_area_follows(client, learner, world):
    step(client, MOBILITY, ROOKIE_MOBILITY)
    step(client, MOBILITY, {}, action="skip")

    assert draft_of(world.learner).areas == {"mobility": "skipped"}
    assert draft_of(world.learner).ratings == {}
    assert "(skipped)" in client.get(LANGUAGES).get_data(as_text=True)


def test_back_keeps_what_was_rated_and_opens_the_previous_area(client, learner, world):
    step(client, MOBILITY, ROOKIE_MOBILITY)

    response = step(client, LANGUAGES, {"rating-languages.rookie.1": "1"}, action="back")

    assert response.status_code == 302 and response.location.startswith(MOBILITY)
    assert draft_of(world.learner).ratings == {"mobility.rookie.1": 2, "mobility.rookie.2": 3, "languages.rookie.1": 1}
    assert step(client, LANGUAGES, {}, action="back").status_code == 302  # nothing given: nothing to keep, no error


def test_finishing_turns_the_draft_into_a_dated_taking_and_opens_its_report(client, clock, learner, world):
    step(client, MOBILITY, ROOKIE_MOBILITY)
    response = step(client, LANGUAGES, {"rating-languages.rookie.1": "2"}, action="finish")

    (taking,) = assessments_of(world.learner)
    assert response.status_code == 302
    assert response.location.startswith(f"/self-assessment/takings/{taking.id}")
    assert {r.statement_id: r.rating for r in taking.ratings} == {
        "mobility.rookie.1": 2, "mobility.rookie.2": 3, "languages.rookie.1": 2}
    assert draft_of(world.learner) is None
    assert "Your self-assessment is saved." in client.get(response.location).get_data(as_text=True)


def test_finishing_stores_each_areas_self_rated_level_with_the_taking_in_its_transaction(
        app, client, learner, world):
    """The skills map reads these instead of the ratings: they are committed with the taking, by the rule the path
    page places with, and name the path content they were worked out for."""
    step(client, MOBILITY, EXPLORER_MOBILITY)
    step(client, LANGUAGES, {"rating-languages.rookie.1": "1"}, action="finish")
    db.session.expire_all()

    (taking,) = assessments_of(world.learner)
    path = app.extensions["path_model"]
    ratings = {rating.statement_id: rating.rating for rating in taking.ratings}
    assert {level.area_id: level.level_order for level in taking.self_rated_levels} == {
        area_id: order for area_id, order in self_rated_orders(path, ratings).items() if order}
    assert {level.area_id: level.level_order for level in taking.self_rated_levels} == {
        "mobility": path.level("explorer").order}  # languages: rated below "on my own", not started
    assert taking.levels_fingerprint == ladder_fingerprint(path)


def test_the_last_step_sent_empty_names_its_own_skip_button(client, learner, world):
    step(client, MOBILITY, ROOKIE_MOBILITY)

    response = step(client, LANGUAGES, {}, action="finish")

    assert response.status_code == 422
    assert "or choose “Skip this area and finish”." in response.get_data(as_text=True)
    assert assessments_of(world.learner) == []


def test_finishing_with_no_rating_in_any_area_shows_the_last_step_again(client, learner, world):
    step(client, MOBILITY, {}, action="skip")
    response = step(client, LANGUAGES, {}, action="skip")
    page = response.get_data(as_text=True)

    assert response.status_code == 422
    assert "Rate at least one statement in one area to save your self-assessment." in page
    assert "Area 2 of 2" in page and 'aria-invalid="true"' in page
    assert assessments_of(world.learner) == []


def test_each_taking_is_kept_and_the_steps_are_pre_filled_from_the_latest(client, clock, learner, world):
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
    # A step the draft has saved shows the draft's ratings, not the latest taking's.
    step(client, MOBILITY, {"rating-mobility.rookie.1": "1"})
    assert checked_values(client.get(MOBILITY).get_data(as_text=True)) == {"rating-mobility.rookie.1": "1"}


def test_starting_again_drops_the_taking_in_progress_and_keeps_the_finished_ones(client, learner, world):
    take(client, ROOKIE_MOBILITY)
    step(client, MOBILITY, {"rating-mobility.rookie.1": "0"})

    response = post_form(client, "/self-assessment/restart", {}, page=LANGUAGES)

    assert response.status_code == 302
    assert draft_of(world.learner) is None and len(assessments_of(world.learner)) == 1
    assert "Area 1 of 2" in client.get("/self-assessment").get_data(as_text=True)


def test_path_page_shows_the_map_and_one_recommended_module_with_its_reason(client, learner):
    take(client, EXPLORER_MOBILITY)

    page = client.get("/").get_data(as_text=True)

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


@pytest.mark.parametrize("url", ["/self-assessment", MOBILITY, "/self-assessment/restart"])
def test_saving_without_the_csrf_token_is_refused(client, learner, world, url):
    response = client.post(url, data={**ROOKIE_MOBILITY, "action": "next"})

    assert response.status_code == 400
    assert assessments_of(world.learner) == [] and draft_of(world.learner) is None


@pytest.mark.parametrize("ratings", [
    {"rating-mobility.rookie.1": "4"}, {"rating-mobility.rookie.1": "often"}, {"rating-no-such-statement": "2"},
    {"rating-languages.rookie.1": "2"},  # a statement of another area than the step's
])
def test_ratings_off_the_scale_or_of_statements_outside_the_area_are_refused(client, learner, world, ratings):
    response = step(client, MOBILITY, ratings)

    assert response.status_code == 400
    assert assessments_of(world.learner) == [] and draft_of(world.learner) is None


@pytest.mark.parametrize("ratings", [{"rating-mobility.rookie.1": "4"}, {"rating-no-such-statement": "2"}])
def test_ratings_posted_at_once_off_the_scale_or_unknown_are_refused(client, learner, world, ratings):
    assert take(client, ratings).status_code == 400
    assert assessments_of(world.learner) == []


def test_nothing_posted_at_once_shows_the_step_again_instead_of_an_error_page(client, learner, world):
    response = take(client, {})

    assert response.status_code == 422
    assert "Rate at least one statement in one area to save your self-assessment." in response.get_data(as_text=True)


def test_a_step_of_an_area_the_path_does_not_have_is_not_found(client, learner):
    assert client.get("/self-assessment/areas/no-such-area").status_code == 404


def test_another_organisations_person_cannot_read_or_write_the_ratings(client, clock, learner, world, path_model):
    take(client, ROOKIE_MOBILITY)
    step(client, MOBILITY, ROOKIE_MOBILITY)
    other = make_world("Other college")

    assert latest_self_assessment(other.organisation.id, world.learner.id) is None
    with pytest.raises(NotFound):
        record_self_assessment(
            other.organisation.id, world.learner.id, {"mobility.rookie.1": 0}, path=path_model, now=clock.now()
        )
    with pytest.raises(NotFound):
        save_step(path_model, other.organisation.id, world.learner.id, "mobility", {"mobility.rookie.1": 0},
                  now=clock.now())
    sign_in(client, make_launch(other, other.learner, [LEARNER_ROLE], now=clock.now()))
    first_step = client.get("/self-assessment").get_data(as_text=True)
    assert checked_values(first_step) == {} and "Area 1 of 2" in first_step
    take(client, {"rating-mobility.rookie.1": "0"})
    assert [a.organisation_id for a in assessments_of(world.learner)] == [world.organisation.id]
    assert [a.organisation_id for a in assessments_of(other.learner)] == [other.organisation.id]
    assert draft_of(world.learner).organisation_id == world.organisation.id


def test_unknown_statements_are_refused_by_the_service(app, clock, world, path_model):
    with pytest.raises(AppError):
        record_self_assessment(
            world.organisation.id, world.learner.id, {"retired.rookie.1": 2}, path=path_model, now=clock.now()
        )


def test_the_service_refuses_an_empty_area_unless_it_is_skipped(app, clock, world, path_model):
    with pytest.raises(EmptyStep):
        save_step(path_model, world.organisation.id, world.learner.id, "mobility", {}, now=clock.now())

    draft = save_step(path_model, world.organisation.id, world.learner.id, "mobility", {}, now=clock.now(), skip=True)

    assert draft.areas == {"mobility": "skipped"}


def test_merging_people_gives_the_kept_one_the_merged_one_s_draft_unless_they_have_their_own(
    app, clock, world, path_model
):
    other = Person(organisation_id=world.organisation.id, issuer="https://other.example", subject="lea-again")
    third = Person(organisation_id=world.organisation.id, issuer="https://other.example", subject="lea-third")
    db.session.add_all([other, third])
    db.session.flush()
    save_step(path_model, world.organisation.id, other.id, "mobility", {"mobility.rookie.1": 2}, now=clock.now())
    save_step(path_model, world.organisation.id, third.id, "mobility", {"mobility.rookie.1": 0}, now=clock.now())

    move_self_assessments(None, organisation_id=world.organisation.id, kept=world.learner, merged=other)
    move_self_assessments(None, organisation_id=world.organisation.id, kept=world.learner, merged=third)

    assert draft_of(world.learner).ratings == {"mobility.rookie.1": 2}
    assert draft_of(other) is None and draft_of(third) is None


@pytest.mark.parametrize("deployment_id, moves", [(None, True), (1, False)])
def test_a_person_who_moves_wholly_takes_their_taking_in_progress_along(app, clock, world, path_model,
                                                                         deployment_id, moves):
    save_step(path_model, world.organisation.id, world.learner.id, "mobility", {"mobility.rookie.1": 2},
              now=clock.now())
    other = make_world("Other college")

    move_self_assessments_to_organisation(None, source_organisation_id=world.organisation.id,
                                          target_organisation_id=other.organisation.id, person=world.learner,
                                          deployment_id=deployment_id)
    db.session.expire_all()

    assert draft_of(world.learner).organisation_id == (other if moves else world).organisation.id


def test_a_taking_in_progress_is_in_the_person_s_data_export(app, clock, world, path_model):
    from app.reports.personal_data import person_data

    assert person_data(world.organisation.id, world.learner.id)["self_assessment_in_progress"] == []
    save_step(path_model, world.organisation.id, world.learner.id, "mobility", {"mobility.rookie.1": 2},
              now=clock.now())

    (draft,) = person_data(world.organisation.id, world.learner.id)["self_assessment_in_progress"]
    assert draft["ratings"] == {"mobility.rookie.1": 2} and draft["areas"] == {"mobility": "rated"}


def test_erasing_a_person_deletes_their_taking_in_progress_too(app, clock, world, path_model):
    save_step(path_model, world.organisation.id, world.learner.id, "mobility", {"mobility.rookie.1": 2},
              now=clock.now())
    record_self_assessment(world.organisation.id, world.learner.id,
                           {"mobility.rookie.1": 2, "mobility.rookie.2": 2}, path=path_model, now=clock.now())
    db.session.flush()
    db.session.expire_all()  # as in a later request: nothing of the taking loaded

    erase_self_assessments(None, organisation_id=world.organisation.id, person=world.learner)
    db.session.flush()

    assert draft_of(world.learner) is None and assessments_of(world.learner) == []
    assert db.session.scalars(select(SelfRatedLevel)).all() == []  # their stored levels go too, on SQLite as well


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
