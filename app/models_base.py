"""Column helpers shared by every feature's models."""
from datetime import datetime, timezone

from sqlalchemy import DateTime, JSON
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


JSONType = JSON


def upsert_insert(model):
    """`INSERT … ON CONFLICT` is spelled alike on PostgreSQL and SQLite but built by each dialect's insert()."""
    from sqlalchemy.dialects import postgresql, sqlite

    from app.extensions import db

    dialect = db.session.get_bind().dialect.name
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect](model)
