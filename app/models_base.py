"""Column and query helpers shared by every feature's models."""
from datetime import UTC, datetime

from flask import has_request_context, request
from sqlalchemy import JSON, DateTime, event
from sqlalchemy.orm import Mapped, Session, mapped_column


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
