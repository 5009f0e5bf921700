"""Activity per month and quarter: launches, modules started and completed, and whatever other features add.

A source gives events as a select of (person_id, occurred_at, measure) for one organisation, and the label of
each measure in the order they are shown. Launches and module progress are built in; the badges feature's
measures (one per badge) are registered with `register_activity_source` by `app.reports.init_app`, from
app.badges.reporting (docs/reports.md), so this module never imports a feature.

The figures are events (a person may launch many times) of the whole organisation — not split by course
group: per group and month they would be mostly small, and the table would be mostly hidden. A figure is
suppressed when it describes fewer than 5 people, and each measure's months, with their quarter sub-totals and
total, are protected as one network (app.reports.privacy).
"""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, literal, select, union_all

from app.extensions import db
from app.learning.models import ModuleProgress
from app.reports import privacy
from app.reports.models import LaunchRecord
from app.reports.periods import Period, quarters_of
from app.tenancy.models import Person


@dataclass(frozen=True)
class ActivitySource:
    """Events one feature contributes: `events(organisation_id)` selects person_id, occurred_at, measure.

    `events` only builds a statement, from its argument alone: it may run in a worker thread, with no request, app
    context or session (start_activity). `labels` runs in the request and may read."""

    key: str
    events: Callable[[int], Select]
    labels: Callable[[int], dict[str, str]]  # measure → label, in the order of the page's columns


def _launches(organisation_id: int) -> Select:
    return select(LaunchRecord.person_id, LaunchRecord.launched_at.label("occurred_at"),
                  literal("launches").label("measure")).where(LaunchRecord.organisation_id == organisation_id)


def _modules(organisation_id: int) -> Select:
    started = select(ModuleProgress.person_id, ModuleProgress.started_at.label("occurred_at"),
                     literal("modules_started").label("measure"))
    completed = select(ModuleProgress.person_id, ModuleProgress.completed_at.label("occurred_at"),
                       literal("modules_completed").label("measure")).where(ModuleProgress.completed_at.is_not(None))
    return started.where(ModuleProgress.organisation_id == organisation_id).union_all(
        completed.where(ModuleProgress.organisation_id == organisation_id))


BUILT_IN = (
    ActivitySource("launches", _launches, lambda organisation_id: {"launches": str(_l("Launches"))}),
    ActivitySource("modules", _modules, lambda organisation_id: {
        "modules_started": str(_l("Modules started")), "modules_completed": str(_l("Modules completed")),
    }),
)


def register_activity_source(app, source: ActivitySource) -> None:
    """Add a feature's events to the activity figures (call from the feature's init_app)."""
    app.extensions.setdefault("report_activity_sources", list(BUILT_IN)).append(source)


def activity_sources() -> list[ActivitySource]:
    return current_app.extensions.get("report_activity_sources", list(BUILT_IN))


@dataclass
class ActivityTables:
    """One protected network per measure: the organisation's line, months with quarters as sub-totals."""

    months: list[Period]
    quarters: list[Period]
    labels: dict[str, str]
    by_measure: dict[str, privacy.Network | None]


@dataclass
class PendingActivity:
    """The activity's tables, being worked out: `tables()` waits for them if a worker thread builds, reads and
    protects them beside the caller's own statements."""

    result: Future | ActivityTables

    def tables(self) -> ActivityTables:
        return self.result.result() if isinstance(self.result, Future) else self.result


def start_activity(organisation_id: int, months: list[Period]) -> PendingActivity:
    """Start working out the activity's tables. On PostgreSQL with REPORT_STATEMENTS_SIDE_BY_SIDE its statement is
    built, read on a connection of its own and protected in a worker thread, while the caller runs the map's
    statement on the request's (the two statements are the cold skills map's largest costs, each ~25 ms at 5,000
    staff, and each a backend's work on its own core; building and protecting, ~5 ms of CPU, then happen while the
    request waits for the map's rows); otherwise now, on the request's session. Each reads committed data as of its
    own start: the activity and the map are protected apart, so a change committed in between moves no figure into
    view that either would hide."""
    quarters = quarters_of(months)
    labels: dict[str, str] = {}
    measures: list[str] = []
    sources = activity_sources()
    for source in sources:  # on the request's session: the badges' labels read the awards
        source_labels = source.labels(organisation_id)
        labels.update(source_labels)
        measures.extend(source_labels)
    events = [source.events for source in sources]
    engine = db.engine
    if current_app.config["REPORT_STATEMENTS_SIDE_BY_SIDE"] and engine.dialect.name == "postgresql":
        return PendingActivity(_side_by_side().submit(_activity_beside, engine, events, organisation_id, months,
                                                      quarters, labels, measures))
    rows = db.session.execute(_activity_statement(events, organisation_id, months, quarters)).all()
    return PendingActivity(_activity_tables(rows, months, quarters, labels, measures))


def _activity_beside(engine, events: list[Callable[[int], Select]], organisation_id: int, months: list[Period],
                     quarters: list[Period], labels: dict[str, str], measures: list[str]) -> ActivityTables:
    """start_activity's work in a worker thread: building, reading and protecting need nothing of the request."""
    statement = _activity_statement(events, organisation_id, months, quarters)
    return _activity_tables(_read_on_own_connection(engine, statement), months, quarters, labels, measures)


def _activity_statement(events: list[Callable[[int], Select]], organisation_id: int, months: list[Period],
                        quarters: list[Period]):
    selects = []
    for source_events in events:
        chosen = source_events(organisation_id).subquery()
        selects.append(select(chosen.c.person_id, chosen.c.occurred_at, chosen.c.measure))
    return _count_statement(union_all(*selects) if len(selects) > 1 else selects[0], organisation_id, months,
                            quarters)


def _activity_tables(rows, months: list[Period], quarters: list[Period], labels: dict[str, str],
                     measures: list[str]) -> ActivityTables:
    counts = _counts(rows, months, quarters)
    by_measure = {measure: _protect(counts.get(measure, {}), months, quarters) for measure in measures}
    return ActivityTables(months, quarters, labels, by_measure)


@cache
def _side_by_side() -> ThreadPoolExecutor:
    """The process's threads for a report's statements run beside the request's (made at first use, after the fork)."""
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="report-statement")


def _read_on_own_connection(engine, statement) -> list:
    with engine.connect() as connection:
        return connection.execute(statement).all()


def _count_statement(events: Select, organisation_id: int, months: list[Period], quarters: list[Period]):
    """measure, month index (-1: all months), events, people, then the people of each quarter (on the -1 rows), of
    the people the reports count (everyone of the organisation not erased: Population's people, whose course groups
    the activity's one line does not need).

    One statement: the events grouped by measure, person and month (the months' figures), then per measure and
    person the set of their months as bits, from which the people of each quarter and in all are counted without
    a count of distinct people (which sorts).
    """
    events = events.subquery("events")
    # The month's position in `months` (the events are within them, and the months are in order).
    month = case(*((events.c.occurred_at < period.end, index) for index, period in enumerate(months[:-1])),
                 else_=len(months) - 1)
    grouped = (
        select(events.c.measure, events.c.person_id, month.label("month"), func.count().label("events"))
        .where(events.c.occurred_at >= months[0].start, events.c.occurred_at < months[-1].end)
        .group_by(events.c.measure, events.c.person_id, month)
        .subquery("events_per_month")
    )
    # The people counted are picked after grouping: fewer rows to look up than the events themselves.
    per_month = (
        select(grouped)
        .where(grouped.c.person_id.in_(
            select(Person.id).where(Person.organisation_id == organisation_id, Person.erased_at.is_(None))))
        .cte("per_person_month")
    )
    # Each (measure, person, month) is one row, so the sum of the months' bits is the set of a person's months.
    per_person = (
        select(per_month.c.measure, func.sum(literal(1).op("<<")(per_month.c.month)).label("months"))
        .group_by(per_month.c.measure, per_month.c.person_id)
        .subquery("per_person")
    )
    position = {period.slug: index for index, period in enumerate(months)}
    quarter_bits = [sum(1 << position[month.slug] for month in quarter.months() if month.slug in position)
                    for quarter in quarters]
    zero = literal(0)
    return union_all(
        select(per_month.c.measure, per_month.c.month, func.sum(per_month.c.events), func.count(),
               *(zero for _ in quarters))
        .group_by(per_month.c.measure, per_month.c.month),
        select(per_person.c.measure, literal(-1), zero, func.count(),
               *(func.sum(case((per_person.c.months.op("&")(bits) != 0, 1), else_=0)) for bits in quarter_bits))
        .group_by(per_person.c.measure),
    )


def _counts(rows, months: list[Period], quarters: list[Period]) -> dict:
    """measure → {period or TOTAL: (events, people)} from the statement's rows. Events add up over months, so the
    quarters' and the total's events are summed here."""
    counts: dict = {}
    for measure, index, events_count, people, *quarter_people in rows:
        figures = counts.setdefault(measure, {})
        if index >= 0:
            figures[months[index].slug] = (int(events_count), people)
        else:
            figures[privacy.TOTAL] = (0, people)
            for quarter, quarter_count in zip(quarters, quarter_people, strict=True):
                figures[quarter.slug] = (0, int(quarter_count))
    for figures in counts.values():  # events add up: the quarters' and the total from the months'
        for quarter in quarters:
            events_count = sum(figures.get(month.slug, (0, 0))[0] for month in quarter.months())
            figures[quarter.slug] = (events_count, figures[quarter.slug][1])
        figures[privacy.TOTAL] = (sum(figures.get(month.slug, (0, 0))[0] for month in months),
                                  figures[privacy.TOTAL][1])
    return counts


ORGANISATION = "organisation"  # the activity's one line: the whole organisation (docs/reports.md)


def _protect(counts: dict, months, quarters) -> privacy.Network | None:
    rows = [ORGANISATION]
    columns = [month.slug for month in months]
    figures = {(ORGANISATION, period): value for period, value in counts.items()}
    for period in columns + [quarter.slug for quarter in quarters] + [privacy.TOTAL]:
        events = sum(figures.get((row, period), (0, 0))[0] for row in rows)
        people = sum(figures.get((row, period), (0, 0))[1] for row in rows)
        figures[(privacy.ALL, period)] = (events, people)
    cells = {(row, column): figures.get((row, column), (0, 0)) for row in rows for column in columns}
    margins = {key: value for key, value in figures.items() if key not in cells}
    for row in rows + [privacy.ALL]:
        for period in [quarter.slug for quarter in quarters] + [privacy.TOTAL]:
            margins.setdefault((row, period), (0, 0))
    network = privacy.table_network(
        rows, columns, cells, margins=margins, counts_people=False,
        column_groups={quarter.slug: [month.slug for month in quarter.months() if month.slug in columns]
                       for quarter in quarters},
    )
    try:
        return privacy.protect(network)
    except privacy.TableWithheld:
        return None
