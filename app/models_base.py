"""Column and query helpers shared by every feature's models."""
import functools
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import JSON, DateTime, Integer, event, literal_column, null, select, union_all
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.sqltypes import NullType


def utcnow() -> datetime:
    return datetime.now(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


JSONType = JSON


def among(column, ids):
    """`column IN ids` for a list of integer ids (a page of people): on PostgreSQL one array parameter
    (`= ANY(%s)`), so the statement's text is the same for 5 ids or 500 and psycopg parses it once, and its
    parameters are one value, not one each; SQLite has no arrays, so the IN list there."""
    from sqlalchemy import Integer, any_, bindparam
    from sqlalchemy.dialects.postgresql import ARRAY

    from app.extensions import db

    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return column.in_(list(ids))


def upsert_insert(model):
    """`INSERT … ON CONFLICT` is spelled alike on PostgreSQL and SQLite but built by each dialect's insert()."""
    from sqlalchemy.dialects import postgresql, sqlite

    from app.extensions import db

    dialect = db.session.get_bind().dialect.name
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect](model)


def find_or_insert(model, unique: dict, **values):
    """The row with this unique key, inserted with `values` if missing; safe when two processes race.

    A plain SELECT-then-INSERT loses the race between concurrent first launches of the same person;
    ON CONFLICT DO NOTHING makes the loser wait for the winner's commit and then read its row.
    """
    from sqlalchemy import select

    from app.extensions import db

    row = db.session.scalars(select(model).filter_by(**unique)).first()
    if row is None:
        db.session.execute(
            upsert_insert(model).values(**unique, **values).on_conflict_do_nothing(index_elements=list(unique))
        )
        row = db.session.scalars(select(model).filter_by(**unique)).one()
    return row


_READS = "rexvet.read_once_per_request"  # the request's WSGI environ key: {key: what read() returned}


def read_once_per_request(key, read):
    """What `read()` returns, read once in this request for `key`: for rows that several parts of one page read
    (each feature's part of the path page, say), so the page asks the database once.

    Kept with the request itself (its WSGI environ), so nothing outlives it; forgotten as soon as the session writes
    (a flush, or an INSERT, UPDATE or DELETE through it), so a part that reads after a write sees the write, and when
    it rolls back (an error page's navigation reads what stays, not what was undone).
    Outside a request (a job, the CLI), read every time.
    """
    if not has_request_context():
        return read()
    reads = request.environ.setdefault(_READS, {})
    if key not in reads:
        reads[key] = read()
    return reads[key]


@dataclass(frozen=True)
class TaggedRead:
    """One part of a page's reading (a feature's rows of one person, say) that can share a statement with others'
    (read_together): its read_once_per_request key, its statement, built once, its columns labelled and typed and
    its bind parameters those every part of the page shares, and what makes its value of its rows (tuples of its
    columns)."""

    key: Hashable
    statement: Any  # a Select or a union of them
    parse: Callable[[Iterable[tuple]], Any]


def read_together(reads: Sequence[TaggedRead], parameters: dict) -> list:
    """Each read's value (`read.parse` of its rows), from one statement for all of them, each also kept for the rest
    of the request as read_once_per_request(read.key) would keep it.

    For a page whose parts each read a few rows of the same person (the path page: the learner's learning and their
    badge standing): a statement costs more Python (SQLAlchemy, the driver) and a round trip more than the database
    takes to answer it. Flushed first, as the ORM's autoflush would, so the rows include what the request changed;
    run on the session's connection as plain rows, since nothing is loaded as an object."""
    from app.extensions import db

    db.session.flush()
    statement, columns_of = _together(tuple(read.statement for read in reads))
    rows_of: list[list[tuple]] = [[] for _ in reads]
    for row in db.session.connection().execute(statement, parameters):
        index = row[0]
        rows_of[index].append(tuple(row[columns_of[index]]))
    values = [read.parse(rows) for read, rows in zip(reads, rows_of, strict=True)]
    if has_request_context():
        request.environ.setdefault(_READS, {}).update(
            (read.key, value) for read, value in zip(reads, values, strict=True))
    return values


@functools.lru_cache(maxsize=32)
def _together(statements: tuple) -> tuple[Any, list[slice]]:
    """The statements side by side in one, and where each one's columns are in its rows: a row of statement i is
    (i, NULLs for the statements before it, its own columns, NULLs for those after). The NULLs are cast to the other
    statements' column types, so PostgreSQL can match the branches' types (an untyped NULL column in the first two
    branches would be text). Built once per set of statements (they are built once themselves)."""
    subqueries = [statement.subquery(f"read_{index}") for index, statement in enumerate(statements)]
    columns = [list(subquery.c) for subquery in subqueries]
    untyped = [column.name for own in columns for column in own if isinstance(column.type, NullType)]
    if untyped:
        raise TypeError(f"read_together needs each column's type in the statement's first SELECT: {untyped} have "
                        "none (type_coerce(null(), Integer), literal_column(\"'kind'\", String))")
    nulls = [[null().cast(column.type) for column in own] for own in columns]
    together = union_all(*(
        select(literal_column(str(index), Integer), *(padding for before in nulls[:index] for padding in before), *own,
               *(padding for after in nulls[index + 1:] for padding in after)).select_from(subquery)
        for index, (subquery, own) in enumerate(zip(subqueries, columns, strict=True))
    ))
    starts = [1 + sum(len(own) for own in columns[:index]) for index in range(len(columns))]
    return together, [slice(start, start + len(own)) for start, own in zip(starts, columns, strict=True)]


def _forget_reads() -> None:
    if has_request_context():
        request.environ.pop(_READS, None)


@event.listens_for(Session, "after_flush")
def _forget_reads_after_flush(session, flush_context) -> None:
    _forget_reads()


@event.listens_for(Session, "after_soft_rollback")
def _forget_reads_after_rollback(session, previous_transaction) -> None:
    _forget_reads()


@event.listens_for(Session, "do_orm_execute")
def _forget_reads_on_write(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _forget_reads()
