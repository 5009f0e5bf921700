"""The suppression audit searches for a cycle of slack where it can instead of solving a max-flow: it must decide
exactly as the max-flow audit did (tests/reports/privacy_reference.py), figure for figure, on every kind of table
the reports protect: groups × levels with and without the ways, fixed group sizes, forced hiding, and the activity's
months with quarter sub-totals counting events."""
import copy
import random

import pytest

from app.reports import privacy
from app.reports.skills_map import WAY_BADGE, WAY_MODULES, WAY_SELF, _add_ways
from tests.reports import privacy_reference

pytestmark = pytest.mark.sqlite

TABLES = 400


def _value(rng: random.Random) -> int:
    """Mostly what a map holds: many zeros, some 1 to 4, some larger."""
    kind = rng.random()
    return 0 if kind < 0.35 else rng.randint(1, 4) if kind < 0.65 else rng.randint(5, 40)


def _map_table(rng: random.Random) -> tuple[privacy.Network, list]:
    """A groups × levels table with its margins, perhaps with the ways, and the figures forced hidden."""
    rows = [f"g{index}" for index in range(rng.randint(1, 4))]
    columns = list(range(rng.randint(2, 5)))
    cells = {(row, column): (value, value) for row in rows for column in columns if (value := _value(rng))}
    table = {(row, column): cells.get((row, column), (0, 0)) for row in rows for column in columns}
    margins = {}
    for row in rows:
        size = sum(table[(row, column)][0] for column in columns)
        margins[(row, privacy.TOTAL)] = (size, size)
    for column in columns:
        total = sum(table[(row, column)][0] for row in rows)
        margins[(privacy.ALL, column)] = (total, total)
    grand = sum(value for value, _people in table.values())
    margins[(privacy.ALL, privacy.TOTAL)] = (grand, grand)
    network = privacy.table_network(rows, columns, table, margins=margins, fixed_row_totals=rng.random() < 0.5)
    if rng.random() < 0.5 and len(columns) > 1:
        ways = [WAY_SELF, WAY_MODULES, WAY_BADGE]
        # Level 0 (not started) is reached no way; a level nobody can reach holds nobody.
        possible = {column: sorted(rng.sample(ways, rng.randint(0, 3)), key=ways.index) for column in columns[1:]}
        links = {}
        for column, reached in possible.items():
            total = margins[(privacy.ALL, column)][0]
            if not reached:
                if total:
                    possible[column] = reached = [WAY_SELF]
                else:
                    continue
            shares = [rng.randint(0, total) for _ in reached[1:]]
            cuts = [0] + sorted(shares) + [total]
            for way, low, high in zip(reached, cuts[:-1], cuts[1:], strict=True):
                links[(column, way)] = high - low
        _add_ways(network, possible, links)
    force = [key for key in table if rng.random() < 0.08]
    return network, force


def _activity_table(rng: random.Random) -> tuple[privacy.Network, list]:
    """One line of months with quarter sub-totals, counting events (a figure of many events may be few people)."""
    months = [f"m{index}" for index in range(rng.randint(2, 6))]
    quarters = {f"q{index // 3}": months[index:index + 3] for index in range(0, len(months), 3)}
    cells = {}
    for month in months:
        people = _value(rng)
        cells[("line", month)] = (people * rng.randint(1, 3), people)
    margins = {}
    for row in ("line", privacy.ALL):
        for quarter, members in quarters.items():
            events = sum(cells[("line", month)][0] for month in members)
            margins[(row, quarter)] = (events, max((cells[("line", month)][1] for month in members), default=0))
        events = sum(value for value, _people in cells.values())
        margins[(row, privacy.TOTAL)] = (events, max(people for _value, people in cells.values()))
    for month in months:
        margins[(privacy.ALL, month)] = cells[("line", month)]
    network = privacy.table_network(["line"], months, cells, margins=margins, counts_people=False,
                                    column_groups=quarters)
    return network, []


def _outcome(protect, network: privacy.Network, force: list):
    try:
        return protect(network, force_hidden=force).states()
    except privacy.TableWithheld:
        return "withheld"


@pytest.mark.parametrize("build", [_map_table, _activity_table])
def test_the_audit_suppresses_exactly_what_the_max_flow_audit_suppressed(build):
    rng = random.Random(30)
    withheld = suppressed = 0
    for _ in range(TABLES):
        network, force = build(rng)
        expected = _outcome(privacy_reference.protect, copy.deepcopy(network), force)

        assert _outcome(privacy.protect, network, force) == expected

        withheld += expected == "withheld"
        suppressed += expected != "withheld" and any(state == privacy.HIDDEN for state in expected.values())
    assert suppressed > TABLES // 10, "the tables should need complementary suppression often"


def test_the_audit_finds_the_same_pinned_figures_whatever_is_suppressed():
    """Any pattern, not only those protect reaches: a hidden figure of 1 to 4, lines with one small figure."""
    rng = random.Random(31)
    pinned_somewhere = 0
    for _ in range(TABLES):
        network, _force = rng.choice([_map_table, _activity_table])(rng)
        for figure in network.figures.values():
            if figure.state == privacy.UNPUBLISHED:
                continue
            figure.state = rng.choice([privacy.PUBLISHED, privacy.PUBLISHED, privacy.SMALL, privacy.HIDDEN])
        expected = [figure.key for figure in privacy_reference.find_pinned(copy.deepcopy(network))]

        assert [figure.key for figure in privacy.find_pinned(network)] == expected

        pinned_somewhere += bool(expected)
    assert pinned_somewhere > TABLES // 10
