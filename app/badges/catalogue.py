"""The installation's badges: badge_templates/ read against the path the app serves now.

The catalogue is read at start and again whenever the path model changes (an admin's content reload), so a
badge rule always refers to the modules learners see.
"""
import logging
from pathlib import Path

from flask import current_app

from app.badges.criteria import ModuleGroups, module_groups, rule_modules
from app.badges.definitions import BadgeCatalogue, BadgeDefinition
from app.badges.facts import BadgeFacts, badge_facts
from app.badges.loader import load_badges
from app.learning.content import path_model

log = logging.getLogger(__name__)


def badge_directory(app=None) -> Path:
    return Path((app or current_app).config["BADGE_TEMPLATES_DIR"])


def badge_catalogue(app=None) -> BadgeCatalogue:
    """The badges valid against the current path; badges with errors are left out (and logged once)."""
    app = app or current_app._get_current_object()
    path = path_model(app)
    cached = app.extensions.get("badge_catalogue")
    if cached is not None and cached[0] is path:
        return cached[1]
    catalogue, problems = load_badges(badge_directory(app), path, locales=app.config["LANGUAGES"])
    for problem in problems.errors:
        log.error("badges: %s", problem.format(str(badge_directory(app))))
    app.extensions["badge_catalogue"] = (path, catalogue)
    return catalogue


def facts_of(badge: BadgeDefinition, app=None) -> BadgeFacts:
    """The badge's micro-credential facts against the current path and catalogue (worked out once per catalogue)."""
    app = app or current_app._get_current_object()
    catalogue = badge_catalogue(app)
    cached = app.extensions.get("badge_facts")
    if cached is None or cached[0] is not catalogue:
        cached = app.extensions["badge_facts"] = (catalogue, {})
    if badge.id not in cached[1]:
        cached[1][badge.id] = badge_facts(badge, path_model(app), catalogue)
    return cached[1][badge.id]


def badges_counting(module_id: str, app=None) -> tuple[BadgeDefinition, ...]:
    """The participation badges whose rules count the module, in catalogue order (worked out once per catalogue).
    Demonstrated badges are left out: a reviewer awards them for work, not for modules."""
    app = app or current_app._get_current_object()
    catalogue = badge_catalogue(app)
    cached = app.extensions.get("badges_by_module")
    if cached is None or cached[0] is not catalogue:
        path = path_model(app)
        by_module: dict[str, list[BadgeDefinition]] = {}
        for badge in catalogue.participation if path is not None else ():
            if badge.rule is None:
                continue
            for module in rule_modules(badge.rule, path):
                by_module.setdefault(module.id, []).append(badge)
        cached = app.extensions["badges_by_module"] = (
            catalogue, {module_id: tuple(badges) for module_id, badges in by_module.items()})
    return cached[1].get(module_id, ())


def demonstrated_prerequisites(app=None) -> dict[str, ModuleGroups]:
    """Demonstrated badge id → its prerequisites as module groups against the current path (worked out once per
    catalogue): the path page asks of every demonstrated badge whether the learner may submit yet."""
    app = app or current_app._get_current_object()
    catalogue = badge_catalogue(app)
    cached = app.extensions.get("demonstrated_prerequisites")
    if cached is None or cached[0] is not catalogue:
        path = path_model(app)
        cached = app.extensions["demonstrated_prerequisites"] = (
            catalogue, {badge.id: module_groups(badge.prerequisites, path) for badge in catalogue.demonstrated})
    return cached[1]
