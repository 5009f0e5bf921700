"""The path page's map as the template shows it: a row per area, a cell per level, each cell's modules with the
learner's state in them.

Built here, once per page, rather than by template macros: the map is up to 40 cells, and a macro call, a
translation and a url_for per cell and module made it a third of the path page's time (bench/profile_launch.py).
Every label is translated once per language (app.i18n.once_per_language) and every module link comes from one url_for.
"""
from collections.abc import Mapping
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _

from app.i18n import once_per_language
from app.learning.content.model import Module, PathModel
from app.learning.placement import LearnerPath

# A module id matches the content's ID_PATTERN ([a-z0-9._-]), which a URL path carries as it is: one link made
# with this stand-in serves every module.
_MODULE_ID_STAND_IN = "module-id-stand-in"


@dataclass(frozen=True)
class MapModule:
    id: str
    href: str
    title: str
    in_english: bool  # the reader's language lacks the module: its title is English, and the page says so
    recommended: bool  # the one module "What to do next" names
    state: str  # "completed", "in progress" (translated) or ""


@dataclass(frozen=True)
class MapCell:
    """One area at one level: "none" (not a level of the area), "reached", "next" (the first level not reached)
    or "later"; `label` says it in words, `level_label` names the level for the one-card-per-area phone layout."""

    kind: str
    label: str
    level_label: str
    modules: tuple[MapModule, ...]


@dataclass(frozen=True)
class MapRow:
    area_id: str
    area_label: str
    cells: tuple[MapCell, ...]


@dataclass(frozen=True)
class _MapWords:
    cells: dict[str, str]  # a cell's kind → what it says
    completed: str
    in_progress: str


@once_per_language
def _map_words() -> _MapWords:
    """The map's words in the request's language, translated once per language, not once per page: the same on every
    page in that language (shared: read, never changed)."""
    return _MapWords(cells={"none": _("Not a level of this area"), "reached": _("Reached"),
                            "next": _("Your next level"), "later": _("Later")},
                     completed=_("completed"), in_progress=_("in progress"))


def path_map(path: PathModel, learner: LearnerPath, opened: Mapping[str, bool], locale: str) -> list[MapRow]:
    """The map's rows for this learner: `opened` is module id → completed? for each module they opened."""
    words = _map_words()
    labels, completed, in_progress = words.cells, words.completed, words.in_progress
    recommended_id = learner.recommendation.module.id if learner.recommendation else None
    link = url_for("learning.module", module_id=_MODULE_ID_STAND_IN)
    level_labels = [(level, level.localised(locale)) for level in path.levels]

    def entry(module: Module) -> MapModule:
        done = opened.get(module.id)
        return MapModule(
            id=module.id, href=link.replace(_MODULE_ID_STAND_IN, module.id, 1), title=module.localised(locale),
            in_english=not module.is_in(locale), recommended=module.id == recommended_id,
            state="" if done is None else completed if done else in_progress,
        )

    rows = []
    for placement in learner.placements:
        area, cells, next_shown = placement.area, [], False
        for level, level_label in level_labels:
            if not area.statements_at(level.id):
                kind = "none"
            elif level.order <= placement.order:
                kind = "reached"
            elif not next_shown:
                kind, next_shown = "next", True
            else:
                kind = "later"
            modules = () if kind == "none" else tuple(entry(module) for module in path.modules_for(area.id, level.id))
            cells.append(MapCell(kind, labels[kind], level_label, modules))
        rows.append(MapRow(area.id, area.localised(locale), tuple(cells)))
    return rows
