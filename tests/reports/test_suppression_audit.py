"""No count of fewer than 5 people can be worked out from anything the skills map pages show.

The filter space (docs/reports.md): course groups (each group's line is in every table) × periods (the map at
the end of every month — quarter ends are month ends — and the movement between every earlier and later month
end) × tables (map, movement, activity per measure with months and quarters). Each table family is rebuilt as
an integer programme from its meaning alone (tests/reports/audit.py) and solved for every "fewer than 5" figure.
"""
from datetime import UTC, datetime
from itertools import combinations

import pytest

from app.reports import privacy
from app.reports.activity import start_activity
from app.reports.periods import month_range
from app.reports.population import population
from app.reports.skills_map import (
    LINK,
    NOT_UP,
    UP,
    WAYS_ROW,
    count_placements,
    level_orders,
    possible_ways,
    protected_map,
    protected_movement,
)
from tests.reports.audit import Model
from tests.support.reports import NOW, generate_organisation, placements

START = datetime(2026, 7, 1, tzinfo=UTC)


@pytest.fixture
def audited(app, path):
    """Small enough to enumerate every combination; uneven courses, so that small figures abound."""
    organisation = generate_organisation(path, name="Audited", staff=160, seed=3, start=START, days=130,
                                         course_sizes=(0.45, 0.25, 0.15, 0.08, 0.03))
    return organisation.world.organisation.id, population(organisation.world.organisation.id)


def _state(network, key):
    figure = network.figures.get(key) if network else None
    return ("withheld", None) if figure is None else (figure.state, figure.value)


def _show_map(model, table, network, people, cell_expression, ways=None):
    """The map's figures; with `ways` (possible ways per level, true people per (level, way)), how the
    organisation's line reached each level: people per (level, way) as variables adding up to the level's
    total, each way's total as shown, and every (level, way) count guarded (the page never shows it)."""
    rows = [group.key for group in people.groups]
    for level in cell_expression.levels:
        for row in rows:
            model.show((table, row, level), cell_expression(row, level), *_state(network, (row, level)))
        model.show((table, privacy.ALL, level), cell_expression.all(level), *_state(network, (privacy.ALL, level)))
    if ways is None:
        return
    possible, links = ways
    by_way = {}
    for level, names in possible.items():
        parts = {}
        for way in names:
            link = model.variable(("y", table, level, way))
            parts[link] = 1
            by_way.setdefault(way, {})[link] = 1
            model.guard((table, LINK, (level, way)), {link: 1}, links.get((level, way), 0))
        expression = dict(parts)
        for var, coef in cell_expression.all(level).items():
            expression[var] = expression.get(var, 0) - coef
        model.equal(expression, 0)  # a level's people reached it by one of its possible ways
    for way, expression in by_way.items():
        model.show((table, WAYS_ROW, way), expression, *_state(network, (WAYS_ROW, way)))


def _ways(path, organisation_id, people, at):
    """Area → (possible ways per level, true people per (level, way)) at `at`, for the reader's model."""
    links = {}
    for (_course, area_id, level, way), count in count_placements(path, organisation_id, people, at).items():
        if level:
            links.setdefault(area_id, {})
            links[area_id][(level, way)] = links[area_id].get((level, way), 0) + count
    return {area.id: (possible_ways(path, area), links.get(area.id, {})) for area in path.areas}


class MapCells:
    """x[group, level] as variables of the model, for a map on its own."""

    def __init__(self, model, people, levels):
        self.levels = levels
        self.people = people
        self.x = {(group.key, level): model.variable(("x", group.key, level), upper=group.size)
                  for group in people.groups for level in levels}
        for group in people.groups:
            model.equal({self.x[(group.key, level)]: 1 for level in levels}, group.size)

    def __call__(self, row, level):
        return {self.x[(row, level)]: 1}

    def all(self, level):
        return {self.x[(group.key, level)]: 1 for group in self.people.groups}


class Transitions:
    """t[group, from level, to level] for two maps and the movement between them."""

    def __init__(self, model, people, levels):
        self.people, self.levels = people, levels
        self.t = {(group.key, a, b): model.variable(("t", group.key, a, b), upper=group.size)
                  for group in people.groups for a in levels for b in levels}
        for group in people.groups:
            model.equal({self.t[(group.key, a, b)]: 1 for a in levels for b in levels}, group.size)

    def side(self, before: bool):
        transitions = self

        class Side:
            levels = transitions.levels

            def __call__(self, row, level):
                return {transitions.t[(row, level, b) if before else (row, b, level)]: 1 for b in transitions.levels}

            def all(self, level):
                expression = {}
                for group in transitions.people.groups:
                    expression.update(self(group.key, level))
                return expression

        return Side()

    def moved(self, row, up: bool):
        rows = [group.key for group in self.people.groups] if row == privacy.ALL else [row]
        return {self.t[(r, a, b)]: 1 for r in rows for a in self.levels for b in self.levels if (b > a) == up}


def test_no_count_below_5_can_be_worked_out_from_any_map_or_movement(app, path, audited, clock):
    organisation_id, people = audited
    levels = level_orders(path)
    ends = [month.end for month in month_range(START, NOW)]
    maps = {end: protected_map(path, organisation_id, people, end) for end in ends}
    assert len(people.groups) >= 3, "the audit needs several course groups to combine"
    suppressed = sum(figure.suppressed for tables in maps.values() for network in tables.by_area.values() if network
                     for figure in network.figures.values())
    assert suppressed > 20, "the generated organisation should have small figures to protect"
    ways = {end: _ways(path, organisation_id, people, end) for end in ends}
    assert any(key[0] == WAYS_ROW for tables in maps.values() for network in tables.by_area.values() if network
               for key, figure in network.figures.items() if not figure.suppressed), "some ways should be shown"
    leaks = []
    for end, tables in maps.items():
        for area in path.areas:
            model = Model()
            _show_map(model, ("map", end, area.id), tables.by_area[area.id], people, MapCells(model, people, levels),
                      ways[end][area.id])
            leaks += model.derivable()
    for before, after in combinations(ends, 2):
        movement = protected_movement(path, organisation_id, people, maps[before], maps[after])
        for area in path.areas:
            model = Model()
            transitions = Transitions(model, people, levels)
            for end, side in ((before, transitions.side(True)), (after, transitions.side(False))):
                _show_map(model, ("map", end, area.id), maps[end].by_area[area.id], people, side,
                          ways[end][area.id])
            network = movement.by_area[area.id]
            for row in [group.key for group in people.groups] + [privacy.ALL]:
                for column in (UP, NOT_UP):
                    model.show(("movement", before, area.id, row, column)[0:1] + (row, column),
                               transitions.moved(row, column == UP), *_state(network, (row, column)))
            leaks += model.derivable()
    assert leaks == [], "\n".join(map(str, leaks))


def test_no_count_below_5_can_be_worked_out_from_the_activity_figures(app, audited):
    organisation_id, _people = audited
    activity = start_activity(organisation_id, month_range(START, NOW)).tables()
    leaks = []
    for measure, network in activity.by_measure.items():
        model = Model()
        rows = ["organisation"]
        x = {(row, month.slug): model.variable(("x", row, month.slug)) for row in rows for month in activity.months}

        def total(row_keys, months, x=x):
            return {x[(row, month.slug)]: 1 for row in row_keys for month in months}

        columns = [(month.slug, [month]) for month in activity.months]
        columns += [(quarter.slug, [month for month in quarter.months() if month in activity.months])
                    for quarter in activity.quarters]
        columns += [(privacy.TOTAL, activity.months)]
        for row in rows + [privacy.ALL]:
            for column, months in columns:
                state, value = _state(network, (row, column))
                model.show((measure, row, column), total(rows if row == privacy.ALL else [row], months), state, value,
                           counts_people=False)
        if measure in ("launches", "modules_started", "modules_completed"):  # the generated organisation has no badges
            assert model.small, f"{measure}: the generated organisation should have small activity figures"
        leaks += model.derivable()
    assert leaks == [], "\n".join(map(str, leaks))


def _audit_comparison(path, people, levels, maps, before, after, movement, ways) -> list:
    """Every map of both dates, every area's movement and "moved up in any area", in one reader's model.

    A person's areas are linked only through "in any area": a group's movers in any area are at least its movers
    in each area and at most their sum (every count in between fits some assignment of people to areas). Lines
    of the movement the page leaves out are guarded: a left-out count of 1 to 4 must not be forced either.
    """
    model = Model()
    groups = [group.key for group in people.groups]
    sizes = {group.key: group.size for group in people.groups}
    moved_any = {row: model.variable(("n", row), upper=sizes[row]) for row in groups}
    per_area = {}
    for area in path.areas:
        transitions = Transitions(model, people, levels)
        per_area[area.id] = transitions
        for end, side in ((before, transitions.side(True)), (after, transitions.side(False))):
            _show_map(model, ("map", end, area.id), maps[end].by_area[area.id], people, side, ways[end][area.id])
        network = movement.by_area[area.id]
        for row in groups + [privacy.ALL]:
            for column in (UP, NOT_UP):
                _show_or_guard(model, (("movement", area.id), row, column), transitions.moved(row, column == UP),
                               network, (row, column))
        for row in groups:  # movers in this area ≤ movers in any area
            model.at_most({**transitions.moved(row, True), moved_any[row]: -1}, 0)
    for row in groups:  # movers in any area ≤ the sum of the movers per area
        expression = {moved_any[row]: 1}
        for transitions in per_area.values():
            for var, coef in transitions.moved(row, True).items():
                expression[var] = expression.get(var, 0) - coef
        model.at_most(expression, 0)
    for row in groups + [privacy.ALL]:
        rows = groups if row == privacy.ALL else [row]
        up = {moved_any[line]: 1 for line in rows}
        size = sum(sizes[line] for line in rows)
        _show_or_guard(model, ("any-area", row, UP), up, movement.any_area, (row, UP))
        # not moved up = size − moved up: as a constraint on the same variables, shown through a slack variable
        rest = model.variable(("not-up", row), upper=size)
        model.equal({**up, rest: 1}, size)
        _show_or_guard(model, ("any-area", row, NOT_UP), {rest: 1}, movement.any_area, (row, NOT_UP))
    return model.derivable()


def _show_or_guard(model, label, expression, network, key):
    state, value = _state(network, key)
    if state == "withheld":
        model.guard(label, expression, _true_value(model, label))
    else:
        model.show(label, expression, state, value)


def _true_value(model, label):
    return _TRUE[label] if label in _TRUE else -1


_TRUE: dict = {}


@pytest.mark.timeout(900)  # one integer programme of all areas per pair of dates
@pytest.mark.parametrize("granularity", ["months", "quarters"])
def test_no_count_below_5_can_be_worked_out_from_any_comparison_with_the_organisation_and_any_area(
        app, path, audited, granularity):
    """Each pair of month ends (or quarter ends): both maps, the movement per area for each line and the
    organisation (shown or left out), and "moved up in any area", together."""
    from app.reports.periods import quarters_of
    from app.reports.skills_map import ANY_AREA

    organisation_id, people = audited
    levels = level_orders(path)
    months = month_range(START, NOW)
    ends = [month.end for month in months] if granularity == "months" else \
        [quarter.end for quarter in quarters_of(months)]
    pairs = list(combinations(ends, 2)) if granularity == "quarters" else list(zip(ends, ends[1:], strict=False)) + \
        [(ends[0], ends[-1])]
    maps = {end: protected_map(path, organisation_id, people, end) for pair in pairs for end in pair}
    ways = {end: _ways(path, organisation_id, people, end) for end in maps}
    leaks, any_area_shown = [], 0
    for before, after in pairs:
        movement = protected_movement(path, organisation_id, people, maps[before], maps[after])
        _TRUE.clear()
        _TRUE.update(_true_movement(path, organisation_id, people, maps[before].at, maps[after].at))
        any_area_shown += len(movement.any_area.figures)
        assert all((scope, row) in movement.reasons for scope in [area.id for area in path.areas] + [ANY_AREA]
                   for row in [group.key for group in people.groups] + [privacy.ALL]
                   if (row, UP) not in (movement.any_area if scope == ANY_AREA else movement.by_area[scope]).figures)
        leaks += _audit_comparison(path, people, levels, maps, before, after, movement, ways)
    assert any_area_shown, "the audit should see shown \"moved up in any area\" lines"
    assert leaks == [], "\n".join(map(str, leaks))


def _true_movement(path, organisation_id, people, before, after) -> dict:
    """The true counts behind every movement line, by label, from the placements (what the page leaves out)."""
    from sqlalchemy import and_, case, select

    from app.extensions import db

    first = placements(path, organisation_id, people.people, before, "first")
    second = placements(path, organisation_id, people.people, after, "second")
    rows = db.session.execute(
        select(first.c.person_id, first.c.course_id, first.c.area_id,
               case((second.c.level > first.c.level, 1), else_=0))
        .join(second, and_(second.c.person_id == first.c.person_id, second.c.area_id == first.c.area_id))
    ).all()
    group_of = people.group_of_course()
    sizes = {group.key: group.size for group in people.groups}
    sizes[privacy.ALL] = people.size
    up: dict = {}
    anywhere: dict = {}
    for person_id, course_id, area_id, moved in rows:
        for row in (group_of[course_id], privacy.ALL):
            up[(area_id, row)] = up.get((area_id, row), 0) + moved
        anywhere[person_id] = (group_of[course_id], anywhere.get(person_id, (None, 0))[1] or moved)
    true = {}
    for (area_id, row), count in up.items():
        true[(("movement", area_id), row, UP)] = count
        true[(("movement", area_id), row, NOT_UP)] = sizes[row] - count
    for row in sizes:
        count = sum(moved for group, moved in anywhere.values() if row in (group, privacy.ALL))
        true[("any-area", row, UP)] = count
        true[("any-area", row, NOT_UP)] = sizes[row] - count
    return true
