"""A rule reduced to module groups (app.badges.criteria.module_groups, what the path page asks of every demonstrated
badge once per catalogue) is met exactly when rule_progress says it is, for every rule type."""
import itertools

import pytest

from app.badges.criteria import module_groups, rule_progress
from app.badges.definitions import AREA_LEVEL_COMPLETED, LEVEL_IN_AREAS, MODULE_COMPLETED, PATH_COMPLETED, Rule
from app.badges.loader import areas_with_modules_at
from app.learning.content import path_model

pytestmark = pytest.mark.sqlite


def rules_on(path) -> list[Rule]:
    level = path.levels[0].id
    area = areas_with_modules_at(path, level)[0]
    return [Rule(MODULE_COMPLETED, module=path.modules[0].id), Rule(MODULE_COMPLETED, module="retired-module"),
            Rule(AREA_LEVEL_COMPLETED, area=area, level=level), Rule(PATH_COMPLETED),
            *(Rule(LEVEL_IN_AREAS, level=level, areas=n) for n in (0, 1, 2, 99))]


def test_module_groups_are_met_exactly_when_the_rule_is(app):
    path = path_model()
    module_ids = [module.id for module in path.modules]
    # Nothing, everything, and growing prefixes and suffixes of the path's modules, as learners complete them.
    completions = [frozenset(), frozenset(module_ids),
                   *(frozenset(module_ids[:n]) for n in range(1, len(module_ids))),
                   *(frozenset(module_ids[n:]) for n in range(1, len(module_ids))),
                   *(frozenset(pair) for pair in itertools.islice(itertools.combinations(module_ids, 2), 50))]

    for rule, completed in itertools.product(rules_on(path), completions):
        assert module_groups(rule, path).met(completed) == rule_progress(rule, path, completed).met, (rule, completed)
