"""The worker: runs due jobs once, retries failures with backoff, gives up when told or out of attempts."""
import random
import threading
from datetime import timedelta

import pytest

from app.clock import as_utc
from app.jobs.backoff import retry_delay
from app.jobs.exceptions import PermanentJobError, RetryLater
from app.jobs.models import Job
from app.jobs.services import enqueue
from app.shared_cache import shared_cache

pytestmark = pytest.mark.sqlite


class PlatformUnavailable(Exception):
    """Stands in for any error a handler did not foresee."""


def test_a_due_job_runs_once_with_its_payload_and_succeeds(app, registry, worker, clock, stored_job):
    runs = []
    registry.handler("send_score")(lambda payload, job: runs.append((payload, job.attempt, job.kind)))
    job_id = enqueue("send_score", {"score": 0.8})

    assert worker.run_until_idle() == 1
    assert worker.run_until_idle() == 0

    assert runs == [({"score": 0.8}, 1, "send_score")]
    job = stored_job(job_id)
    assert (job.status, job.attempts, job.locked_by, as_utc(job.finished_at)) == (
        Job.SUCCEEDED, 1, None, clock.now(),
    )


def test_a_job_does_not_run_before_its_time(app, registry, worker, clock):
    runs = []
    registry.handler("send_score")(lambda payload, job: runs.append(job.id))
    enqueue("send_score", {}, run_at=clock.now() + timedelta(minutes=5))

    assert worker.run_until_idle() == 0
    clock.advance(minutes=5)
    assert worker.run_until_idle() == 1


def test_due_jobs_run_oldest_first(app, registry, worker, clock):
    runs = []
    registry.handler("send_score")(lambda payload, job: runs.append(payload["order"]))
    enqueue("send_score", {"order": 2}, run_at=clock.now() - timedelta(minutes=1))
    enqueue("send_score", {"order": 3})
    enqueue("send_score", {"order": 1}, run_at=clock.now() - timedelta(minutes=2))

    worker.run_until_idle()
    assert runs == [1, 2, 3]


def test_the_handlers_writes_commit_with_its_success(app, registry, worker):
    registry.handler("remember")(lambda payload, job: shared_cache().set("remembered", payload["value"]))
    enqueue("remember", {"value": 42})

    worker.run_until_idle()
    assert shared_cache().get("remembered") == 42


def test_a_failed_attempts_writes_are_rolled_back(app, registry, worker):
    @registry.handler("remember_then_fail")
    def remember_then_fail(payload, job):
        shared_cache().set("remembered", "half-done")
        raise PlatformUnavailable("502 from the platform")

    enqueue("remember_then_fail", {})
    worker.run_until_idle()
    assert shared_cache().get("remembered") is None


def test_a_failed_job_is_retried_after_the_backoff(app, registry, make_worker, clock, stored_job):
    attempts = []

    @registry.handler("send_score")
    def fail_twice(payload, job):
        attempts.append(job.attempt)
        if job.attempt < 3:
            raise PlatformUnavailable("502 from the platform")

    worker = make_worker(seed=7)
    expected_rng = random.Random(7)
    job_id = enqueue("send_score", {})

    for attempt in (1, 2):
        started = clock.now()
        assert worker.run_until_idle() == 1
        job = stored_job(job_id)
        delay = retry_delay(attempt, base=10, cap=3600, rng=expected_rng)
        assert (job.status, job.attempts, job.last_error) == (
            Job.FAILED, attempt, "PlatformUnavailable: 502 from the platform",
        )
        assert as_utc(job.next_attempt_at) == started + delay
        clock.advance(seconds=delay.total_seconds(), microseconds=-1)
        assert worker.run_until_idle() == 0
        clock.advance(microseconds=1)

    assert worker.run_until_idle() == 1
    assert attempts == [1, 2, 3]
    assert stored_job(job_id).status == Job.SUCCEEDED


def test_a_job_gives_up_after_its_last_attempt(app, registry, worker, clock, stored_job):
    @registry.handler("send_score")
    def always_times_out(payload, job):
        raise PlatformUnavailable("timeout")

    job_id = enqueue("send_score", {}, max_attempts=3)

    for _ in range(3):
        clock.advance(hours=2)  # past any backoff
        worker.run_until_idle()

    job = stored_job(job_id)
    assert (job.status, job.attempts, job.last_error) == (Job.DEAD, 3, "PlatformUnavailable: timeout")
    assert as_utc(job.finished_at) == clock.now()
    clock.advance(days=1)
    assert worker.run_until_idle() == 0


def test_a_permanent_error_gives_up_at_once(app, registry, worker, stored_job):
    @registry.handler("send_score")
    def refused(payload, job):
        raise PermanentJobError("400: line item not found")

    job_id = enqueue("send_score", {})
    worker.run_until_idle()

    job = stored_job(job_id)
    assert (job.status, job.attempts, job.last_error) == (
        Job.DEAD, 1, "PermanentJobError: 400: line item not found",
    )


def test_retry_later_sets_the_delay_the_handler_chose(app, registry, worker, clock, stored_job):
    @registry.handler("send_score")
    def rate_limited(payload, job):
        raise RetryLater("429 with Retry-After: 120", after=timedelta(seconds=120))

    job_id = enqueue("send_score", {})
    worker.run_until_idle()

    job = stored_job(job_id)
    assert (job.status, as_utc(job.next_attempt_at)) == (Job.FAILED, clock.now() + timedelta(seconds=120))


def test_a_job_of_an_unknown_kind_is_dead_with_the_reason(app, worker, stored_job):
    job_id = enqueue("no_such_kind", {})
    worker.run_until_idle()

    job = stored_job(job_id)
    assert job.status == Job.DEAD
    assert job.last_error == "No handler is registered for job kind 'no_such_kind'."


def test_a_job_whose_worker_died_is_reclaimed_after_the_lease(app, registry, make_worker, clock, stored_job):
    runs = []
    registry.handler("send_score")(lambda payload, job: runs.append(job.attempt))
    job_id = enqueue("send_score", {})
    make_worker("dies-mid-job").claim(clock.now())
    other = make_worker("survivor")

    clock.advance(seconds=599)
    assert other.run_until_idle() == 0
    clock.advance(seconds=1)
    assert other.run_until_idle() == 1

    job = stored_job(job_id)
    assert runs == [2]
    assert (job.status, job.attempts) == (Job.SUCCEEDED, 2)
    assert job.last_error.startswith("Still running after its 600 s lease")


def test_a_lost_job_on_its_last_attempt_is_dead(app, registry, make_worker, clock, stored_job):
    registry.handler("send_score")(lambda payload, job: None)
    job_id = enqueue("send_score", {}, max_attempts=1)
    make_worker("dies-mid-job").claim(clock.now())

    clock.advance(minutes=10)
    assert make_worker("survivor").run_until_idle() == 0
    assert stored_job(job_id).status == Job.DEAD


def test_a_worker_that_outlived_its_lease_does_not_record_its_outcome(app, registry, make_worker, clock, stored_job):
    registry.handler("remember")(lambda payload, job: shared_cache().set("remembered", "late"))
    job_id = enqueue("remember", {})
    slow = make_worker("slow")
    job = slow.claim(clock.now())
    clock.advance(minutes=10)
    make_worker("survivor").reclaim_stale(clock.now())

    slow.run(job)

    assert shared_cache().get("remembered") is None
    assert stored_job(job_id).status == Job.FAILED  # to be run again by whichever worker claims it


def test_the_worker_stops_after_the_job_in_hand_when_asked(app, registry, worker, stored_job):
    stop = threading.Event()
    registry.handler("stop_signal_arrives")(lambda payload, job: stop.set())
    first = enqueue("stop_signal_arrives", {})
    second = enqueue("stop_signal_arrives", {})

    worker.run_forever(stop, poll_interval=0)

    assert (stored_job(first).status, stored_job(second).status) == (Job.SUCCEEDED, Job.QUEUED)


def test_a_stopping_worker_gives_back_the_next_job_it_had_claimed_uncounted(app, registry, worker, stored_job):
    stop = threading.Event()
    registry.handler("stop_signal_arrives")(lambda payload, job: stop.set())
    enqueue("stop_signal_arrives", {})
    second = enqueue("stop_signal_arrives", {})

    worker.run_forever(stop, poll_interval=0)

    job = stored_job(second)
    assert (job.status, job.attempts, job.locked_by, job.locked_at) == (Job.QUEUED, 0, None, None)
