"""An independent audit of what a reader can work out from the published figures, by integer programming.

It knows nothing of app.reports.privacy's networks or its max-flow audit: it writes down, from the tables'
meaning, every equation a reader knows (a group's levels add up to its size, the organisation's line is the sum
of the groups', a person moves between two dates from one level to one level, months add up to quarters) and
what each shown figure says (a number; "fewer than 5": 1 to 4 people; "hidden": 0 or at least 5, with a binary
variable), then asks scipy's MILP solver for the least and the greatest value of every "fewer than 5" figure
and of every sum of two of them on one line. Equal least and greatest: the figure can be worked out.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

BIG = 10**6


@dataclass
class Model:
    """Integer variables, linear equalities, and the figures a reader sees (each a linear expression)."""

    names: list = field(default_factory=list)
    upper: list = field(default_factory=list)
    equalities: list = field(default_factory=list)  # (expression {var: coef}, value)
    binaries: list = field(default_factory=list)
    small: list = field(default_factory=list)  # (label, expression)
    constraints: list = field(default_factory=list)  # (expression, low, high)

    def variable(self, name, upper=BIG) -> int:
        self.names.append(name)
        self.upper.append(upper)
        return len(self.names) - 1

    def show(self, label, expression: dict, state: str, value: int, *, counts_people=True) -> None:
        """What the page shows for this expression."""
        if state == "published":
            self.constraints.append((expression, value, value))
        elif state == "small":
            self.constraints.append((expression, 1, 4 if counts_people else BIG))
            self.small.append((label, expression, value))
        elif state == "hidden":  # 0, or at least 5: expression <= BIG*z, expression >= 5*z
            z = self.variable(("z", label), upper=1)
            self.binaries.append(z)
            self.constraints.append(({**expression, z: -BIG}, -BIG * 2, 0))
            self.constraints.append(({**expression, z: -5}, 0, BIG * 2))
        # withheld: says nothing

    def guard(self, label, expression: dict, value: int) -> None:
        """A count the page does not show at all (a movement line left out): if it is 1 to 4, it must not be
        forced either, alone or with another one on its line."""
        self.small.append((label, expression, value))

    def at_most(self, expression: dict, high: int) -> None:
        self.constraints.append((expression, -BIG * 100, high))

    def equal(self, expression: dict, value: int) -> None:
        self.constraints.append((expression, value, value))

    def _solve(self, objective: dict, sense: int) -> float:
        n = len(self.names)
        c = np.zeros(n)
        for var, coef in objective.items():
            c[var] = sense * coef
        key = (n, len(self.constraints))
        if getattr(self, "_built", (None,))[0] != key:  # the constraints are the same for every solve: build once
            entries, columns, row_of, low, high = [], [], [], [], []
            for index, (expression, lo, hi) in enumerate(self.constraints):
                for var, coef in expression.items():
                    entries.append(coef)
                    columns.append(var)
                    row_of.append(index)
                low.append(lo)
                high.append(hi)
            matrix = coo_matrix((entries, (row_of, columns)), shape=(len(self.constraints), n)).tocsr()
            self._built = (key, LinearConstraint(matrix, low, high),
                           Bounds(np.zeros(n), np.array(self.upper, dtype=float)))
        _key, constraint, bounds = self._built
        result = milp(c, constraints=constraint, integrality=np.ones(n), bounds=bounds)
        assert result.success, f"the reader's model is infeasible: {result.message}"
        return sense * result.fun

    def derivable(self) -> list:
        """Every "fewer than 5" figure, and every sum of two on one line, whose value is forced."""
        found = []
        candidates = [(label, expression, value) for label, expression, value in self.small]
        for index, (label_a, expr_a, value_a) in enumerate(self.small):
            for label_b, expr_b, value_b in self.small[index + 1:]:
                if _same_line(label_a, label_b):
                    merged = dict(expr_a)
                    for var, coef in expr_b.items():
                        merged[var] = merged.get(var, 0) + coef
                    candidates.append(((label_a, label_b), merged, value_a + value_b))
        for label, expression, value in candidates:
            if not 0 < value < 5:
                continue  # a 0 or a count of at least 5 may be worked out: it singles no small group out
            high = self._solve(expression, -1)
            if round(high) > value:
                continue  # another world gives it more: not forced (one solve instead of two)
            low = self._solve(expression, 1)
            assert low - 1e-6 <= value <= high + 1e-6, f"{label}: the true value {value} is outside [{low}, {high}]"
            if round(high) == round(low) and 0 < value < 5:
                found.append((label, value))
        return found


TOTALS = ("__all__", "__total__")


def _same_line(a, b) -> bool:
    """Labels are (table, row, column): two figures of one table on one row or one column that count different
    people — not a figure and its own total (the organisation's line, the total column, a quarter and its month)."""
    if a[0] != b[0]:
        return False
    if a[2] == b[2]:
        return a[1] not in TOTALS and b[1] not in TOTALS
    if a[1] == b[1]:
        return a[2] not in TOTALS and b[2] not in TOTALS and ("Q" in str(a[2])) == ("Q" in str(b[2]))
    return False
