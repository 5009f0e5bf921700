"""The organisation's skills map: how many people stand at each level of each area, at the end of a period.

Placement is the path's rule (docs/path.md, app.learning.placement) computed in SQL for everyone at once:
the self-rated level of the latest self-assessment taken before the date (levels reached without a gap, every
statement rated "on my own" or higher), the highest level whose modules were all completed before it (never above
Explorer: app.learning.placement.completion_cap), or the highest level shown by reviewed work (a demonstrated
badge aligned to the area, awarded before it and not revoked), whichever is highest. The database returns one
count per course, area and level: a map of 5,000 people is three queries and a few hundred rows. Everything
shown goes through app.reports.privacy first.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Integer, String, and_, bindparam, case, func, literal, or_, select, union_all

from app.badges.catalogue import badge_catalogue
from app.badges.models import BadgeAward
from app.extensions import db
from app.learning.content.model import PathModel
from app.learning.models import ModuleProgress, SelfAssessment, SelfRatedLevel, SelfRating
from app.learning.placement import completion_cap
from app.learning.self_assessment import ON_MY_OWN, ladder_fingerprint
from app.reports import privacy
from app.reports.population import Population, people_with_course, population_of_sizes

NOT_STARTED = 0  # the level order of "not started"
WAY_SELF, WAY_MODULES, WAY_BADGE, WAY_NONE = "self_rated", "modules", "badge", "none"
WAYS = (WAY_SELF, WAY_MODULES, WAY_BADGE)


def constant_table(name: str, columns: list[tuple[str, type]], rows: list[tuple]):
    """A small constant table (the path model's statements or modules) as a subquery both databases accept."""
    if not rows:
        rows = [tuple(None for _ in columns)]
    selects = [
        select(*(literal(value, type_()).label(column) for (column, type_), value in zip(columns, row, strict=True)))
        for row in rows
    ]
    return (union_all(*selects) if len(selects) > 1 else selects[0]).subquery(name)


_path_tables_built: tuple[PathModel, object, tuple] | None = None  # the path last turned into constant tables


def _path_tables(path: PathModel) -> tuple:
    """The path's modules per step (area and level, up to the completion cap) and its demonstrated badges' levels,
    as constant subqueries: built once per loaded path and badge catalogue, since building them (dozens of
    literal selects) took longer than the database took to read them."""
    global _path_tables_built
    catalogue = badge_catalogue()
    if _path_tables_built is None or _path_tables_built[0] is not path or _path_tables_built[1] is not catalogue:
        levels = sorted(path.levels, key=lambda level: level.order)
        cap = completion_cap(path)  # completed modules alone never place above Explorer (app.learning.placement)
        module_steps = constant_table(
            "path_modules", [("module_id", String), ("area_id", String), ("level_order", Integer), ("needed", Integer)],
            [(module.id, area.id, level.order, len(path.modules_for(area.id, level.id)))
             for area in path.areas for level in levels for module in path.modules_for(area.id, level.id)
             if cap is None or level.order <= cap.order],
        )
        demonstrated_badges = constant_table(
            "path_demonstrated", [("badge_id", String), ("area_id", String), ("level_order", Integer)],
            [(badge.id, badge.align_area, path.level(badge.align_level).order) for badge in catalogue.demonstrated
             if path.area(badge.align_area or "") and badge.align_level and path.level(badge.align_level)],
        )
        _path_tables_built = (path, catalogue, (module_steps, demonstrated_badges))
    return _path_tables_built[2]


def placed_levels_at(path: PathModel, organisation_id: int, dates: list, name: str = "placed", *,
                     unstored: bool | None = None):
    """Select: person_id, area_id and, for the i-th of `dates` (in increasing order), `level_<i>` (order; 0 = not
    started) and `way_<i>`, for the people and areas that anything places at one of the dates at least (a
    self-assessment, completed modules or a demonstrated badge); everyone else in every area is not started.

    Sparse on purpose: a map of 5,000 people reads and groups only the placements that exist, and the people who
    stand nowhere are counted as their groups' size minus the placed (count_dates). One pass for all the dates:
    each taking, completed module and badge is read once and counted at every date it stands at, and a person's
    levels at two dates sit in one row, so a movement compares columns instead of joining two placements (one
    placement per date read the same rows once per date). `unstored`: whether some taking lacks stored levels for
    the path as it is now (any_unstored_takings; asked when not given).
    """
    module_steps, demonstrated_badges = _path_tables(path)
    first, last = dates[0], dates[-1]
    # Each taking with when the person took the next one: it is their latest at the dates after it, up to that one.
    # One window over the takings serves every date.
    takings = (
        select(SelfAssessment.person_id, SelfAssessment.id.label("assessment_id"), SelfAssessment.levels_fingerprint,
               SelfAssessment.taken_at,
               func.lead(SelfAssessment.taken_at).over(partition_by=SelfAssessment.person_id,
                                                       order_by=(SelfAssessment.taken_at, SelfAssessment.id))
               .label("next_taken_at"))
        .where(SelfAssessment.organisation_id == organisation_id, SelfAssessment.taken_at < last)
        .cte(f"{name}_takings")
    )
    latest_at_some_date = or_(takings.c.next_taken_at.is_(None), takings.c.next_taken_at >= first)
    # Most takings have their levels stored (app.learning.models.SelfRatedLevel) for the path as it is now: read them.
    fingerprint = ladder_fingerprint(path)
    self_rated = (
        select(takings.c.person_id, SelfRatedLevel.area_id, SelfRatedLevel.level_order.label("level"),
               takings.c.taken_at, takings.c.next_taken_at)
        .join(SelfRatedLevel, SelfRatedLevel.self_assessment_id == takings.c.assessment_id)
        .where(latest_at_some_date, takings.c.levels_fingerprint == fingerprint)
    )
    # The others (saved before levels were stored, or before a content change) are worked out from their ratings;
    # when there are none, that part is left out (building and binding it costs more than asking).
    if unstored is None:
        unstored = any_unstored_takings(path, organisation_id)
    if unstored:
        self_rated = union_all(self_rated, _rated_levels(path, takings, latest_at_some_date, fingerprint))
    self_rated = self_rated.subquery("self_rated")
    # Per step (area and level), how many of its modules were completed before each date: a step done at any date is
    # done at the last one (a completion is never taken back), so only those are kept.
    done_steps = (
        select(ModuleProgress.person_id, module_steps.c.area_id, module_steps.c.level_order, module_steps.c.needed,
               *(func.sum(case((ModuleProgress.completed_at < at, 1), else_=0)).label(f"done_{index}")
                 for index, at in enumerate(dates)))
        .join(module_steps, module_steps.c.module_id == ModuleProgress.module_id)
        .where(ModuleProgress.organisation_id == organisation_id, ModuleProgress.completed_at.is_not(None),
               ModuleProgress.completed_at < last)
        .group_by(ModuleProgress.person_id, module_steps.c.area_id, module_steps.c.level_order, module_steps.c.needed)
        .having(func.count() >= module_steps.c.needed)
        .subquery("done_steps")
    )
    completed = (
        select(done_steps.c.person_id, done_steps.c.area_id,
               *(func.max(case((done_steps.c[f"done_{index}"] >= done_steps.c.needed, done_steps.c.level_order),
                                else_=NOT_STARTED)).label(f"level_{index}") for index in range(len(dates))))
        .group_by(done_steps.c.person_id, done_steps.c.area_id)
        .subquery("completed")
    )

    def held(at):
        return and_(BadgeAward.awarded_at < at, or_(BadgeAward.revoked_at.is_(None), BadgeAward.revoked_at >= at))

    shown = (
        select(BadgeAward.person_id, demonstrated_badges.c.area_id,
               *(func.max(case((held(at), demonstrated_badges.c.level_order), else_=NOT_STARTED))
                 .label(f"level_{index}") for index, at in enumerate(dates)))
        .join(demonstrated_badges, demonstrated_badges.c.badge_id == BadgeAward.badge_id)
        .where(BadgeAward.organisation_id == organisation_id, BadgeAward.awarded_at < last,
               or_(BadgeAward.revoked_at.is_(None), BadgeAward.revoked_at >= first))
        .group_by(BadgeAward.person_id, demonstrated_badges.c.area_id)
        .subquery("shown")
    )
    zero = literal(NOT_STARTED)
    nothing = [zero] * len(dates)  # a source's levels at the dates: the others' are 0 in its rows
    self_levels = [
        case((and_(self_rated.c.taken_at < at,
                   or_(self_rated.c.next_taken_at.is_(None), self_rated.c.next_taken_at >= at)), self_rated.c.level),
             else_=zero)
        for at in dates
    ]
    sources = union_all(
        select(self_rated.c.person_id, self_rated.c.area_id,
               *(level.label(f"self_{index}") for index, level in enumerate(self_levels)),
               *(zero.label(f"done_{index}") for index in range(len(dates))),
               *(zero.label(f"shown_{index}") for index in range(len(dates)))),
        select(completed.c.person_id, completed.c.area_id, *nothing,
               *(completed.c[f"level_{index}"] for index in range(len(dates))), *nothing),
        select(shown.c.person_id, shown.c.area_id, *nothing, *nothing,
               *(shown.c[f"level_{index}"] for index in range(len(dates)))),
    ).subquery("placement_sources")
    columns = []
    for index in range(len(dates)):
        self_level, done_level, shown_level = (func.max(sources.c[f"self_{index}"]),
                                               func.max(sources.c[f"done_{index}"]),
                                               func.max(sources.c[f"shown_{index}"]))
        higher = case((done_level > self_level, done_level), else_=self_level)
        level = case((shown_level > higher, shown_level), else_=higher)
        # How the level was reached, as Placement.by_demonstration and by_completion say it for one person.
        way = case(
            (level == NOT_STARTED, literal(WAY_NONE)),
            (shown_level >= level, literal(WAY_BADGE)),
            (done_level > self_level, literal(WAY_MODULES)),
            else_=literal(WAY_SELF),
        )
        columns += [level.label(f"level_{index}"), way.label(f"way_{index}")]
    # Computed in the grouped select itself, like the self-rated level above.
    return select(sources.c.person_id, sources.c.area_id, *columns).group_by(sources.c.person_id, sources.c.area_id)


def any_unstored_takings(path: PathModel, organisation_id: int) -> bool:
    """Whether some taking of the organisation has no self-rated levels stored for the path as it is now."""
    return bool(db.session.scalar(_unstored_statement(ladder_fingerprint(path)), {"organisation_id": organisation_id}))


@lru_cache(maxsize=8)
def _unstored_statement(fingerprint: str):
    """any_unstored_takings' statement, the organisation a bound value: built once per fingerprint (a path model)."""
    unstored = or_(SelfAssessment.levels_fingerprint.is_(None), SelfAssessment.levels_fingerprint != fingerprint)
    return select(literal(True)).where(select(SelfAssessment.id).where(
        SelfAssessment.organisation_id == bindparam("organisation_id"), unstored).exists())


def _rated_levels(path: PathModel, takings, latest_at_some_date, fingerprint: str):
    """person_id, area_id, level, taken_at, next_taken_at of the takings (placed_levels_at's `takings`, the latest at
    some date) whose levels are not stored for the path as it is now, worked out from their ratings in SQL."""
    levels = sorted(path.levels, key=lambda level: level.order)
    statements = constant_table(
        "path_statements", [("statement_id", String), ("area_id", String), ("level_order", Integer)],
        [(statement.id, area.id, level.order) for area in path.areas for level in levels
         for statement in area.statements_at(level.id)],
    )
    # Per taking and area, how many statements of each level it rates "on my own" or higher (one grouped pass over
    # the ratings); then, per area, the levels in order: the level reached is the last one before the first level
    # short of its statements (levels without statements are no step).
    ladders = {area.id: [(level.order, len(area.statements_at(level.id))) for level in levels
                         if area.statements_at(level.id)] for area in path.areas}
    step_orders = sorted({order for ladder in ladders.values() for order, _needed in ladder})
    rated = {order: func.sum(case((statements.c.level_order == order, 1), else_=0)) for order in step_orders}

    def reached(ladder):
        below, short = NOT_STARTED, []
        for order, needed in ladder:
            short.append((rated[order] < needed, literal(below)))
            below = order
        return case(*short, else_=literal(below)) if short else literal(NOT_STARTED)

    # The level is computed in the grouped select itself: a plain projection over it would be pulled up by the
    # planner and the CASE copied into every expression that reads the level.
    return (
        select(takings.c.person_id, statements.c.area_id, case(
            *((statements.c.area_id == area_id, reached(ladder)) for area_id, ladder in ladders.items() if ladder),
            else_=literal(NOT_STARTED),
        ).label("level"), takings.c.taken_at, takings.c.next_taken_at)
        .join(SelfRating, SelfRating.self_assessment_id == takings.c.assessment_id)
        .join(statements, statements.c.statement_id == SelfRating.statement_id)
        .where(latest_at_some_date, SelfRating.rating >= ON_MY_OWN,
               or_(takings.c.levels_fingerprint.is_(None), takings.c.levels_fingerprint != fingerprint))
        .group_by(takings.c.assessment_id, takings.c.person_id, takings.c.taken_at, takings.c.next_taken_at,
                  statements.c.area_id)
    )


@dataclass
class MapTables:
    """The protected map at one date: per area, a network of groups × levels (see privacy.table_network)."""

    at: datetime
    level_orders: list[int]
    by_area: dict[str, privacy.Network | None]  # None: withheld

    def figure(self, area_id: str, row, level_order):
        network = self.by_area.get(area_id)
        return network.figures.get((row, level_order)) if network else None


def count_placements(path: PathModel, organisation_id: int, population: Population, at: datetime) -> dict:
    """(course_id, area_id, level order, way) → people at `at` (count_dates for one date)."""
    return count_dates(path, organisation_id, population, [at])[0][at]


def count_dates(path: PathModel, organisation_id: int, population: Population, dates: list[datetime],
                moves: list[tuple[datetime, datetime]] = ()) -> tuple[dict, dict]:
    """The counts behind the maps at `dates` and the movements between the pairs of dates in `moves`, in one
    statement that places everyone at all the dates in one pass (placed_levels_at).

    Maps: date → {(course_id, area_id, level order, way): people}, from one aggregation of those placed somewhere;
    the rest of each course (its size minus them) is not started. Movements: (start, end) → [(course_id, area_id
    or ANY_AREA, people who moved up)]: someone moved up in an area only if something places them there at the
    later date, so the sparse placements suffice, their levels at the two dates side by side.
    """
    counts, movements, _sizes = _count_dates(path, organisation_id, population.people, dates, moves,
                                             population.course_sizes)
    return counts, movements


def count_population_and_dates(path: PathModel, organisation_id: int, dates: list[datetime],
                               moves: list[tuple[datetime, datetime]] = ()) -> tuple[Population, dict, dict]:
    """count_dates with the organisation's Population (app.reports.population.population) counted in the same
    statement: both read everyone's course (their latest launch's or membership's), so it is worked out once."""
    counts, movements, sizes = _count_dates(path, organisation_id, None, dates, moves, None)
    return population_of_sizes(organisation_id, people_with_course(organisation_id), sizes), counts, movements


def _count_dates(path: PathModel, organisation_id: int, counted, dates: list[datetime],
                 moves: list[tuple[datetime, datetime]], course_sizes) -> tuple[dict, dict, dict]:
    """count_dates of the people `counted` (people_with_course), and each course's people: from `course_sizes()`,
    or, when it is None, counted in the statement itself. `counted` None: the organisation's people, and the
    statement is the one built for this shape of question (_organisation_statement), its values bound."""
    unstored = any_unstored_takings(path, organisation_id)
    needed = sorted({*dates, *(at for move in moves for at in move)})
    shape = (len(needed), tuple(needed.index(at) for at in dates),
             tuple((needed.index(start), needed.index(end)) for start, end in moves), unstored, course_sizes is None)
    if counted is None:
        statement = _organisation_statement(path, shape)
        values = {"organisation_id": organisation_id, **{f"at_{index}": at for index, at in enumerate(needed)}}
    else:
        statement, values = _dates_statement(path, organisation_id, counted, needed, shape), {}
    counts: list[dict] = [{} for _ in dates]
    movements: list[list] = [[] for _ in moves]
    sizes: dict = {}
    sizes_part = len(dates) + len(moves)
    for part, course_id, area_id, level, way, count in db.session.execute(statement, values).all():
        if part < len(dates):
            counts[part][(course_id, area_id, level, way)] = count
        elif part < sizes_part:
            movements[part - len(dates)].append((course_id, area_id, count))
        else:
            sizes[course_id] = count
    if course_sizes is not None:
        sizes = course_sizes()
    for placed_counts in counts:
        placed_per_course: dict = {}
        for (course_id, area_id, _level, _way), count in placed_counts.items():
            placed_per_course[(course_id, area_id)] = placed_per_course.get((course_id, area_id), 0) + count
        for course_id, size in sizes.items():
            for area in path.areas:
                if not_started := size - placed_per_course.get((course_id, area.id), 0):
                    placed_counts[(course_id, area.id, NOT_STARTED, WAY_NONE)] = not_started
    return dict(zip(dates, counts, strict=True)), dict(zip(moves, movements, strict=True)), sizes


_organisation_statements: tuple[PathModel, object, dict] | None = None  # built for the path and catalogue last seen


def _organisation_statement(path: PathModel, shape: tuple):
    """_dates_statement for an organisation's people with the organisation and the dates as bound values, built
    once per path, badge catalogue and shape: building it (and SQLAlchemy's cache key of it) cost about a fifth
    of a cold skills map's CPU, and only its values change from one view to the next."""
    global _organisation_statements
    catalogue = badge_catalogue()
    if (_organisation_statements is None or _organisation_statements[0] is not path
            or _organisation_statements[1] is not catalogue):
        _organisation_statements = (path, catalogue, {})
    built = _organisation_statements[2]
    if shape not in built:
        organisation_id = bindparam("organisation_id")
        needed = [bindparam(f"at_{index}") for index in range(shape[0])]
        built[shape] = _dates_statement(path, organisation_id, people_with_course(organisation_id), needed, shape)
    return built[shape]


def _dates_statement(path: PathModel, organisation_id, counted, needed: list, shape: tuple):
    """The statement of _count_dates: rows of (part, course_id, area_id, level, way, people), a part per date
    (`shape`'s indexes into the dates `needed`), one per move, then (when `shape` says so) the courses' sizes."""
    _needed_count, date_indexes, move_indexes, unstored, count_sizes = shape
    people = counted.cte("counted_people")  # not "people": the table it reads
    placements = placed_levels_at(path, organisation_id, needed, unstored=unstored).subquery("placements")
    placed = (  # with each person's course: read once per date and once per move
        select(people.c.course_id, placements)
        .join_from(people, placements, placements.c.person_id == people.c.person_id)
        .cte("placed")
    )
    parts = []
    for index, at_index in enumerate(date_indexes):
        level, way = placed.c[f"level_{at_index}"], placed.c[f"way_{at_index}"]
        parts.append(
            select(literal(index).label("part"), placed.c.course_id, placed.c.area_id, level, way,
                   func.count().label("people"))
            .where(level > NOT_STARTED)
            .group_by(placed.c.course_id, placed.c.area_id, level, way)
        )
    for index, (start, end) in enumerate(move_indexes):
        moved = (
            select(placed.c.person_id, placed.c.course_id, placed.c.area_id)
            .where(placed.c[f"level_{end}"] > placed.c[f"level_{start}"])
            .cte(f"moved_up_{index}")
        )
        part = literal(len(date_indexes) + index)
        parts.append(select(part, moved.c.course_id, moved.c.area_id, literal(NOT_STARTED), literal(UP), func.count())
                     .group_by(moved.c.course_id, moved.c.area_id))
        parts.append(select(part, moved.c.course_id, literal(ANY_AREA), literal(NOT_STARTED), literal(UP),
                            func.count(moved.c.person_id.distinct()))
                     .group_by(moved.c.course_id))
    if count_sizes:
        parts.append(select(literal(len(date_indexes) + len(move_indexes)), people.c.course_id, literal(ANY_AREA),
                            literal(NOT_STARTED), literal(WAY_NONE), func.count()).group_by(people.c.course_id))
    return union_all(*parts) if len(parts) > 1 else parts[0]


def count_map(path: PathModel, organisation_id: int, population: Population, at: datetime) -> dict:
    """(course_id, area_id, level order) → people."""
    counts: dict = {}
    for (course_id, area_id, level, _way), count in count_placements(path, organisation_id, population, at).items():
        counts[(course_id, area_id, level)] = counts.get((course_id, area_id, level), 0) + count
    return counts


def level_orders(path: PathModel) -> list[int]:
    return [NOT_STARTED] + sorted(level.order for level in path.levels)


def possible_ways(path: PathModel, area) -> dict[int, list[str]]:
    """Level order → the ways anyone can reach it in this area, as the path's rules allow (what a reader knows).

    Self-rated: a level with statements; completed modules: a level with modules, up to Explorer (the cap); a
    demonstrated badge: a level a badge is aligned to.
    """
    cap = completion_cap(path)
    badges = {path.level(badge.align_level).order for badge in badge_catalogue().demonstrated
              if badge.align_area == area.id and badge.align_level and path.level(badge.align_level)}
    ways: dict[int, list[str]] = {}
    for level in sorted(path.levels, key=lambda level: level.order):
        possible = []
        if area.statements_at(level.id):
            possible.append(WAY_SELF)
        if path.modules_for(area.id, level.id) and (cap is None or level.order <= cap.order):
            possible.append(WAY_MODULES)
        if level.order in badges:
            possible.append(WAY_BADGE)
        ways[level.order] = possible
    return ways


def protected_map(path: PathModel, organisation_id: int, population: Population, at: datetime) -> MapTables:
    """The map at `at`, every area's groups × levels table protected on its own (the group sizes are shown).

    With it, for the organisation's line, how many reached their level by each way: the same network carries
    them (levels → ways, the links between never shown), so that one audit covers the map and the ways.
    """
    return protect_map(path, population, at, count_placements(path, organisation_id, population, at))


def protect_map(path: PathModel, population: Population, at: datetime, counts: dict) -> MapTables:
    """protected_map from the counts at `at` (count_dates)."""
    group_of = population.group_of_course()
    orders = level_orders(path)
    # Per area: people per (group, level), and per (level, way) for the organisation's line; one pass over the counts.
    cells: dict[str, dict] = {area.id: {} for area in path.areas}
    links: dict[str, dict] = {area.id: {} for area in path.areas}
    for (course_id, area_id, level, way), count in counts.items():
        if area_id not in cells:
            continue
        key = (group_of[course_id], level)
        cells[area_id][key] = cells[area_id].get(key, 0) + count
        if level != NOT_STARTED:
            links[area_id][(level, way)] = links[area_id].get((level, way), 0) + count
    by_area = {area.id: protect_counts(population, orders, cells[area.id],
                                       ways=(possible_ways(path, area), links[area.id]))
               for area in path.areas}
    return MapTables(at, orders, by_area)


def protect_dates(path: PathModel, population: Population, counts: dict, moved: dict) -> tuple[dict, dict]:
    """The protected maps at each date of the counts (count_dates or count_population_and_dates) and the movements
    between their pairs: date → MapTables, (start, end) → Movement."""
    maps = {at: protect_map(path, population, at, at_counts) for at, at_counts in counts.items()}
    movements = {(start, end): protect_movement(path, population, maps[start], maps[end], moved_up)
                 for (start, end), moved_up in moved.items()}
    return maps, movements


def protect_counts(population: Population, columns: list, cells: dict, *, force_hidden=(),
                   ways: tuple[dict, dict] | None = None) -> privacy.Network | None:
    """Protect one groups × columns table of people whose rows add up to the group sizes; None if withheld.

    `ways` (possible ways per level, people per (level, way)) adds how the organisation's line reached each
    level; if that cannot be protected, the table is protected without it.
    """
    rows = [group.key for group in population.groups]
    table = {(row, column): (cells.get((row, column), 0),) * 2 for row in rows for column in columns}
    margins = {(group.key, privacy.TOTAL): (group.size, group.size) for group in population.groups}
    for column in columns:
        total = sum(table[(row, column)][0] for row in rows)
        margins[(privacy.ALL, column)] = (total, total)
    margins[(privacy.ALL, privacy.TOTAL)] = (population.size, population.size)
    for with_ways in ([True, False] if ways else [False]):
        network = privacy.table_network(rows, columns, table, margins=margins, fixed_row_totals=True)
        if with_ways:
            _add_ways(network, *ways)
        try:
            return privacy.protect(network, force_hidden=force_hidden)
        except privacy.TableWithheld:
            continue
    # The groups cannot all be shown: show the organisation's line alone, the groups not at all.
    alone = privacy.table_network(
        [privacy.ALL + "-only"], columns,
        {(privacy.ALL + "-only", column): margins[(privacy.ALL, column)] for column in columns},
        margins={**{(privacy.ALL, column): margins[(privacy.ALL, column)] for column in columns},
                 (privacy.ALL + "-only", privacy.TOTAL): (population.size, population.size),
                 (privacy.ALL, privacy.TOTAL): (population.size, population.size)},
        fixed_row_totals=True,
    )
    try:
        privacy.protect(alone)
    except privacy.TableWithheld:
        return None
    shown = privacy.Network()  # the organisation's line only: the groups' figures are withheld
    for key, figure in alone.figures.items():
        if key[0] == privacy.ALL:
            shown.add(figure)
    return shown


WAYS_ROW = "__ways__"  # the key's row of a way's total: (WAYS_ROW, way)
LINK = "__link__"  # the key's row of a link never shown: (LINK, (level, way))


def _add_ways(network: privacy.Network, possible: dict[int, list[str]], links: dict) -> None:
    """Route each level's organisation total through the ways it can be reached by, into one total per way.

    A level reached one way only flows straight into that way; a way fed by one level only takes that level's
    link as its total. The links in between are never shown (privacy.UNPUBLISHED) and are audited like any
    "fewer than 5" figure.
    """
    feeds: dict[str, list[int]] = {}
    for level, ways in possible.items():
        for way in ways:
            feeds.setdefault(way, []).append(level)
    for level, ways in possible.items():
        column_total = network.figures[(privacy.ALL, level)]
        if not ways:
            continue  # nobody can stand here: the total is 0 and stays where it is
        if len(ways) == 1:
            column_total.head = ("way", ways[0])
            continue
        column_total.head = ("level", level)
        for way in ways:
            value = links.get((level, way), 0)
            if len(feeds[way]) == 1:
                network.add(privacy.Figure((WAYS_ROW, way), value, value, ("level", level), "T", kind="way-total"))
            else:
                network.add(privacy.Figure((LINK, (level, way)), value, value, ("level", level), ("way", way),
                                           state=privacy.UNPUBLISHED, kind="link"))
    for way, levels in feeds.items():
        if len(levels) > 1 or len(possible[levels[0]]) == 1:
            value = sum(links.get((level, way), 0) for level in levels)
            network.add(privacy.Figure((WAYS_ROW, way), value, value, ("way", way), "T", kind="way-total"))
    privacy.check_sums(network)


@dataclass
class Movement:
    """Per area (and across all areas): who moved up at least one level between two dates, per line.

    `by_area[area_id]` and `any_area` are networks of the lines shown, (row, UP) and (row, NOT_UP); `reasons`
    says, for each (area id or ANY_AREA, row) not shown, why (MAP_HIDES or TOO_FEW).
    """

    start: datetime
    end: datetime
    by_area: dict[str, privacy.Network | None]
    any_area: privacy.Network = field(default_factory=privacy.Network)
    reasons: dict[tuple, str] = field(default_factory=dict)


UP, NOT_UP = "up", "not_up"
ANY_AREA = "__any_area__"
MAP_HIDES, TOO_FEW, COMPLEMENT = "map_hides", "too_few", "complement"  # why a line of the movement is not shown


def protected_movement(path: PathModel, organisation_id: int, population: Population,
                       before: MapTables, after: MapTables) -> Movement:
    """How many moved up per area and line, and in any area, shown only where no small count can follow.

    Per area, a line is shown only when both maps show that line in full and at least 5 people moved up and 5
    did not; a small movement is not shown at all, not even as "fewer than 5", since with the two maps it
    could be worked out exactly. The organisation's line is shown when both maps show the organisation's line
    in full and, beside its own 5 and 5, the course groups whose lines are not shown add up to at least 5 who
    moved up and 5 who did not (else the organisation's line minus the shown groups would give them away).
    "Moved up in any area" counts each person once; it needs no map line in full (a person's areas are not
    linked in the maps), only the same 5 and 5 per line and for the groups not shown. Where the groups not shown
    would add up to fewer, more groups are left out (see _movement_lines).
    """
    moved = count_dates(path, organisation_id, population, [], [(before.at, after.at)])[1][(before.at, after.at)]
    return protect_movement(path, population, before, after, moved)


def protect_movement(path: PathModel, population: Population, before: MapTables, after: MapTables,
                     moved: list[tuple]) -> Movement:
    """protected_movement from who moved up (count_dates): [(course_id, area_id or ANY_AREA, people)]."""
    group_of = population.group_of_course()
    groups = [group.key for group in population.groups]
    sizes = {group.key: group.size for group in population.groups}
    movement = Movement(before.at, after.at, {})
    for area in path.areas:
        up = dict.fromkeys(groups, 0)
        for course_id, area_id, count in moved:
            if area_id == area.id:
                up[group_of[course_id]] += count
        clear = {row: not any(_line_suppressed(tables, area.id, row) for tables in (before, after))
                 for row in groups + [privacy.ALL]}
        movement.by_area[area.id] = _movement_lines(area.id, up, sizes, clear, movement.reasons)
    up = dict.fromkeys(groups, 0)
    for course_id, area_id, count in moved:
        if area_id == ANY_AREA:
            up[group_of[course_id]] += count
    movement.any_area = _movement_lines(ANY_AREA, up, sizes, dict.fromkeys(groups + [privacy.ALL], True),
                                        movement.reasons)
    return movement


def _movement_lines(scope, up: dict, sizes: dict, clear: dict, reasons: dict) -> privacy.Network:
    """The lines (groups, then the organisation) that may be shown, with the reason for each one that may not.

    When the organisation's line may be shown but the groups not shown add up to fewer than 5 who moved up (or
    who did not), more groups are left out, the smallest first, until they do (complementary suppression), so
    that the organisation's line minus the groups shown never gives a small count away.
    """
    def enough(moved: int, size: int) -> bool:
        return moved >= privacy.THRESHOLD and size - moved >= privacy.THRESHOLD

    shown_rows = []
    for row, size in sizes.items():
        if not clear[row]:
            reasons[(scope, row)] = MAP_HIDES
        elif not enough(up[row], size):
            reasons[(scope, row)] = TOO_FEW
        else:
            shown_rows.append(row)
    total_up, total = sum(up.values()), sum(sizes.values())
    if not clear[privacy.ALL]:
        reasons[(scope, privacy.ALL)] = MAP_HIDES
    elif not enough(total_up, total):
        reasons[(scope, privacy.ALL)] = TOO_FEW
    else:
        def rest() -> tuple[int, int]:
            hidden = [row for row in sizes if row not in shown_rows]
            return sum(up[row] for row in hidden), sum(sizes[row] for row in hidden)

        while len(shown_rows) < len(sizes) and not enough(*rest()):
            if not shown_rows:
                break
            smallest = min(shown_rows, key=lambda row: (sizes[row], str(row)))
            shown_rows.remove(smallest)
            reasons[(scope, smallest)] = COMPLEMENT
        if len(shown_rows) < len(sizes) and not enough(*rest()):
            reasons[(scope, privacy.ALL)] = TOO_FEW
        else:
            shown_rows.append(privacy.ALL)
    shown = privacy.Network()
    for row in shown_rows:
        moved, size = (total_up, total) if row == privacy.ALL else (up[row], sizes[row])
        for column, value in ((UP, moved), (NOT_UP, size - moved)):
            shown.add(privacy.Figure((row, column), value, value, "S", "T"))
    return shown


def _line_suppressed(tables: MapTables, area_id: str, row) -> bool:
    network = tables.by_area.get(area_id)
    line = [figure for (figure_row, _), figure in network.figures.items() if figure_row == row] if network else []
    return not line or any(figure.suppressed for figure in line)  # no line at all: the groups were withheld
