"""The suppression audit as it was before the slack search (app.reports.privacy, 2026-12-07): every world solved
by a max-flow. Kept as the reference the faster audit must agree with, figure for figure (test_privacy_audit.py).
"""
from __future__ import annotations

import itertools
from collections import defaultdict, deque
from collections.abc import Hashable, Iterable

from app.reports.privacy import (
    HIDDEN,
    RELAXED,
    SMALL,
    THRESHOLD,
    UNBOUNDED,
    UNPUBLISHED,
    Figure,
    Network,
    TableWithheld,
)


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
    while True:
        if _partner_lines(network, nodes):
            continue
        pinned = find_pinned(network, first_only=True)
        if not pinned:
            return network
        if not _hide_near(network, nodes, pinned[0]):
            raise TableWithheld(f"figure {pinned[0].key!r} cannot be protected")


def _choose(candidates: list[Figure]) -> Figure | None:
    """The figure whose hiding costs the reader least: the smallest shown one of at least 5, else a shown 0."""
    shown = [figure for figure in candidates if not figure.suppressed and not figure.fixed]
    nonzero = sorted(
        (figure for figure in shown if figure.value > 0), key=lambda figure: (figure.value, str(figure.key))
    )
    zeros = sorted((figure for figure in shown if figure.value == 0), key=lambda figure: str(figure.key))
    return (nonzero or zeros or [None])[0]


def _partner_lines(network: Network, nodes) -> bool:
    """Hide one more figure at the first node whose suppressed figures are too few or describe too few people."""
    for incident in nodes.values():
        # Links never shown are left to the exact audit: worked out, they may be 0 or at least 5 (find_pinned).
        suppressed = [(figure, sign) for figure, sign in incident
                      if figure.suppressed and figure.state != UNPUBLISHED]
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
                return True
    return False


def _hide_near(network: Network, nodes, pinned: Figure) -> bool:
    """Hide a shown figure next to a pinned one; failing that, next to any suppressed figure."""
    for around in ([pinned], [figure for figure in network.figures.values() if figure.suppressed]):
        candidates = [
            neighbour
            for figure in around
            for node in (figure.tail, figure.head)
            for neighbour, _ in nodes[node]
        ]
        partner = _choose(candidates)
        if partner is not None:
            partner.state = HIDDEN
            return True
    return False


def find_pinned(network: Network, *, first_only: bool = False) -> list[Figure]:
    """The "fewer than 5" figures whose true value may be the only one the published figures allow.

    A hidden figure may be worked out (it is 0 or at least 5, so that reveals no small count) as long as no
    "fewer than 5" figure can be. A figure is safe when some world the reader cannot rule out gives it another
    value. If even the relaxed world (every hidden figure anywhere from 0 up) allows no other value, it is
    pinned; otherwise each hidden figure is taken on its true side (0, or at least 5), then one at a time on
    the other side. Finding no world within that search counts as pinned: the search errs towards hiding more.
    """
    hidden = sorted((figure.key for figure in network.figures.values() if figure.state == HIDDEN), key=str)
    relaxed = {key: RELAXED for key in hidden}
    worlds = [{}] + [{key: network.figures[key].value == 0} for key in hidden]
    pinned = []
    for figure in network.figures.values():
        # A link never shown must not be worked out either when it counts 1 to 4 people.
        if figure.state != SMALL and not (figure.state == UNPUBLISHED and 0 < figure.value < THRESHOLD):
            continue
        low, high = figure.bounds()
        alternatives = [(lo, hi) for lo, hi in ((low, figure.value - 1), (figure.value + 1, high)) if lo <= hi]
        if not _any_world(network, relaxed, worlds, [{figure.key: bounds} for bounds in alternatives]):
            pinned.append(figure)
            if first_only:
                return pinned
    # Two "fewer than 5" figures of one row or one column (keys are (row, column)) whose sum is under 5: that
    # sum must not be forced either.
    smalls = [figure for figure in network.figures.values() if figure.state == SMALL]
    for first, second in itertools.combinations(smalls, 2):
        total = first.value + second.value
        if total >= THRESHOLD or first in pinned or second in pinned:
            continue
        if _disjoint_on_one_line(first, second):
            others = [{first.key: (a, a), second.key: (other - a, other - a)}
                      for other in (total - 1, total + 1) for a in range(1, other)]
            if not _any_world(network, relaxed, worlds, others):
                pinned.append(first)
                if first_only:
                    return pinned
    return pinned


def _disjoint_on_one_line(first: Figure, second: Figure) -> bool:
    """Two figures of one row or one column that count different people (not a figure and its own total)."""
    if first.kind != second.kind or first.kind == "grand-total":
        return False
    if first.kind in ("cell", "sub-total"):
        return first.key[0] == second.key[0] or first.key[1] == second.key[1]
    return True  # two row totals (different groups) or two column totals (different columns)


def _any_world(network: Network, relaxed: dict, worlds: list[dict], overrides: list[dict]) -> bool:
    """Does any world allow any of these other values? The relaxed world first: if it cannot, none can."""
    possible = [override for override in overrides if _feasible(network, relaxed, overrides=override)]
    return any(_feasible(network, world, overrides=override) for world in worlds for override in possible)


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
