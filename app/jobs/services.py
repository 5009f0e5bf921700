"""Queueing jobs: enqueue() adds a row in the caller's transaction, so a job exists only if that work commits."""
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite

from app.clock import current_clock
from app.extensions import db
from app.jobs.models import Job


def enqueue(
    kind: str,
    payload: dict,
    *,
    organisation_id: int | None = None,
    run_at: datetime | None = None,
    max_attempts: int | None = None,
    unique_key: str | None = None,
) -> int | None:
    """Queue a job to run at run_at (now by default); its id, or None if a job with unique_key already exists."""
    now = current_clock().now()
    statement = insert_ignoring_conflicts(
        Job,
        kind=kind,
        payload=payload,
        organisation_id=organisation_id,
        status=Job.QUEUED,
        attempts=0,
        max_attempts=max_attempts or Job.DEFAULT_MAX_ATTEMPTS,
        next_attempt_at=run_at or now,
        unique_key=unique_key,
        created_at=now,
    )
    return db.session.execute(statement.returning(Job.id)).scalar_one_or_none()


def insert_ignoring_conflicts(model, **values):
    """INSERT … ON CONFLICT DO NOTHING, built by the dialect in use (PostgreSQL or SQLite)."""
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    return insert(model).values(**values).on_conflict_do_nothing()
