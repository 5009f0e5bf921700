"""Placement and the recommended next module, as a table of cases over the small path (tests/learning/conftest.py).

Small path: mobility has 2 rookie, 2 explorer and 1 practitioner statements and a module at each of those
levels; languages has 1 rookie and 1 explorer statement and one rookie module.
"""
import pytest

from app.learning.placement import place, recommend

pytestmark = pytest.mark.sqlite

ROOKIE_MOBILITY = {"mobility.rookie.1": 2, "mobility.rookie.2": 2}
EXPLORER_MOBILITY = {**ROOKIE_MOBILITY, "mobility.explorer.1": 3, "mobility.explorer.2": 2}
PRACTITIONER_MOBILITY = {**EXPLORER_MOBILITY, "mobility.practitioner.1": 2}


@pytest.mark.parametrize("ratings, completed, mobility, languages", [
    pytest.param({}, set(), None, None, id="nothing-rated-is-not-started"),
    pytest.param(ROOKIE_MOBILITY, set(), "rookie", None, id="all-rookie-statements-on-my-own"),
    pytest.param(EXPLORER_MOBILITY, set(), "explorer", None, id="can-guide-others-counts-as-on-my-own"),
    pytest.param(PRACTITIONER_MOBILITY, set(), "practitioner", None, id="highest-level"),
    pytest.param({**EXPLORER_MOBILITY, "mobility.rookie.2": 1}, set(), None, None,
                 id="with-help-below-blocks-higher-levels"),
    pytest.param({**ROOKIE_MOBILITY, "mobility.explorer.1": 3}, set(), "rookie", None,
                 id="unrated-statement-counts-as-not-yet"),
    pytest.param({"mobility.rookie.1": 0, "mobility.rookie.2": 3}, set(), None, None,
                 id="not-yet-leaves-the-level-unreached"),
    pytest.param({"languages.rookie.1": 3}, set(), None, "rookie", id="areas-are-placed-separately"),
    pytest.param(ROOKIE_MOBILITY, {"mobility-abroad"}, "explorer", None,
                 id="completed-modules-place-higher-than-the-rating"),
    pytest.param(EXPLORER_MOBILITY, {"mobility-basics"}, "explorer", None,
                 id="rating-places-higher-than-completed-modules"),
    pytest.param({}, {"languages-email"}, None, "rookie", id="completed-modules-alone-place"),
    pytest.param({}, {"mobility-abroad"}, "explorer", None, id="completing-every-module-of-a-level-places-there"),
    pytest.param({}, {"mobility-basics", "mobility-abroad", "mobility-guide"}, "explorer", None,
                 id="completed-modules-alone-never-place-above-explorer"),
    pytest.param({}, {"mobility-guide"}, None, None, id="modules-above-explorer-alone-place-nowhere"),
    pytest.param(PRACTITIONER_MOBILITY, {"mobility-guide"}, "practitioner", None,
                 id="the-rating-still-places-above-explorer"),
    pytest.param({**ROOKIE_MOBILITY, "mobility.rookie.9": 0, "retired.rookie.1": 3}, {"a-retired-module"},
                 "rookie", None,
                 id="retired-statements-and-modules-are-ignored"),
])
def test_placement_is_the_higher_of_self_rated_and_completed_level(path_model, ratings, completed, mobility, languages):
    placements = {placement.area.id: placement for placement in place(path_model, ratings, completed)}

    assert [placement.area.id for placement in place(path_model, ratings, completed)] == ["mobility", "languages"]
    assert (placements["mobility"].level.id if placements["mobility"].level else None) == mobility
    assert (placements["languages"].level.id if placements["languages"].level else None) == languages


def test_placement_says_when_completed_modules_put_the_learner_higher(path_model):
    mobility, languages = place(path_model, ROOKIE_MOBILITY, {"mobility-abroad", "languages-email"})

    assert mobility.self_rated.id == "rookie" and mobility.completed.id == "explorer" and mobility.by_completion
    assert languages.self_rated is None and languages.by_completion
    assert not place(path_model, EXPLORER_MOBILITY, {"mobility-abroad"})[0].by_completion


@pytest.mark.parametrize("ratings, completed, expected", [
    pytest.param({}, set(), "mobility-basics", id="not-started-everywhere-first-area-first-level"),
    pytest.param(ROOKIE_MOBILITY, set(), "languages-email", id="the-lowest-area-first"),
    pytest.param({**ROOKIE_MOBILITY, "languages.rookie.1": 2}, set(), "mobility-abroad",
                 id="ties-go-in-path-order-to-the-next-level"),
    pytest.param({**PRACTITIONER_MOBILITY, "languages.rookie.1": 2, "languages.explorer.1": 2}, set(), "mobility-guide",
                 id="an-area-with-nothing-to-offer-is-passed-over-and-the-own-level-serves-at-the-top"),
    pytest.param({**ROOKIE_MOBILITY, "languages.rookie.1": 2, "languages.explorer.1": 2}, {"mobility-abroad"},
                 "mobility-guide",
                 id="completed-modules-are-not-recommended-again"),
    pytest.param({}, {"mobility-basics", "mobility-abroad", "mobility-guide", "languages-email"}, None,
                 id="nothing-left"),
])
def test_recommendation_is_the_next_module_in_the_lowest_area(path_model, ratings, completed, expected):
    recommendation = recommend(path_model, place(path_model, ratings, completed), completed)

    assert (recommendation.module.id if recommendation else None) == expected


def test_work_accepted_for_a_demonstrated_badge_places_the_learner_at_its_level(path_model):
    mobility, languages = place(path_model, ROOKIE_MOBILITY, set(), {"mobility": {"practitioner"}, "x": {"rookie"}})

    assert mobility.level.id == "practitioner" and mobility.by_demonstration and not mobility.by_completion
    assert languages.level is None  # an area the path does not have is ignored
    assert not place(path_model, PRACTITIONER_MOBILITY, set(), {"mobility": {"rookie"}})[0].by_demonstration
