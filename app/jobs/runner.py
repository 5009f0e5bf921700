"""The worker: claims one due job at a time, runs its handler, and records success, retry or death.

`flask worker` runs several Workers as threads of one process (run_threads): jobs mostly wait on an LMS or
the database, so threads overlap those waits; each thread has its own app context, session and connection.
"""
import logging
import os
import random
import socket
import threading
from contextlib import nullcontext
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from app.clock import current_clock
from app.extensions import db
from app.jobs.backoff import retry_delay
from app.jobs.exceptions import PermanentJobError, RetryLater
from app.jobs.models import Job
from app.jobs.registry import JobRegistry, RunningJob
from app.jobs.registry import registry as default_registry
from app.jobs.services import enqueue

log = logging.getLogger(__name__)
# While jobs keep coming, lost ones (past their lease) are looked for this often; when none is due, at every poll.
RECLAIM_EVERY = timedelta(seconds=30)
# The threads of one process claim one at a time, from the claim until its commit: the per-registration limit
# counts this worker's committed running jobs, so two threads claiming at once could both see room for one more.
# PostgreSQL only: SQLite's single writer already orders claims (a claim holds the write lock until it commits),
# and a thread holding this lock while waiting for that write lock would deadlock with the lock's holder.
_claiming = threading.Lock()


def _claim_lock():
    return _claiming if db.session.get_bind().dialect.name == "postgresql" else nullcontext()


class Worker:
    """Runs jobs inside the current app context; several workers, in any processes, can share one queue."""

    def __init__(
        self,
        *,
        worker_id: str | None = None,
        registry: JobRegistry | None = None,
        rng: random.Random | None = None,
        housekeeping: bool = True,
    ):
        config = current_app.config
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.registry = registry or default_registry
        self.rng = rng or random.Random()
        self.lease = timedelta(seconds=config["JOB_LEASE_SECONDS"])
        self.retry_base = config["JOB_RETRY_BASE_SECONDS"]
        self.retry_cap = config["JOB_RETRY_CAP_SECONDS"]
        # At most this many running jobs of one LMS registration per worker (threads of a process share the id).
        self.registration_limit = config["JOB_REGISTRATION_CONCURRENCY"]
        if not isinstance(self.registration_limit, int) or self.registration_limit < 1:
            # 0 would leave every LMS's jobs queued for ever, quietly.
            raise ValueError(f"JOB_REGISTRATION_CONCURRENCY must be a whole number of at least 1, "
                             f"not {self.registration_limit!r}.")
        # The last slot this worker queued for each periodic kind, so it tries each slot once, not on every poll.
        self.scheduled_slots: dict[str, int] = {}
        # Queueing periodic jobs and reclaiming lost ones: one thread of a process does it for all of them.
        self.housekeeping = housekeeping
        self.next_reclaim_at: datetime | None = None
        # The next job, claimed in the same commit as the last one's outcome (one transaction per job, not two).
        self.claimed_ahead: RunningJob | None = None

    def run_once(self) -> bool:
        """Queue periodic jobs, then run at most one due job, reclaiming lost ones first if none is due; False if none
        ran."""
        now = current_clock().now()
        if self.housekeeping:
            self.schedule_periodic(now)
        job, self.claimed_ahead = self.claimed_ahead, None
        if job is None:
            job = self.claim(now)
        # Reclaiming costs a transaction: once per job would be a third of a short job's round trips.
        if self.housekeeping and (job is None or self.next_reclaim_at is None or now >= self.next_reclaim_at):
            self.next_reclaim_at = now + RECLAIM_EVERY
            if self.reclaim_stale(now) and job is None:
                job = self.claim(now)
        if job is None:
            return False
        self.run(job, claim_next=True)
        return True

    def run_until_idle(self) -> int:
        """Run due jobs until none is left; how many ran."""
        ran = 0
        while self.run_once():
            ran += 1
        return ran

    def run_forever(self, stop: threading.Event, poll_interval: float) -> None:
        """Run jobs until stop is set, waiting poll_interval whenever nothing is due; the current job always
        finishes."""
        log.info("worker %s started", self.worker_id)
        while not stop.is_set():
            try:
                if self.run_once():
                    continue
            except SQLAlchemyError:
                # A database restart or failover should pause the worker, not end it.
                log.exception("worker %s could not reach the queue", self.worker_id)
                db.session.rollback()
            stop.wait(poll_interval)
        if self.claimed_ahead is not None:
            self.release(self.claimed_ahead)
        log.info("worker %s stopped", self.worker_id)

    def schedule_periodic(self, now: datetime) -> int:
        """Queue each periodic job for the current slot; unique keys make that once per slot across all workers."""
        queued, scheduled = 0, {}
        for periodic in self.registry.periodic.values():
            slot = periodic.slot(now)
            if self.scheduled_slots.get(periodic.kind) == slot:
                continue
            unique_key = f"periodic:{periodic.kind}:{slot}"
            queued += enqueue(periodic.kind, periodic.payload, run_at=now, unique_key=unique_key) is not None
            scheduled[periodic.kind] = slot
        db.session.commit()
        self.scheduled_slots.update(scheduled)
        return queued

    def reclaim_stale(self, now: datetime) -> int:
        """Jobs still running past the lease lost their worker: count the attempt as failed and retry at once."""
        out_of_attempts = Job.attempts >= Job.max_attempts
        reclaimed = db.session.execute(
            update(Job)
            .where(Job.status == Job.RUNNING, Job.locked_at <= now - self.lease)
            .values(
                status=case((out_of_attempts, Job.DEAD), else_=Job.FAILED),
                finished_at=case((out_of_attempts, now), else_=None),
                next_attempt_at=now,
                locked_by=None,
                locked_at=None,
                last_error=(
                    f"Still running after its {self.lease.total_seconds():.0f} s lease: its worker stopped or hung."
                ),
            )
            .returning(Job.id, Job.kind, Job.status)
            .execution_options(synchronize_session=False)
        ).all()
        db.session.commit()
        for job_id, kind, status in reclaimed:
            log.warning("job %s (%s) lost its worker; now %s", job_id, kind, status)
        return len(reclaimed)

    def claim(self, now: datetime) -> RunningJob | None:
        """Take the oldest due job for this worker, committed at once so no other worker takes it."""
        with _claim_lock():
            job = self._take_oldest_due(now)
            db.session.commit()
        return job

    def _take_oldest_due(self, now: datetime) -> RunningJob | None:
        """Mark the oldest due job as this worker's, in the current transaction (under _claim_lock until it commits).

        A job of an LMS registration of which this worker already runs JOB_REGISTRATION_CONCURRENCY jobs is passed
        over for the next due one: an LMS whose token endpoint or grade service hangs holds at most that many
        threads, and the other colleges' scores go on being sent.
        """
        candidate, busy = Job.__table__.alias("candidate"), Job.__table__.alias("busy")
        running_here = (
            select(func.count()).select_from(busy)
            .where(busy.c.registration_id == candidate.c.registration_id, busy.c.status == Job.RUNNING,
                   busy.c.locked_by == self.worker_id)
            .correlate(candidate)
            .scalar_subquery()
        )
        oldest_due = (
            select(candidate.c.id)
            .where(candidate.c.status.in_(Job.RUNNABLE), candidate.c.next_attempt_at <= now,
                   or_(candidate.c.registration_id.is_(None), running_here < self.registration_limit))
            .order_by(candidate.c.next_attempt_at, candidate.c.id)
            .limit(1)
        )
        if db.session.get_bind().dialect.name == "postgresql":
            # Concurrent workers skip a row another is claiming instead of waiting for it.
            oldest_due = oldest_due.with_for_update(skip_locked=True)
        jobs = Job.__table__.c  # a Core statement: the ORM's bulk-update machinery is a third of a job's CPU
        row = db.session.execute(
            update(Job.__table__)
            # SQLite has no row locks; the status test makes a claim that lost a race update nothing.
            .where(jobs.id == oldest_due.scalar_subquery(), jobs.status.in_(Job.RUNNABLE))
            .values(status=Job.RUNNING, locked_by=self.worker_id, locked_at=now, attempts=jobs.attempts + 1)
            .returning(jobs.id, jobs.kind, jobs.payload, jobs.organisation_id, jobs.attempts, jobs.max_attempts)
        ).one_or_none()
        return None if row is None else RunningJob(*row)

    def release(self, job: RunningJob) -> None:
        """Give back a job claimed but not started (the worker is stopping): due again, its attempt not counted."""
        # Only a job never run is queued (attempts 0); one that ran before is failed, awaiting its retry.
        db.session.execute(
            update(Job)
            .where(Job.id == job.id, Job.status == Job.RUNNING, Job.attempts == job.attempt)
            .values(status=Job.QUEUED if job.attempt == 1 else Job.FAILED, attempts=Job.attempts - 1,
                    locked_by=None, locked_at=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()

    def run(self, job: RunningJob, *, claim_next: bool = False) -> None:
        """Run the claimed job's handler; its writes commit together with the job's outcome, in the job's one
        commit (and, with claim_next, with the claim of the next due job, kept in claimed_ahead).

        Handlers do not commit: a failed handler's writes are rolled back, except those its error keeps
        (`keep_writes`, e.g. a failure's reason on the row it failed).
        """
        handler = self.registry.handler_for(job.kind)
        if handler is None:
            log.error("job %s: no handler for kind %r", job.id, job.kind)
            self._record(job, Job.DEAD, claim_next, last_error=f"No handler is registered for job kind {job.kind!r}.")
            return
        try:
            handler(job.payload, job)
        except PermanentJobError as error:
            if not error.keep_writes:
                db.session.rollback()
            log.warning("job %s (%s) failed permanently: %s", job.id, job.kind, error)
            self._record(job, Job.DEAD, claim_next, last_error=_describe(error))
        except RetryLater as error:
            if not error.keep_writes:
                db.session.rollback()
            self._retry_or_give_up(job, error, claim_next, delay=error.after)
        except Exception as error:  # any handler failure is the job's to retry, never the worker's to die of
            db.session.rollback()
            delay = retry_delay(job.attempt, base=self.retry_base, cap=self.retry_cap, rng=self.rng)
            self._retry_or_give_up(job, error, claim_next, delay=delay)
        else:
            log.info("job %s (%s) succeeded on attempt %s", job.id, job.kind, job.attempt)
            self._record(job, Job.SUCCEEDED, claim_next)

    def _retry_or_give_up(self, job: RunningJob, error: Exception, claim_next: bool, *, delay: timedelta) -> None:
        # A handler's own RetryLater is expected; any other exception is logged with its traceback.
        unexpected = not isinstance(error, RetryLater)
        if job.attempt >= job.max_attempts:
            log.warning(
                "job %s (%s) gave up after %s attempts: %s", job.id, job.kind, job.attempt, error, exc_info=unexpected
            )
            self._record(job, Job.DEAD, claim_next, last_error=_describe(error))
            return
        next_attempt_at = current_clock().now() + delay
        log.warning(
            "job %s (%s) failed attempt %s of %s, retrying at %s: %s",
            job.id, job.kind, job.attempt, job.max_attempts, next_attempt_at.isoformat(), error,
            exc_info=unexpected,
        )
        self._record(job, Job.FAILED, claim_next, last_error=_describe(error), next_attempt_at=next_attempt_at)

    def _record(self, job: RunningJob, status: str, claim_next: bool, **values) -> None:
        """Store the outcome, unless the job was reclaimed meanwhile (then the attempt count has moved on)."""
        now = current_clock().now()
        if status in (Job.SUCCEEDED, Job.DEAD):
            values["finished_at"] = now
        jobs = Job.__table__.c
        recorded = db.session.execute(
            update(Job.__table__)
            .where(jobs.id == job.id, jobs.status == Job.RUNNING, jobs.attempts == job.attempt)
            .values(status=status, locked_by=None, locked_at=None, **values)
        ).rowcount
        if recorded:
            if claim_next:
                with _claim_lock():
                    next_job = self._take_oldest_due(now)
                    db.session.commit()
            else:
                next_job = None
                db.session.commit()
            self.claimed_ahead = next_job
        else:
            # Its lease ran out and it was reclaimed: the handler's writes must not land twice.
            db.session.rollback()
            log.warning("job %s (%s) outlived its lease; outcome %s discarded", job.id, job.kind, status)


def worker_threads(app) -> int:
    """How many jobs one `flask worker` runs at once: JOB_WORKER_THREADS, but one on SQLite, which has a single
    writer (threads would only wait for each other's write locks)."""
    with app.app_context():
        dialect = db.engine.dialect.name
    return 1 if dialect == "sqlite" else app.config["JOB_WORKER_THREADS"]


def run_threads(app, stop: threading.Event, *, threads: int, poll_interval: float, worker_id: str | None = None,
                registry: JobRegistry | None = None) -> None:
    """Run `threads` Workers, one per thread, until stop is set; each finishes the job in hand.

    A thread that dies of something other than a job's failure stops them all, and its error is raised here:
    a process that exits is restarted by its supervisor, one quietly down a thread is not.
    """
    failures: list[BaseException] = []

    def work(housekeeping: bool) -> None:
        with app.app_context():
            try:
                worker = Worker(worker_id=worker_id, registry=registry, housekeeping=housekeeping)
                worker.run_forever(stop, poll_interval)
            except BaseException as error:
                log.exception("a worker thread failed; stopping the worker")
                failures.append(error)
                stop.set()
            finally:
                db.session.remove()

    pool = [threading.Thread(target=work, args=(n == 0,), name=f"job-worker-{n + 1}") for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()  # a signal still reaches the main thread's handler while it waits here
    if failures:
        raise failures[0]


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"
