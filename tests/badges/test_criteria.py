"""When a demonstrated badge's prerequisites are met: one rule (app.badges.criteria.module_groups), which the path page
asks of every demonstrated badge (kept per catalogue by app.badges.catalogue.demonstrated_prerequisites) and the
submit check asks against the path it is given (app.badges.submissions.prerequisites_met). A rule type by test, then
the same reading as rule_progress (participation badges' awards and progress) for every rule type."""
import dataclasses
import itertools

import pytest

from app.badges.criteria import module_groups, rule_progress
from app.badges.definitions import (
    AREA_LEVEL_COMPLETED,
    DEMONSTRATED,
    LEVEL_IN_AREAS,
    MODULE_COMPLETED,
    PATH_COMPLETED,
    BadgeDefinition,
    Rule,
)
from app.badges.loader import areas_with_modules_at
from app.badges.submissions import prerequisites_met
from app.extensions import db
from app.learning.content import path_model
from app.learning.content.model import english
from app.learning.models import ModuleProgress
from tests.support.content import small_path
from tests.support.factories import make_world

pytestmark = pytest.mark.sqlite


def with_module_added(path, module_id: str, area: str, level: str):
    """The path after a college adds a module to a cell."""
    added = dataclasses.replace(path.modules[0], id=module_id, area=area, level=level)
    return dataclasses.replace(path, modules=(*path.modules, added))


# Rookie: two mobility modules and one languages module; explorer and practitioner: one mobility module each.
PATH = with_module_added(small_path(), "mobility-visas", "mobility", "rookie")
EVERY_MODULE = [module.id for module in PATH.modules]


def met(rule: Rule, *completed: str) -> bool:
    return module_groups(rule, PATH).met(frozenset(completed))


def test_module_completed_is_met_by_that_module():
    rule = Rule(MODULE_COMPLETED, module="mobility-abroad")

    assert met(rule, "mobility-abroad")
    assert not met(rule, *(module for module in EVERY_MODULE if module != "mobility-abroad"))


def test_a_module_the_path_no_longer_has_is_never_met():
    assert not met(Rule(MODULE_COMPLETED, module="retired-module"), *EVERY_MODULE)


def test_area_level_completed_is_met_by_every_module_of_the_area_at_the_level():
    rule = Rule(AREA_LEVEL_COMPLETED, area="mobility", level="rookie")

    assert met(rule, "mobility-basics", "mobility-visas")
    assert not met(rule, "mobility-basics", "mobility-abroad", "mobility-guide", "languages-email")


def test_path_completed_is_met_by_every_module_of_the_path():
    rule = Rule(PATH_COMPLETED)

    assert met(rule, *EVERY_MODULE)
    assert not met(rule, *EVERY_MODULE[1:])


def test_level_in_areas_is_met_by_every_module_at_the_level_of_as_many_areas():
    one_area, both_areas = Rule(LEVEL_IN_AREAS, level="rookie", areas=1), Rule(LEVEL_IN_AREAS, level="rookie", areas=2)

    assert met(one_area, "languages-email") and met(one_area, "mobility-basics", "mobility-visas")
    assert not met(one_area, "mobility-basics", "mobility-abroad")  # half of one area, and another level
    assert met(both_areas, "languages-email", "mobility-basics", "mobility-visas")
    assert not met(both_areas, "languages-email", "mobility-basics")


def test_level_in_more_areas_than_have_modules_at_the_level_is_never_met():
    assert not met(Rule(LEVEL_IN_AREAS, level="rookie", areas=3), *EVERY_MODULE)


def test_the_submit_check_reads_the_prerequisites_against_the_path_it_is_given(app, clock):
    """A college added a module to the cell the badge builds on: the badge asks for it too."""
    world = make_world()
    db.session.add(ModuleProgress(organisation_id=world.organisation.id, person_id=world.learner.id,
                                  module_id="mobility-basics", started_at=clock.now(), updated_at=clock.now(),
                                  completed_at=clock.now(), score=100))
    db.session.flush()
    badge = BadgeDefinition("mobility-plan", english("Mobility plan"), english("A plan."), english("Planned."), None,
                            "plan.svg", "#000000", kind=DEMONSTRATED,
                            prerequisites=Rule(AREA_LEVEL_COMPLETED, area="mobility", level="rookie"))

    assert prerequisites_met(small_path(), badge, world.organisation.id, world.learner.id)
    assert not prerequisites_met(PATH, badge, world.organisation.id, world.learner.id)


def rules_on(path) -> list[Rule]:
    level = path.levels[0].id
    area = areas_with_modules_at(path, level)[0]
    return [Rule(MODULE_COMPLETED, module=path.modules[0].id), Rule(MODULE_COMPLETED, module="retired-module"),
            Rule(AREA_LEVEL_COMPLETED, area=area, level=level), Rule(PATH_COMPLETED),
            *(Rule(LEVEL_IN_AREAS, level=level, areas=n) for n in (0, 1, 2, 99))]


def test_prerequisites_are_met_exactly_when_rule_progress_says_the_rule_is(app):
    path = path_model()
    module_ids = [module.id for module in path.modules]
    # Nothing, everything, and growing prefixes and suffixes of the path's modules, as learners complete them.
    completions = [frozenset(), frozenset(module_ids),
                   *(frozenset(module_ids[:n]) for n in range(1, len(module_ids))),
                   *(frozenset(module_ids[n:]) for n in range(1, len(module_ids))),
                   *(frozenset(pair) for pair in itertools.islice(itertools.combinations(module_ids, 2), 50))]

    for rule, completed in itertools.product(rules_on(path), completions):
        assert module_groups(rule, path).met(completed) == rule_progress(rule, path, completed).met, (rule, completed)
