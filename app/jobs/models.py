"""The jobs table: work queued in a request's transaction and run later by `flask worker`."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models_base import JSONType


class Job(db.Model):
    """One unit of background work: a kind naming its handler, a JSON payload, and where it stands."""

    __tablename__ = "jobs"
    # The worker's claim looks for the oldest due job among the runnable statuses.
    __table_args__ = (Index("ix_jobs_status_next_attempt_at", "status", "next_attempt_at"),)

    QUEUED, RUNNING, SUCCEEDED = "queued", "running", "succeeded"
    FAILED = "failed"  # will be retried at next_attempt_at
    DEAD = "dead"  # given up: out of attempts, a permanent error, or no handler for its kind
    RUNNABLE = (QUEUED, FAILED)
    DEFAULT_MAX_ATTEMPTS = 8

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict] = mapped_column(JSONType, default=dict)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # The LMS registration the job calls (grade sending, rosters): a worker runs only a few of one registration's
    # jobs at once (JOB_REGISTRATION_CONCURRENCY), so a slow LMS cannot take every thread.
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=DEFAULT_MAX_ATTEMPTS)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_by: Mapped[str | None] = mapped_column(String(200))
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    # Set to deduplicate: a second job with the same key is not queued (e.g. one per periodic slot).
    unique_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
