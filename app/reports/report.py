"""What the skills map pages and exports show, for one organisation and one choice of filters.

Filters are fixed bins (docs/reports.md): a course group (or the whole organisation), months or quarters, a
period (the map at its end), an earlier period to compare with, and the activity per month or quarter.
Every figure comes from a protected network; gaps are worked out from the shown figures only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import format_percent
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.clock import as_utc
from app.errors import AppError
from app.extensions import db
from app.learning.content.model import Area, Module, PathModel
from app.learning.placement import completion_cap
from app.reports import privacy
from app.reports.activity import ORGANISATION, start_activity
from app.reports.periods import MONTH, QUARTER, Period, month_range, parse_period, quarters_of
from app.reports.population import Group, Population, population
from app.reports.skills_map import (
    ANY_AREA,
    COMPLEMENT,
    MAP_HIDES,
    NOT_STARTED,
    UP,
    WAYS,
    WAYS_ROW,
    Movement,
    count_population_and_dates,
    level_orders,
    protect_dates,
)
from app.tenancy.models import Organisation, Person


@dataclass(frozen=True)
class Shown:
    """One figure as the page shows it: the number, or why it is not there (`reason`, in the reader's words)."""

    value: int | None
    state: str  # published | small | hidden | withheld
    reason: str = ""

    @property
    def published(self) -> bool:
        return self.state == privacy.PUBLISHED

    @property
    def text(self) -> str:
        if self.state == privacy.PUBLISHED:
            return str(self.value)
        if self.state == privacy.SMALL:
            return _("fewer than 5")
        if self.state == privacy.HIDDEN:
            return _("hidden")
        return _("not shown")

    def percent(self, total: int) -> float | None:
        """The share of `total` (a group's size, itself shown): only for a published figure, never a suppressed one."""
        return self.value / total if self.state == privacy.PUBLISHED and total else None

    def percent_text(self, total: int) -> str:
        share = self.percent(total)
        return self.text if share is None else format_percent(share)


WITHHELD = Shown(None, "withheld")


def shown(network: privacy.Network | None, key, reason: str = "") -> Shown:
    figure = network.figures.get(key) if network else None
    if figure is None:
        return Shown(None, "withheld", reason)
    return Shown(figure.value if figure.state == privacy.PUBLISHED else None, figure.state)


def _map_reason(network: privacy.Network | None) -> str:
    """Why a map figure is not there at all (a "fewer than 5" or "hidden" figure says so itself)."""
    if network is None:
        return _("Not shown: this area's figures cannot be shown for any line without giving a small count away.")
    return _("Not shown: this area's course groups cannot all be shown without giving a small count away; the "
             "whole organisation's line is shown instead.")


def _movement_reason(reason: str, start: Period, end: Period, row) -> str:
    if reason == MAP_HIDES:
        return _("Not shown: the map at the end of %(start)s or %(end)s hides a figure of this line, and a change "
                 "is shown only where both maps show every level.", start=start.slug, end=end.slug)
    if reason == COMPLEMENT:
        return _("Not shown: with the whole organisation's line beside it, this line would let a smaller course "
                 "group's change be worked out.")
    if row == privacy.ALL:
        return _("Not shown: a change is shown only where at least %(threshold)s people moved up and at least "
                 "%(threshold)s did not, here and in the course groups not shown.", threshold=privacy.THRESHOLD)
    return _("Not shown: a change is shown only where at least %(threshold)s people moved up and at least "
             "%(threshold)s did not.", threshold=privacy.THRESHOLD)


@dataclass
class Comparison:
    """Who moved up between two period ends: one row per area and one for any area; a column per line shown."""

    title: str
    columns: list[tuple[str, int]]  # (line's title, its people)
    rows: list[tuple[str, list[Shown]]]  # (area title or "In any area", one per column)

    @property
    def any_shown(self) -> bool:
        return any(cell.published for _label, cells in self.rows for cell in cells)


@dataclass
class Filters:
    group: Group | None  # None: the whole organisation
    granularity: str
    period: Period
    compare: Period | None
    periods: list[Period]


@dataclass
class MapRow:
    area: Area
    cells: list[Shown]  # one per level order, not started first
    total: int


@dataclass
class Gap:
    area: Area
    at_practitioner_or_above: int  # as shown (suppressed figures count as 0)
    modules: list[Module]
    suppressed: int = 0  # how many of the figures it adds up are not shown
    total: int = 0  # the line's people (shown)

    @property
    def percent_text(self) -> str:
        """The share of the line's people: only said when every figure it adds up is published."""
        return format_percent(self.at_practitioner_or_above / self.total) if self.total and not self.suppressed else ""


@dataclass
class SkillsReport:
    organisation: Organisation
    population: Population
    filters: Filters | None
    level_titles: list[str] = field(default_factory=list)
    cap_title: str = ""  # the highest level completed modules alone place anyone at (Explorer)
    map_rows: list[MapRow] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)  # the chosen one first, then quarters instead
    ways_columns: list[str] = field(default_factory=list)  # self-rated, completed modules, demonstrated badge
    ways_rows: list[tuple[str, list[Shown]]] = field(default_factory=list)  # the organisation's line, per area
    gaps: list[Gap] = field(default_factory=list)
    activity_columns: list[tuple[str, str]] = field(default_factory=list)  # (measure, label)
    activity_rows: list[tuple[str, list[Shown]]] = field(default_factory=list)  # (period label, one per measure)

    @property
    def too_few(self) -> bool:
        return self.population.size < privacy.THRESHOLD

    @property
    def row_key(self):
        return self.filters.group.key if self.filters and self.filters.group else privacy.ALL

    @property
    def group_size(self) -> int:
        return self.filters.group.size if self.filters and self.filters.group else self.population.size


def _first_activity(organisation_id: int) -> datetime | None:
    return as_utc(db.session.scalar(
        select(func.min(Person.created_at)).where(Person.organisation_id == organisation_id, Person.erased_at.is_(None))
    ))


def parse_filters(people: Population | None, *, group: str | None, granularity: str | None, period: str | None,
                  compare: str | None, first: datetime, now: datetime) -> Filters:
    """The page's filters, checked against what exists; anything else is refused with what to choose.

    `people` None: a course group is not asked for (the periods alone, before the population is counted)."""
    months = month_range(first, now)
    granularity = granularity or MONTH
    if granularity not in (MONTH, QUARTER):
        raise AppError(_("Show the figures by month or by quarter."))
    periods = months if granularity == MONTH else quarters_of(months)
    chosen_group = None
    if group and group != privacy.ALL:
        chosen_group = people.group(group) if len(people.groups) > 1 else None
        if chosen_group is None:
            raise AppError(_("There is no course group %(group)s in these figures.", group=group[:40]),
                           hint=_("Choose a course group from the list."))
    chosen = parse_period(period, periods) or periods[-1]
    earlier = parse_period(compare, periods)
    if earlier is not None and earlier >= chosen:
        raise AppError(_("Compare with a period before %(period)s.", period=chosen.slug))
    return Filters(chosen_group, granularity, chosen, earlier, periods)


def skills_report(path: PathModel, organisation: Organisation, *, now: datetime, locale: str, group=None,
                  granularity=None, period=None, compare=None) -> SkillsReport:
    """Everything the page shows, protected; before 5 people have launched, no figures at all."""
    first = _first_activity(organisation.id)
    if first is None:
        return SkillsReport(organisation, population(organisation.id), None)
    try:
        # The periods first (they do not depend on the course groups): the maps at their ends are counted with
        # the population, in one statement that reads everyone's course once.
        periods = parse_filters(None, group=None, granularity=granularity, period=period, compare=compare,
                                first=first, now=now)
    except AppError:
        people = population(organisation.id)
        if people.size < privacy.THRESHOLD:
            return SkillsReport(organisation, people, None)
        # Refused as before: a course group that does not exist first, then the periods.
        parse_filters(people, group=group, granularity=granularity, period=period, compare=compare, first=first,
                      now=now)
        raise
    # The comparisons' dates (the chosen months', and their quarters': longer spans move more people past the
    # threshold of 5) are counted with the map in one statement.
    spans = [(periods.compare, periods.period)] if periods.compare is not None else []
    if spans and periods.granularity == MONTH and periods.compare.quarter() < periods.period.quarter():
        spans.append((periods.compare.quarter(), periods.period.quarter()))
    moves = list(dict.fromkeys((start.end, end.end) for start, end in spans))
    dates = list(dict.fromkeys([periods.period.end, *(at for move in moves for at in move)]))
    months = month_range(first, now)
    activity = start_activity(organisation.id, months)  # beside the map's statement where it can (PostgreSQL)
    people, counts, moved = count_population_and_dates(path, organisation.id, dates, moves)
    report = SkillsReport(organisation, people, None)
    if report.too_few:
        return report
    filters = parse_filters(people, group=group, granularity=granularity, period=period, compare=compare,
                            first=first, now=now)
    report.filters = filters
    orders = level_orders(path)
    levels = {level.order: level for level in path.levels}
    report.level_titles = [_("Not started")] + [levels[order].localised(locale) for order in orders[1:]]
    cap = completion_cap(path)
    report.cap_title = cap.localised(locale) if cap else ""
    maps, movements = protect_dates(path, people, counts, moved)
    tables = maps[filters.period.end]
    row = report.row_key
    for area in path.areas:
        network = tables.by_area.get(area.id)
        reason = _map_reason(network)
        report.map_rows.append(
            MapRow(area, [shown(network, (row, order), reason) for order in orders], report.group_size)
        )
    report.ways_columns = [_("Self-rated"), _("Completed modules"), _("Demonstrated badge")]
    ways_reason = _("Not shown: how people reached their level in this area cannot be shown without giving a "
                    "small count away.")
    for area in path.areas:
        network = tables.by_area.get(area.id)
        report.ways_rows.append((area.localised(locale), [shown(network, (WAYS_ROW, way), ways_reason)
                                                          for way in WAYS]))
    for start, end in spans:
        report.comparisons.append(_comparison(path, people, report, locale, movements[(start.end, end.end)],
                                              start, end))
    report.gaps = _gaps(path, report, orders)
    activity = activity.tables()
    report.activity_columns = list(activity.labels.items())
    bins = [month.slug for month in activity.months] if filters.granularity == MONTH else \
        [quarter.slug for quarter in activity.quarters]
    for slug in bins + [privacy.TOTAL]:
        label = _("All periods") if slug == privacy.TOTAL else slug
        report.activity_rows.append(
            (label, [shown(activity.by_measure.get(measure), (ORGANISATION, slug))
                     for measure, _label in report.activity_columns])
        )
    return report


def _comparison(path: PathModel, people: Population, report: SkillsReport, locale: str, movement: Movement,
                start: Period, end: Period) -> Comparison:
    """The change from the end of `start` to the end of `end`: the chosen line, and the organisation's beside it."""
    lines = ([(report.row_key, report.filters.group.title, report.group_size)] if report.filters.group else []) + \
        [(privacy.ALL, _("Whole organisation"), people.size)]

    def cell(network, scope, row):
        reason = movement.reasons.get((scope, row))
        return shown(network, (row, UP), _movement_reason(reason, start, end, row) if reason else "")

    rows = [(area.localised(locale), [cell(movement.by_area.get(area.id), area.id, row) for row, _t, _s in lines])
            for area in path.areas]
    rows.append((_("In any area"), [cell(movement.any_area, ANY_AREA, row) for row, _t, _s in lines]))
    return Comparison(
        _("Moved up at least one level from the end of %(start)s to the end of %(end)s",
          start=start.slug, end=end.slug),
        [(title, size) for _row, title, size in lines], rows,
    )


def _gaps(path: PathModel, report: SkillsReport, orders: list[int], count: int = 3) -> list[Gap]:
    """The areas with the fewest people shown at the third level or above, and the modules that serve them.

    Worked out from the shown figures only (a suppressed one counts as 0), so the order adds nothing to them.
    """
    upper = [index for index, order in enumerate(orders) if order != NOT_STARTED][2:]
    scored = []
    for position, row in enumerate(report.map_rows):
        at_or_above = sum(row.cells[index].value or 0 for index in upper)
        suppressed = sum(not row.cells[index].published for index in upper)
        scored.append((at_or_above, position, row.area, suppressed, row.total))
    gaps = []
    for at_or_above, _position, area, suppressed, total in sorted(scored)[:count]:
        modules = [module for level in sorted(path.levels, key=lambda level: level.order)
                   for module in path.modules_for(area.id, level.id)]
        gaps.append(Gap(area, at_or_above, modules, suppressed, total))
    return gaps
