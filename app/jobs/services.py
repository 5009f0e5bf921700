"""Queueing jobs: enqueue() adds a row in the caller's transaction, so a job exists only if that work commits."""
from datetime import datetime

from app.clock import current_clock
from app.extensions import db
from app.jobs.models import Job
from app.models_base import upsert_insert


def enqueue(
    kind: str,
    payload: dict,
    *,
    organisation_id: int | None = None,
    registration_id=None,
    run_at: datetime | None = None,
    max_attempts: int | None = None,
    unique_key: str | None = None,
) -> int | None:
    """Queue a job to run at run_at (now by default); its id, or None if a job with unique_key already exists.

    registration_id (a value or a scalar subquery) names the LMS registration the job calls, for the worker's
    per-registration limit (JOB_REGISTRATION_CONCURRENCY).
    """
    now = current_clock().now()
    # ON CONFLICT DO NOTHING rather than catching IntegrityError, which would abort the caller's transaction.
    statement = upsert_insert(Job).values(
        kind=kind,
        payload=payload,
        organisation_id=organisation_id,
        registration_id=registration_id,
        status=Job.QUEUED,
        attempts=0,
        max_attempts=max_attempts or Job.DEFAULT_MAX_ATTEMPTS,
        next_attempt_at=run_at or now,
        unique_key=unique_key,
        created_at=now,
    )
    return db.session.execute(statement.on_conflict_do_nothing().returning(Job.id)).scalar_one_or_none()
