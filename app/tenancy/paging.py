"""Lists shown a page at a time (the admin's overview, an organisation's people): a list of any size gives a page of
bounded size and cost. A page number past the end shows the last page; anything but a positive number, the first."""
from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, its number (from 1) and how many rows the whole list has."""

    items: list
    number: int
    size: int
    total: int

    @property
    def count(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count


def page_number(value) -> int:
    """A page number from a query parameter: anything but a positive whole number is the first page."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return number if number >= 1 else 1


def page_of(query, number: int, size: int, *, rows=None) -> Page:
    """Rows `number` of the query, of `size` each (`rows` turns a page's query into its items; default: scalars)."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    number = min(max(1, number), max(1, -(-total // size)))
    page_query = query.limit(size).offset((number - 1) * size)
    items = rows(page_query) if rows else list(db.session.scalars(page_query))
    return Page(items, number, size, total)
