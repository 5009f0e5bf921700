"""Fixed period bins (months and quarters, UTC): reports never take free date ranges (docs/reports.md).

Free ranges would let a reader move a boundary by a day and subtract; fixed bins keep the filter space finite,
so every combination can be protected and audited.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import gettext as _

from app.errors import AppError

MONTH, QUARTER = "month", "quarter"
MAX_MONTHS = 24  # how far back the reports reach: two years of months, eight quarters


@dataclass(frozen=True, order=True)
class Period:
    """One month (index 1-12) or quarter (index 1-4) of a year."""

    year: int
    kind: str
    index: int

    @property
    def first_month(self) -> int:
        return self.index if self.kind == MONTH else 3 * (self.index - 1) + 1

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.first_month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the period: the map "at the end of" it counts everything before this."""
        month = self.first_month + (1 if self.kind == MONTH else 3)
        year = self.year + (month - 1) // 12
        return datetime(year, (month - 1) % 12 + 1, 1, tzinfo=UTC)

    @property
    def slug(self) -> str:
        return f"{self.year}-{self.index:02d}" if self.kind == MONTH else f"{self.year}-Q{self.index}"

    def months(self) -> list[Period]:
        if self.kind == MONTH:
            return [self]
        return [Period(self.year, MONTH, self.first_month + offset) for offset in range(3)]

    def quarter(self) -> Period:
        return self if self.kind == QUARTER else Period(self.year, QUARTER, (self.index - 1) // 3 + 1)

    def __str__(self) -> str:
        return self.slug


def period_containing(moment: datetime, kind: str) -> Period:
    month = Period(moment.year, MONTH, moment.month)
    return month if kind == MONTH else month.quarter()


def month_range(first: datetime, now: datetime) -> list[Period]:
    """Every month from the start of the quarter of `first` to the month of `now`, at most MAX_MONTHS (the latest).

    Starting at a quarter boundary keeps each quarter the sum of its months.
    """
    last = period_containing(now, MONTH)
    start = period_containing(min(first, now), QUARTER).months()[0]
    months = []
    current = start
    while current <= last:
        months.append(current)
        year, index = (current.year + 1, 1) if current.index == 12 else (current.year, current.index + 1)
        current = Period(year, MONTH, index)
    while len(months) > MAX_MONTHS:
        months = months[3:]  # drop whole quarters from the start
    return months


def quarters_of(months: list[Period]) -> list[Period]:
    return sorted({month.quarter() for month in months})


_SLUG = re.compile(r"^(\d{4})-(?:(\d{2})|Q([1-4]))$")


def parse_period(slug: str | None, available: list[Period]) -> Period | None:
    """A period from the page's filter; an unknown or badly written one is refused with what to choose instead."""
    if not slug:
        return None
    match = _SLUG.match(slug.strip())
    if match:
        year, month, quarter = match.groups()
        period = Period(int(year), MONTH, int(month)) if month else Period(int(year), QUARTER, int(quarter))
        if period in available:
            return period
    raise AppError(
        _("There are no figures for the period %(period)s.", period=slug[:20]),
        hint=_("Choose a period from the list: months are written 2026-03, quarters 2026-Q1."),
    )
