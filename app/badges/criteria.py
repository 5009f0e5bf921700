"""Badge rules against the path: met or not, and what is still missing (docs/badges.md).

Only completed modules count: a self-rating never earns a badge. A rule is read against the path as it is
now; when a college adds a module to a cell, the badge asks for it too (awards already made stay).
"""
from collections.abc import Collection
from dataclasses import dataclass

from app.badges.definitions import (
    AREA_LEVEL_COMPLETED,
    LEVEL_IN_AREAS,
    MODULE_COMPLETED,
    PATH_COMPLETED,
    BadgeDefinition,
    Rule,
)
from app.badges.loader import areas_with_modules_at
from app.learning.content.model import Module, PathModel


@dataclass(frozen=True)
class RuleProgress:
    """How far a person is from a badge: modules done of those needed, and the modules still to complete."""

    met: bool
    done: int
    needed: int
    missing: tuple[Module, ...]  # the modules that would close the gap soonest, in path order


def rule_progress(rule: Rule, path: PathModel, completed: Collection[str]) -> RuleProgress:
    completed = frozenset(completed)
    if rule.type == MODULE_COMPLETED:
        return _all_of(tuple(module for module in path.modules if module.id == rule.module), completed)
    if rule.type == AREA_LEVEL_COMPLETED:
        return _all_of(path.modules_for(rule.area, rule.level), completed)
    if rule.type == PATH_COMPLETED:
        return _all_of(tuple(module for level in path.levels for area in path.areas
                             for module in path.modules_for(area.id, level.id)), completed)
    if rule.type == LEVEL_IN_AREAS:
        return _level_in_areas(rule, path, completed)
    raise ValueError(f"unknown rule type {rule.type!r}")


def _all_of(modules: tuple[Module, ...], completed: frozenset[str]) -> RuleProgress:
    missing = tuple(module for module in modules if module.id not in completed)
    # A rule over no modules (the module was retired) is never met: a badge needs something done.
    return RuleProgress(met=bool(modules) and not missing, done=len(modules) - len(missing), needed=len(modules),
                        missing=missing)


def _level_in_areas(rule: Rule, path: PathModel, completed: frozenset[str]) -> RuleProgress:
    """The N areas closest to completion at the level count: done modules of them, out of all their modules."""
    cells = [
        _all_of(path.modules_for(area_id, rule.level), completed) for area_id in areas_with_modules_at(path, rule.level)
    ]
    if len(cells) < rule.areas:
        return RuleProgress(False, 0, 0, ())
    closest = sorted(cells, key=lambda cell: (len(cell.missing), -cell.done))[:rule.areas]
    missing = tuple(module for cell in closest for module in cell.missing)
    return RuleProgress(met=not missing, done=sum(cell.done for cell in closest),
                        needed=sum(cell.needed for cell in closest), missing=missing)


def is_met(badge: BadgeDefinition, path: PathModel, completed: Collection[str]) -> bool:
    return rule_progress(badge.rule, path, completed).met


def evidence_modules(badge: BadgeDefinition, path: PathModel, completed: Collection[str]) -> tuple[Module, ...]:
    """The completed modules that met the rule: the award's evidence."""
    rule = badge.rule
    completed = frozenset(completed)
    if rule.type == MODULE_COMPLETED:
        relevant = [path.module(rule.module)]
    elif rule.type == AREA_LEVEL_COMPLETED:
        relevant = path.modules_for(rule.area, rule.level)
    elif rule.type == LEVEL_IN_AREAS:  # the modules of the areas completed at the level
        cells = [path.modules_for(area_id, rule.level) for area_id in areas_with_modules_at(path, rule.level)]
        relevant = [module for cell in cells if all(module.id in completed for module in cell) for module in cell]
    else:
        relevant = path.modules
    return tuple(module for module in relevant if module and module.id in completed)


def rule_modules(rule: Rule, path: PathModel) -> tuple[Module, ...]:
    """Every module a rule counts (LEVEL_IN_AREAS: those of every area with modules at the level), in path order."""
    if rule.type == MODULE_COMPLETED:
        return tuple(module for module in path.modules if module.id == rule.module)
    if rule.type == AREA_LEVEL_COMPLETED:
        return tuple(path.modules_for(rule.area, rule.level))
    if rule.type == LEVEL_IN_AREAS:
        return tuple(module for area_id in areas_with_modules_at(path, rule.level)
                     for module in path.modules_for(area_id, rule.level))
    return tuple(module for level in path.levels for area in path.areas
                 for module in path.modules_for(area.id, level.id))


@dataclass(frozen=True)
class ModuleGroups:
    """A rule against one path as sets of module ids, for pages that only ask whether it is met: met once at least
    `at_least` of the groups are completed whole (rule_progress's answer, without its progress)."""

    groups: tuple[frozenset[str], ...]
    at_least: int

    def met(self, completed: frozenset[str]) -> bool:
        return sum(group <= completed for group in self.groups) >= self.at_least


def module_groups(rule: Rule, path: PathModel) -> ModuleGroups:
    """The rule as rule_progress reads it: LEVEL_IN_AREAS, N of its areas' modules at the level; any other rule, all
    its modules (none: never met, as in _all_of)."""
    if rule.type == LEVEL_IN_AREAS:
        return ModuleGroups(tuple(frozenset(module.id for module in path.modules_for(area_id, rule.level))
                                  for area_id in areas_with_modules_at(path, rule.level)), rule.areas)
    modules = rule_modules(rule, path)
    return ModuleGroups((frozenset(module.id for module in modules),) if modules else (), 1)


def modules_needed(rule: Rule, path: PathModel) -> tuple[Module, ...]:
    """The fewest modules that meet the rule from nothing done (LEVEL_IN_AREAS: the smallest N areas' modules)."""
    return rule_progress(rule, path, ()).missing
