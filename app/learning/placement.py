"""Placement: where a learner stands in each area, and the one module recommended next (docs/path.md).

The level of an area is the highest of the self-rated level (app.learning.self_assessment), the
completed level (the highest level at which the area has modules and the learner completed all of them, never
above Explorer: `completion_cap`) and the
demonstrated level (work a reviewer accepted for a demonstrated badge aligned to the area and level; the badges
feature fills it in through `register_demonstrated_levels`, since learning never imports badges).
Placement drives the path page, recommendations and the skills map — never badges, which count completed
modules only. Completed modules come in as ids, so the module player can feed them; ids the path no
longer has (retired) are ignored, as are ratings of retired statements.
"""
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from flask import current_app

from app.learning.content.model import Area, Level, Module, PathModel
from app.learning.path_reads import TakenSelfAssessment
from app.learning.self_assessment import self_rated_level


@dataclass(frozen=True)
class Placement:
    """Where the learner stands in one area, and why."""

    area: Area
    self_rated: Level | None
    completed: Level | None
    demonstrated: Level | None = None  # by reviewed work (a demonstrated badge aligned to this area)

    @property
    def level(self) -> Level | None:
        """The highest of the three; None: not started in this area."""
        return max((self.self_rated, self.completed, self.demonstrated), key=lambda level: level.order if level else 0)

    @property
    def by_demonstration(self) -> bool:
        """Reviewed work, not a rating or modules alone, puts the learner where they are."""
        return self.demonstrated is not None and self.demonstrated.order >= self.order

    @property
    def order(self) -> int:
        return self.level.order if self.level else 0

    @property
    def by_completion(self) -> bool:
        """The completed modules, not the self-rating, put the learner where they are."""
        return self.completed is not None and (self.self_rated is None or self.completed.order > self.self_rated.order)


DemonstratedLevels = Mapping[str, Collection[str]]  # area id → level ids shown by accepted work
DEMONSTRATED_SOURCE = "demonstrated_levels"


def register_demonstrated_levels(app, source: Callable[[int, int], DemonstratedLevels]) -> None:
    """The badges feature's reader of a person's demonstrated levels (organisation id, person id → levels)."""
    app.extensions[DEMONSTRATED_SOURCE] = source


def demonstrated_levels(organisation_id: int, person_id: int) -> DemonstratedLevels:
    source = current_app.extensions.get(DEMONSTRATED_SOURCE)
    return source(organisation_id, person_id) if source else {}


@dataclass(frozen=True)
class Recommendation:
    """The one module to do next, with the placement that explains it."""

    module: Module
    placement: Placement


@dataclass(frozen=True)
class LearnerPath:
    """What the path page shows: the latest self-assessment, the placement per area, the module to do next."""

    assessment: TakenSelfAssessment | None
    placements: list[Placement]
    recommendation: Recommendation | None


def learner_path(
    path: PathModel, organisation_id: int, person_id: int, *, assessment: TakenSelfAssessment | None,
    completed_module_ids: Collection[str]
) -> LearnerPath:
    """The person's path from their latest self-assessment (app.learning.path_reads); no recommendation before their
    first (the page asks for it instead)."""
    ratings = assessment.ratings if assessment else {}
    placements = place(path, ratings, completed_module_ids, demonstrated_levels(organisation_id, person_id))
    recommendation = recommend(path, placements, completed_module_ids) if assessment else None
    return LearnerPath(assessment, placements, recommendation)


COMPLETION_CAP_POSITION = 2  # the path's second level (Explorer): completed modules alone place no higher


def completion_cap(path: PathModel) -> Level | None:
    """The highest level completed modules alone can place anyone at (docs/path.md): the path's second level.

    Modules teach; reaching Practitioner or Expert takes the learner's own rating or reviewed work, so the path
    page, the recommendation and the skills map all stop completed modules at this level.
    """
    levels = sorted(path.levels, key=lambda level: level.order)
    return levels[min(COMPLETION_CAP_POSITION, len(levels)) - 1] if levels else None


def completed_level(path: PathModel, area: Area, completed_module_ids: Collection[str], *,
                    cap: Level | None = None) -> Level | None:
    """The highest level up to Explorer at which the area has modules and every one of them is completed.

    Levels above the cap do not count at all (rather than counting as Explorer), so "you have completed the
    Explorer modules" stays true of whoever it places. `cap`: completion_cap(path), when the caller has it already.
    """
    cap = cap or completion_cap(path)
    done = None
    for level in path.levels:
        if cap is not None and level.order > cap.order:
            continue
        modules = path.modules_for(area.id, level.id)
        if modules and all(module.id in completed_module_ids for module in modules):
            if done is None or level.order > done.order:
                done = level
    return done


def place(path: PathModel, ratings: Mapping[str, int], completed_module_ids: Collection[str],
          demonstrated: DemonstratedLevels | None = None) -> list[Placement]:
    """The learner's placement in every area, in path order."""
    cap = completion_cap(path)  # once, not once per area: the dashboard places a row per member
    return [place_in(path, area, ratings, completed_module_ids, demonstrated, cap=cap) for area in path.areas]


def place_in(path: PathModel, area: Area, ratings: Mapping[str, int], completed_module_ids: Collection[str],
             demonstrated: DemonstratedLevels | None = None, *, cap: Level | None = None) -> Placement:
    """The learner's placement in one area: what sorting a whole course by that area needs of each member."""
    return Placement(area, self_rated_level(area, path.levels, ratings) if ratings else None,
                     completed_level(path, area, completed_module_ids, cap=cap) if completed_module_ids else None,
                     _highest(path, (demonstrated or {}).get(area.id, ())))


def _highest(path: PathModel, level_ids: Collection[str]) -> Level | None:
    levels = [level for level in path.levels if level.id in level_ids]
    return max(levels, key=lambda level: level.order) if levels else None


def recommend(
    path: PathModel, placements: list[Placement], completed_module_ids: Collection[str]
) -> Recommendation | None:
    """The module for the area where the learner stands lowest (ties: path order) that has one to offer.

    In that area: the first module not yet completed at the nearest level above the placement; if there is
    none above, one at the placement's level. Areas with nothing left to offer are passed over.
    """
    levels = sorted(path.levels, key=lambda level: level.order)
    for placement in sorted(placements, key=lambda placement: placement.order):  # stable: ties keep path order
        open_modules = [
            (level, module)
            for level in levels
            for module in path.modules_for(placement.area.id, level.id)
            if module.id not in completed_module_ids
        ]
        above = [module for level, module in open_modules if level.order > placement.order]
        at_level = [module for level, module in open_modules if level.order == placement.order]
        if above or at_level:
            return Recommendation((above or at_level)[0], placement)
    return None
