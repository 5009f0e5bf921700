"""The personal report of a finished self-assessment, and the person's history of takings (as SELFIE for Teachers
gives one after each taking).

Per area: the self-rated level of this taking, the one of the taking before it (then / now), and what to do next
there: the module the path page would recommend in that area (placement.recommend, given the placement in that area
alone, so the rule is the path page's), or, where no module is left (the area's top level reached, or its modules
done), the statements to practise. Only the person's own takings, in their organisation, are ever read.
"""
from dataclasses import dataclass

from flask_babel import gettext as _

from app.errors import NotFound
from app.extensions import db
from app.learning.content.model import Area, Level, Module, PathModel, Statement
from app.learning.models import SelfAssessment
from app.learning.placement import Placement, demonstrated_levels, place, recommend
from app.learning.progress import completed_module_ids
from app.learning.self_assessment import ON_MY_OWN, self_rated_level, steps
from app.tenancy.services import scoped

FIRST_TIME, MOVED_UP, SAME, MOVED_DOWN = "first-time", "moved-up", "same", "moved-down"


@dataclass(frozen=True)
class AreaReport:
    """One area of the report."""

    area: Area
    now: Level | None  # self-rated in this taking; None: below the first level
    then: Level | None  # self-rated in the taking before it
    change: str  # FIRST_TIME (no taking before), MOVED_UP, SAME or MOVED_DOWN
    rated: bool  # this taking rates at least one statement of the area (a skipped area does not)
    placement: Placement  # with completed modules and demonstrated levels, as the path page places
    suggestion: Module | None  # the module the path would recommend in this area
    practise: tuple[Statement, ...]  # no module left: the statements rated below "On my own"
    guide_others_in: tuple[Statement, ...]  # … and, those all reached, the ones not yet "Can guide others"
    is_next_on_path: bool  # the suggestion is the path's one recommendation


@dataclass(frozen=True)
class Report:
    assessment: SelfAssessment
    previous: SelfAssessment | None
    areas: tuple[AreaReport, ...]
    is_latest: bool

    @property
    def moved_up(self) -> int:
        return sum(area.change == MOVED_UP for area in self.areas)


def takings(organisation_id: int, person_id: int) -> list[SelfAssessment]:
    """The person's finished takings, newest first."""
    return list(db.session.scalars(
        scoped(SelfAssessment, organisation_id)
        .where(SelfAssessment.person_id == person_id)
        .order_by(SelfAssessment.taken_at.desc(), SelfAssessment.id.desc())
    ))


def _order(level: Level | None) -> int:
    return level.order if level else 0


def _change(now: Level | None, then: Level | None, has_previous: bool) -> str:
    if not has_previous:
        return FIRST_TIME
    if _order(now) > _order(then):
        return MOVED_UP
    return SAME if _order(now) == _order(then) else MOVED_DOWN


def _statements(path: PathModel, area: Area) -> list[Statement]:
    levels = sorted(path.levels, key=lambda level: level.order)
    return [statement for level in levels for statement in area.statements_at(level.id)]


def report(path: PathModel, organisation_id: int, person_id: int, assessment_id: int) -> Report:
    """The report of one of the person's own finished takings; any other id is NotFound (another person's, another
    organisation's, or none)."""
    history = takings(organisation_id, person_id)
    position = next((index for index, taking in enumerate(history) if taking.id == assessment_id), None)
    if position is None:
        raise NotFound(_("There is no such self-assessment of yours."))
    assessment = history[position]
    previous = history[position + 1] if position + 1 < len(history) else None
    ratings = {rating.statement_id: rating.rating for rating in assessment.ratings}
    before = {rating.statement_id: rating.rating for rating in previous.ratings} if previous else {}
    completed = completed_module_ids(organisation_id, person_id)
    placements = place(path, ratings, completed, demonstrated_levels(organisation_id, person_id))
    on_path = recommend(path, placements, completed)
    stepped = {area.id for area in steps(path)}
    areas = []
    for placement in placements:
        area = placement.area
        if area.id not in stepped:
            continue
        now, then = self_rated_level(area, path.levels, ratings), self_rated_level(area, path.levels, before)
        suggestion = recommend(path, [placement], completed)
        statements = _statements(path, area)
        practise = tuple(statement for statement in statements if ratings.get(statement.id, 0) < ON_MY_OWN)
        areas.append(AreaReport(
            area=area, now=now, then=then, change=_change(now, then, previous is not None),
            rated=any(statement.id in ratings for statement in statements), placement=placement,
            suggestion=suggestion.module if suggestion else None,
            practise=() if suggestion else practise,
            guide_others_in=() if suggestion or practise else tuple(
                statement for statement in statements if ratings.get(statement.id, 0) == ON_MY_OWN),
            is_next_on_path=bool(suggestion and on_path and on_path.module.id == suggestion.module.id),
        ))
    return Report(assessment=assessment, previous=previous, areas=tuple(areas), is_latest=position == 0)
