"""Delivering scores: the `grades.send` job, run by `flask worker`.

A job sends whatever its row wants *when it runs* (the newest version). Sending for one row is serialised by a
PostgreSQL advisory lock, never by the row's own lock, so a learner's page that records a new score is never
kept waiting by a slow LMS, and an older score never follows a newer one. Outcomes:
- sent (2xx; also 409, which Moodle answers when it already holds a score at least this new);
- the LMS unavailable (no answer, timeout, 5xx, 429): retried with backoff capped at GRADE_RETRY_CAP_SECONDS,
  for GRADE_RETRY_WINDOW_SECONDS from the first failure, then failed with the last reason;
- refused (any other 4xx, after one token refresh on 401): failed at once with the LMS's answer and the scopes.
"""
import logging
import random
from datetime import timedelta
from typing import NoReturn

from flask import current_app
from sqlalchemy import case, func, select, update

from app.clock import as_utc, current_clock
from app.extensions import db
from app.grades.models import GradeSync
from app.grades.passback import SEND_JOB
from app.jobs.backoff import retry_delay
from app.jobs.exceptions import PermanentJobError, RetryLater
from app.jobs.registry import RunningJob, job_handler
from app.lti.ags import find_or_create_line_item, post_score
from app.lti.platform_services import PlatformRefused, PlatformUnavailable
from app.lti.tool_values import MODULE_LINE_ITEM_TAG
from app.tenancy.models import Deployment, Registration

log = logging.getLogger(__name__)
ALREADY_NEWER = 409
ADVISORY_LOCK_NAMESPACE = 0x67726164  # "grad": keeps these locks apart from any other advisory lock
_jitter = random.Random()


@job_handler(SEND_JOB)
def send_score(payload: dict, job: RunningJob) -> None:
    sync_id = payload["grade_sync_id"]
    _take_sending_lock(sync_id)
    # Read after the lock (a read before it could miss what the previous holder sent), with its registration.
    found = db.session.execute(
        select(GradeSync, Registration)
        .join(Deployment, Deployment.id == GradeSync.deployment_id)
        .join(Registration, Registration.id == Deployment.registration_id)
        .where(GradeSync.id == sync_id)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if found is None:
        return  # erased
    sync, registration = found
    if sync.status == GradeSync.NOT_SENT or sync.sent_version >= sync.version:
        return  # not for sending, or another job already sent this version
    now = current_clock().now()
    version, score = sync.version, sync.score_json()
    if sync.line_item_url is None and sync.line_items_url is None:
        # A row whose launch had a malformed AGS claim ("Send again" on it): nothing to send to.
        _fail(sync_id, version, sync.reason or "The LMS gave this link no line item to send the score to.", now=now)
    try:
        if sync.line_item_url is None:
            line_item_url = find_or_create_line_item(
                registration,
                sync.line_items_url,
                resource_id=sync.resource_id,
                label=sync.label,
                tag=MODULE_LINE_ITEM_TAG,
                resource_link_id=sync.resource_link_id,
                now=now,
            )
            _update(sync_id, line_item_url=line_item_url)
        else:
            line_item_url = sync.line_item_url
        status = post_score(registration, line_item_url, score, now=now)
    except PlatformUnavailable as problem:
        _retry_later(sync_id, version, str(problem), job, now=now)
        return
    except PlatformRefused as problem:
        if problem.status != ALREADY_NEWER:
            _fail(sync_id, version, f"The LMS refused the score: {problem}", now=now)
        status = ALREADY_NEWER
    _update(
        sync_id,
        sent_version=version, sent_at=now, attempts=GradeSync.attempts + 1, failing_since=None, next_attempt_at=None,
        # A newer score recorded while this one travelled keeps the row pending for its own job.
        status=case((GradeSync.version <= version, GradeSync.SENT), else_=GradeSync.PENDING),
        reason="the LMS already held a score at least this new (HTTP 409)" if status == ALREADY_NEWER else None,
    )
    log.info("grade %s (%s) version %s sent: HTTP %s", sync_id, sync.resource_id, version, status)


def _take_sending_lock(sync_id: int) -> None:
    """One sender per row at a time (PostgreSQL); held until this job's transaction ends."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(ADVISORY_LOCK_NAMESPACE, sync_id)))


def _update(sync_id: int, *, only_version: int | None = None, **values) -> int:
    rows = GradeSync.__table__.c  # a Core statement: cheaper than the ORM's bulk update, and nothing to synchronise
    statement = update(GradeSync.__table__).where(rows.id == sync_id)
    if only_version is not None:
        statement = statement.where(rows.version == only_version)
    return db.session.execute(statement.values(**values)).rowcount


def _retry_later(sync_id: int, version: int, reason: str, job: RunningJob, *, now) -> None:
    """Record the failure (kept: committed by the runner with the job's retry) and retry, or give up.

    If a newer score was recorded meanwhile, its own job will send it: this one ends quietly.
    """
    config = current_app.config
    sync = db.session.get(GradeSync, sync_id, populate_existing=True)
    if sync.version != version:
        return
    failing_since = as_utc(sync.failing_since) if sync.failing_since else now
    if now - failing_since >= timedelta(seconds=config["GRADE_RETRY_WINDOW_SECONDS"]):
        _fail(sync_id, version, f"Gave up after {config['GRADE_RETRY_WINDOW_SECONDS'] // 3600} hours of retrying. "
                                f"Last error: {reason}", now=now)
    delay = retry_delay(job.attempt, base=config["JOB_RETRY_BASE_SECONDS"], cap=config["GRADE_RETRY_CAP_SECONDS"],
                        rng=_jitter)
    _update(sync_id, only_version=version, status=GradeSync.PENDING, reason=reason, failing_since=failing_since,
            next_attempt_at=now + delay, attempts=GradeSync.attempts + 1)
    raise RetryLater(reason, after=delay, keep_writes=True)


def _fail(sync_id: int, version: int, reason: str, *, now) -> NoReturn:
    """Fail the row with the reason (kept: committed by the runner with the job's end) and end the job."""
    _update(sync_id, only_version=version, status=GradeSync.FAILED, reason=reason, next_attempt_at=None,
            attempts=GradeSync.attempts + 1, updated_at=now)
    log.warning("grade %s version %s failed: %s", sync_id, version, reason)
    raise PermanentJobError(reason, keep_writes=True)
