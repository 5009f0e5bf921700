"""Small-cell suppression: no published figure lets anyone work out a count of fewer than 5 people.

A report table is modelled as a network (docs/reports.md): every figure — a cell, a margin, a sub-total, the
grand total — is an edge, and every "this line adds up" rule is a node where what flows in equals what flows
out. A table of groups × columns with row totals, column totals (the "all" row) and a grand total is such a
network, and so is one with quarter sub-totals over months. Whoever reads the page knows every published
figure, that "fewer than 5" means 1 to 4 people, that a hidden figure is 0 or at least 5, and that the lines
add up; nothing else.

`protect` decides which figures to show:
1. primary suppression: a figure that describes 1 to 4 people is shown as "fewer than 5" (SMALL);
2. complementary suppression: more figures are HIDDEN until, at every node, a suppressed figure has a
   partner (one suppressed figure on a line equals the total minus the rest), the suppressed figures on one
   side of a node (whose sum the reader can work out) describe at least 5 people, and an exact audit finds no
   suppressed figure whose value is the only one the published figures allow.

The audit is exact: these networks have integral polytopes, so a suppressed figure could take another value
exactly when the network with that figure's bounds moved off its true value still has a feasible
circulation (a max-flow). A hidden figure is "0 or at least 5": the audit tries worlds with either.
"""
from __future__ import annotations

import itertools
from collections import defaultdict, deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

THRESHOLD = 5  # figures describing 1 to THRESHOLD - 1 people are never shown
PUBLISHED, SMALL, HIDDEN = "published", "small", "hidden"
UNPUBLISHED = "unpublished"  # a link of the network the page never shows (how many at one level by one way)
UNBOUNDED = 10**12
RELAXED = "relaxed"  # a world in which a hidden figure may be anything from 0 up (a quick first test)


@dataclass
class Figure:
    """One published number: its value, how many people it describes, and where it sits in the network."""

    key: Hashable
    value: int
    people: int
    tail: Hashable
    head: Hashable
    fixed: bool = False  # always shown (a group's size, which every area's line repeats)
    state: str = PUBLISHED
    counts_people: bool = True  # False: the value counts events, which may be many per person
    kind: str = "cell"  # cell | sub-total | row-total | column-total | grand-total: which figures are disjoint

    @property
    def suppressed(self) -> bool:
        return self.state != PUBLISHED

    def bounds(self, nonzero: bool | str | None = None) -> tuple[int, int]:
        """What a reader of the page knows about this figure; a hidden one is 0 or at least 5, `nonzero` says which."""
        if self.state == PUBLISHED:
            return self.value, self.value
        if self.state == UNPUBLISHED:
            return 0, UNBOUNDED
        if self.state == SMALL:
            return 1, (THRESHOLD - 1 if self.counts_people else UNBOUNDED)
        if nonzero is RELAXED:
            return 0, UNBOUNDED
        if nonzero is None:
            nonzero = self.value > 0
        return (THRESHOLD, UNBOUNDED) if nonzero else (0, 0)


class TableWithheld(Exception):
    """No suppression pattern protects this table: it is not shown at all."""


@dataclass
class Network:
    """The figures of one table family and the nodes at which they add up."""

    figures: dict[Hashable, Figure] = field(default_factory=dict)

    def add(self, figure: Figure) -> Figure:
        if figure.key in self.figures:
            raise ValueError(f"figure {figure.key!r} is in the table twice")
        self.figures[figure.key] = figure
        return figure

    def nodes(self) -> dict[Hashable, list[tuple[Figure, int]]]:
        """Node → its figures with +1 (flows in) or -1 (flows out)."""
        at: dict[Hashable, list[tuple[Figure, int]]] = defaultdict(list)
        for figure in self.figures.values():
            at[figure.tail].append((figure, -1))
            at[figure.head].append((figure, +1))
        return at

    def states(self) -> dict[Hashable, str]:
        return {key: figure.state for key, figure in self.figures.items()}


def protect(network: Network, *, force_hidden: Iterable[Hashable] = ()) -> Network:
    """Suppress what must not be shown (primary and complementary); raise TableWithheld if nothing works."""
    for figure in network.figures.values():
        if figure.state == UNPUBLISHED:
            continue
        if 0 < figure.people < THRESHOLD:
            if figure.fixed:
                raise TableWithheld(f"fixed figure {figure.key!r} describes fewer than {THRESHOLD} people")
            figure.state = SMALL
    for key in force_hidden:
        figure = network.figures[key]
        if not figure.suppressed:
            figure.state = HIDDEN
    nodes = network.nodes()
    order = list(nodes)
    position = {node: index for index, node in enumerate(order)}
    # Hiding a figure changes only its two nodes: a node found needing nothing still needs nothing until a figure
    # of its own is hidden. So only the nodes not read since (`unread`, by position) are read again, in order: the
    # first of them that needs a partner is the first node that does, as a search of every node would find.
    unread = set(range(len(order)))
    safe: set = set()  # what find_pinned found could take another value: hiding more keeps it so
    while True:
        partner = _partner_lines(network, nodes, order, unread)
        if partner is None:
            pinned = find_pinned(network, first_only=True, safe=safe)
            if not pinned:
                return network
            partner = _hide_near(network, nodes, pinned[0])
            if partner is None:
                raise TableWithheld(f"figure {pinned[0].key!r} cannot be protected")
        unread.update((position[partner.tail], position[partner.head]))


def _choose(candidates: list[Figure]) -> Figure | None:
    """The figure whose hiding costs the reader least: the smallest shown one of at least 5, else a shown 0."""
    shown = [figure for figure in candidates if figure.state == PUBLISHED and not figure.fixed]
    # min, not sorted()[0]: the same figure (the first of the least), without sorting every candidate; the keys are
    # written out only for the figures of the least value (the first test of every node, and most candidates).
    nonzero = [figure for figure in shown if figure.value > 0]
    if nonzero:
        least = min(figure.value for figure in nonzero)
        return min((figure for figure in nonzero if figure.value == least), key=lambda figure: str(figure.key))
    zeros = [figure for figure in shown if figure.value == 0]
    return min(zeros, key=lambda figure: str(figure.key)) if zeros else None


_SHOWN_SUPPRESSED = frozenset((SMALL, HIDDEN))  # suppressed where a published figure could be: not UNPUBLISHED
# (_partner_lines tests this of every figure at every node, once per figure it hides: a set, not two properties)


def _partner_lines(network: Network, nodes, order: list, unread: set) -> Figure | None:
    """Hide one more figure at the first node (of `order`, among the positions `unread`, which are taken out as they
    are read) whose suppressed figures are too few or describe too few people; the figure hidden, or None."""
    for index in sorted(unread):
        unread.discard(index)
        incident = nodes[order[index]]
        # Links never shown are left to the exact audit: worked out, they may be 0 or at least 5 (find_pinned).
        suppressed = [(figure, sign) for figure, sign in incident if figure.state in _SHOWN_SUPPRESSED]
        if not suppressed:
            continue
        needs_partner = len(suppressed) == 1
        if not needs_partner and len({sign for _, sign in suppressed}) == 1:
            # All on one side: the reader can work out their sum, a count of the union of their people.
            figures = [figure for figure, _ in suppressed]
            if figures[0].counts_people:
                needs_partner = 0 < sum(figure.value for figure in figures) < THRESHOLD
            else:  # events: the union describes at least 5 people only if one of them does
                needs_partner = all(figure.state == SMALL for figure in figures)
        if needs_partner:
            partner = _choose([figure for figure, _ in incident])
            if partner is not None:
                partner.state = HIDDEN
                return partner
    return None


def _hide_near(network: Network, nodes, pinned: Figure) -> Figure | None:
    """Hide a shown figure next to a pinned one; failing that, next to any suppressed figure: the one hidden."""
    partner = _choose(_neighbours(nodes, [pinned]))
    if partner is None:  # the suppressed figures are gathered only then: most pinned figures have a shown neighbour
        partner = _choose(_neighbours(nodes, [figure for figure in network.figures.values() if figure.suppressed]))
    if partner is not None:
        partner.state = HIDDEN
    return partner


def _neighbours(nodes, figures: list[Figure]) -> list[Figure]:
    """The figures at the nodes of `figures` (themselves included), in the nodes' order."""
    return [neighbour for figure in figures for node in (figure.tail, figure.head) for neighbour, _ in nodes[node]]


def find_pinned(network: Network, *, first_only: bool = False, safe: set | None = None) -> list[Figure]:
    """The "fewer than 5" figures whose true value may be the only one the published figures allow.

    A hidden figure may be worked out (it is 0 or at least 5, so that reveals no small count) as long as no
    "fewer than 5" figure can be. A figure is safe when some world the reader cannot rule out gives it another
    value. If even the relaxed world (every hidden figure anywhere from 0 up) allows no other value, it is
    pinned; otherwise each hidden figure is taken on its true side (0, or at least 5), then one at a time on
    the other side. Finding no world within that search counts as pinned: the search errs towards hiding more.

    `safe`: the keys of figures (and pairs) found not pinned by an earlier search of this network, which are not
    searched again, and to which those found now are added. Since then figures may only have been hidden: that
    widens every world searched (a hidden figure's bounds hold its shown value) and adds worlds, so a figure that
    could take another value still can.
    """
    safe = set() if safe is None else safe
    # In the network's order, not sorted: whether any world allows another value does not depend on which is tried
    # first.
    hidden = [figure.key for figure in network.figures.values() if figure.state == HIDDEN]
    relaxed = {key: RELAXED for key in hidden}
    worlds = [{}] + [{key: network.figures[key].value == 0} for key in hidden]
    # The true values meet every bound of the relaxed world and of the true-side world ({}): in those two, another
    # value of one figure is possible exactly when a cycle of slack runs through it (_Slack), one search instead of
    # a max-flow. The worlds with a hidden figure on its other side still take the max-flow.
    slack = _Slacks(network, (relaxed, worlds[0]))
    pinned = []
    for figure in network.figures.values():
        # A link never shown must not be worked out either when it counts 1 to 4 people.
        if figure.state != SMALL and not (figure.state == UNPUBLISHED and 0 < figure.value < THRESHOLD):
            continue
        if figure.key in safe:
            continue
        low, high = figure.bounds()
        alternatives = [(lo, hi) for lo, hi in ((low, figure.value - 1), (figure.value + 1, high)) if lo <= hi]
        if not _any_world(network, relaxed, worlds, [{figure.key: bounds} for bounds in alternatives], slack,
                          figure):
            pinned.append(figure)
            if first_only:
                return pinned
        else:
            safe.add(figure.key)
    # Two "fewer than 5" figures of one row or one column (keys are (row, column)) whose sum is under 5: that
    # sum must not be forced either.
    smalls = [figure for figure in network.figures.values() if figure.state == SMALL]
    for first, second in itertools.combinations(smalls, 2):
        total = first.value + second.value
        if total >= THRESHOLD or first in pinned or second in pinned or ("pair", first.key, second.key) in safe:
            continue
        if _disjoint_on_one_line(first, second):
            if _pair_moves(slack.get(id(worlds[0])), first, second):
                safe.add(("pair", first.key, second.key))
                continue  # one of them can move alone: their sum is not forced (what the max-flow would find)
            others = [{first.key: (a, a), second.key: (other - a, other - a)}
                      for other in (total - 1, total + 1) for a in range(1, other)]
            if not _any_world(network, relaxed, worlds, others):
                pinned.append(first)
                if first_only:
                    return pinned
            else:
                safe.add(("pair", first.key, second.key))
    return pinned


class _Slack:
    """The residual graph of the true values in one world: where each figure could move, the others adjusting.

    The true values are a circulation within every bound of the world. A figure can take another value above
    (below) its own exactly when some other circulation within the bounds gives it one; the difference of the two
    circulations splits into cycles of slack, one of them through the figure, and one unit along that cycle alone
    is a circulation too (the bounds are intervals, the values integers). So "can the figure go up by one" is "is
    the figure's tail reachable from its head through slack, without the figure itself", and "down" the reverse.
    """

    def __init__(self, network: Network, world: dict):
        self.valid = True
        self.graph: dict[Hashable, list[tuple[Hashable, Hashable]]] = defaultdict(list)
        for figure in network.figures.values():
            if figure.state == PUBLISHED:
                continue  # known exactly in every world, so no slack either way: most of a table, skipped cheaply
            low, high = figure.bounds(world.get(figure.key))
            if not low <= figure.value <= high:
                self.valid = False  # the truth is outside this world: only a max-flow can tell
                return
            if figure.value < high:  # more may flow tail → head
                self.graph[figure.tail].append((figure.head, figure.key))
            if figure.value > low:  # less: as if flowing head → tail
                self.graph[figure.head].append((figure.tail, figure.key))

    def can_move(self, figure: Figure, bounds: tuple[int, int], *, holding: Hashable = None) -> bool:
        """Another circulation gives `figure` a value within `bounds` (a range wholly above or below its value),
        the figure keyed `holding` (if any) keeping its value."""
        low, high = bounds
        if low > figure.value:
            start, goal = figure.head, figure.tail  # one more through the figure comes back round the cycle
        elif high < figure.value:
            start, goal = figure.tail, figure.head
        else:
            return True  # the true value itself is allowed
        seen = {start}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            if node == goal:
                return True
            for head, key in self.graph.get(node, ()):
                if key != figure.key and key != holding and head not in seen:
                    seen.add(head)
                    queue.append(head)
        return False


class _Slacks:
    """The _Slack of each of some worlds (by id), built when first asked for: most tables have nothing to audit."""

    def __init__(self, network: Network, worlds: Iterable[dict]):
        self.network = network
        self.worlds = {id(world): world for world in worlds}
        self.built: dict[int, _Slack] = {}

    def get(self, world_id: int) -> _Slack | None:
        if world_id not in self.worlds:
            return None
        if world_id not in self.built:
            self.built[world_id] = _Slack(self.network, self.worlds[world_id])
        return self.built[world_id]


def _pair_moves(slack: _Slack, first: Figure, second: Figure) -> bool:
    """In the true-side world, one of two "fewer than 5" figures can move by one (staying at 1 or more) while the
    other keeps its value: a world where their sum differs, found without a max-flow. False: not found this way."""
    if not slack.valid:
        return False
    for moving, holding in ((first, second), (second, first)):
        for bounds in ((moving.value + 1, moving.value + 1), (moving.value - 1, moving.value - 1)):
            if bounds[0] >= 1 and slack.can_move(moving, bounds, holding=holding.key):
                return True
    return False


def _disjoint_on_one_line(first: Figure, second: Figure) -> bool:
    """Two figures of one row or one column that count different people (not a figure and its own total)."""
    if first.kind != second.kind or first.kind == "grand-total":
        return False
    if first.kind in ("cell", "sub-total"):
        return first.key[0] == second.key[0] or first.key[1] == second.key[1]
    return True  # two row totals (different groups) or two column totals (different columns)


def _any_world(network: Network, relaxed: dict, worlds: list[dict], overrides: list[dict], slack=None,
               figure: Figure | None = None) -> bool:
    """Does any world allow any of these other values? The relaxed world first: if it cannot, none can.

    With `slack` (_Slacks) and one `figure` whose bounds the overrides replace, the worlds it holds are searched
    for a cycle of slack instead of solving a max-flow.
    """
    def feasible(world: dict, override: dict) -> bool:
        searched = slack.get(id(world)) if slack is not None and figure is not None else None
        if searched is not None and searched.valid:
            return searched.can_move(figure, override[figure.key])
        return _feasible(network, world, overrides=override)

    possible = [override for override in overrides if feasible(relaxed, override)]
    return any(feasible(world, override) for world in worlds for override in possible)


def _feasible(network: Network, world: dict, *, overrides: dict) -> bool:
    """Is there a circulation meeting every figure's bounds, with some figures' bounds replaced?"""
    excess: dict[Hashable, int] = defaultdict(int)
    flow = _MaxFlow()
    for figure in network.figures.values():
        low, high = overrides[figure.key] if figure.key in overrides else figure.bounds(world.get(figure.key))
        if low > high:
            return False
        if high > low:
            flow.add_edge(figure.tail, figure.head, high - low)
        excess[figure.head] += low
        excess[figure.tail] -= low
    needed = 0
    for node, amount in excess.items():
        if amount > 0:
            flow.add_edge("__source__", node, amount)
            needed += amount
        elif amount < 0:
            flow.add_edge(node, "__sink__", -amount)
    return flow.max_flow("__source__", "__sink__") == needed


class _MaxFlow:
    """Dinic's algorithm on the tiny networks of a report table."""

    def __init__(self):
        self.graph: dict[Hashable, list[list]] = defaultdict(list)

    def add_edge(self, tail, head, capacity: int) -> None:
        forward, backward = [head, capacity, None], [tail, 0, None]
        forward[2], backward[2] = backward, forward
        self.graph[tail].append(forward)
        self.graph[head].append(backward)

    def max_flow(self, source, sink) -> int:
        total = 0
        while True:
            level = {source: 0}
            queue = deque([source])
            while queue:
                node = queue.popleft()
                for head, capacity, _ in self.graph[node]:
                    if capacity > 0 and head not in level:
                        level[head] = level[node] + 1
                        queue.append(head)
            if sink not in level:
                return total
            cursor = {node: 0 for node in self.graph}
            while True:
                pushed = self._push(source, sink, UNBOUNDED * 4, level, cursor)
                if not pushed:
                    break
                total += pushed

    def _push(self, node, sink, limit, level, cursor) -> int:
        if node == sink:
            return limit
        edges = self.graph[node]
        while cursor[node] < len(edges):
            edge = edges[cursor[node]]
            head, capacity, back = edge
            if capacity > 0 and level.get(head) == level[node] + 1:
                pushed = self._push(head, sink, min(limit, capacity), level, cursor)
                if pushed:
                    edge[1] -= pushed
                    back[1] += pushed
                    return pushed
            cursor[node] += 1
        return 0


# --- Building the networks of the report tables -------------------------------------------------------------

ALL, TOTAL = "__all__", "__total__"


def table_network(
    rows: list[Hashable],
    columns: list[Hashable],
    cells: dict[tuple[Hashable, Hashable], tuple[int, int]],
    *,
    column_groups: dict[Hashable, list[Hashable]] | None = None,
    fixed_row_totals: bool = False,
    counts_people: bool = True,
    margins: dict[tuple[Hashable, Hashable], tuple[int, int]] | None = None,
) -> Network:
    """A groups × columns table with its margins: row totals, the "all" row, and optional column sub-totals.

    `cells[(row, column)]` is (value, people). Margins: `margins[(row, TOTAL)]`, `margins[(ALL, column)]`,
    `margins[(ALL, TOTAL)]`, and for sub-totals `margins[(row, group)]` and `margins[(ALL, group)]`, each
    (value, people); values must add up (a ValueError says where they do not). People are not additive
    (one person may be in two months), so the caller counts them for every margin.
    """
    margins = margins or {}
    network = Network()
    group_of = {column: group for group, members in (column_groups or {}).items() for column in members}

    def add(key, tail, head, kind, fixed=False):
        value, people = cells.get(key) or margins[key]
        network.add(Figure(key, value, people, tail, head, fixed=fixed, counts_people=counts_people, kind=kind))

    for row in rows:
        add((row, TOTAL), "S", ("row", row), "row-total", fixed=fixed_row_totals)
        for column in columns:
            upstream = ("row-group", row, group_of[column]) if column_groups else ("row", row)
            add((row, column), upstream, ("column", column), "cell")
        for group in column_groups or {}:
            add((row, group), ("row", row), ("row-group", row, group), "sub-total")
    for column in columns:
        downstream = ("column-group", group_of[column]) if column_groups else "T"
        add((ALL, column), ("column", column), downstream, "column-total")
    for group in column_groups or {}:
        add((ALL, group), ("column-group", group), "T", "column-group-total")
    add((ALL, TOTAL), "T", "S", "grand-total", fixed=fixed_row_totals)
    _check_sums(network)
    return network


def check_sums(network: Network) -> None:
    """Every node adds up (a ValueError says where not): the figures describe one consistent world."""
    _check_sums(network)


def _check_sums(network: Network) -> None:
    for node, incident in network.nodes().items():
        balance = sum(sign * figure.value for figure, sign in incident)
        if balance:
            raise ValueError(f"the figures at {node!r} do not add up (off by {balance})")
