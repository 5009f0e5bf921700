"""One LMS cannot take every thread of a worker: at most JOB_REGISTRATION_CONCURRENCY jobs of one registration run
at once in a `flask worker`; the other threads take other registrations' jobs, even when those were queued later."""
import threading
import time

import pytest

from app.extensions import db
from app.jobs.models import Job
from app.jobs.registry import JobRegistry
from app.jobs.runner import Worker
from app.jobs.services import enqueue
from tests.support.factories import make_world
from tests.support.jobs import run_in_background


def test_a_worker_runs_at_most_the_limit_of_one_registration_and_takes_another_registrations_job(committed_app):
    committed_app.config["JOB_REGISTRATION_CONCURRENCY"] = 2
    slow, other = make_world("Slow LMS college"), make_world("Other college")
    registry, release, lock = JobRegistry(), threading.Event(), threading.Lock()
    running, most_at_once, other_done = {"slow": 0}, {"slow": 0}, threading.Event()

    def hang(payload, job):  # an LMS that does not answer until the test lets it
        with lock:
            running["slow"] += 1
            most_at_once["slow"] = max(most_at_once["slow"], running["slow"])
        release.wait(30)
        with lock:
            running["slow"] -= 1

    registry.handler("slow")(hang)
    registry.handler("other")(lambda payload, job: other_done.set())
    slow_jobs = [enqueue("slow", {}, registration_id=slow.registration.id) for _ in range(6)]
    time.sleep(0.01)
    enqueue("other", {}, registration_id=other.registration.id)  # queued last: without the limit, it waits
    db.session.commit()

    stop, runner, raised = run_in_background(committed_app, registry, threads=4)
    try:
        assert other_done.wait(10), "the other registration's job waited behind the slow one's"
        time.sleep(0.3)  # the free threads keep polling: still no third slow job may start
        assert most_at_once["slow"] == 2
    finally:
        release.set()
        stop.set()
        runner.join(30)

    db.session.expire_all()
    assert raised == []
    assert {db.session.get(Job, job_id).status for job_id in slow_jobs} <= {Job.SUCCEEDED, Job.QUEUED}


def test_jobs_of_no_registration_are_not_limited(committed_app):
    committed_app.config["JOB_REGISTRATION_CONCURRENCY"] = 1
    registry = JobRegistry()
    all_running = threading.Barrier(4, timeout=20)  # three jobs and this test
    registry.handler("meet")(lambda payload, job: all_running.wait())
    for _ in range(3):
        enqueue("meet", {})
    db.session.commit()

    stop, runner, raised = run_in_background(committed_app, registry, threads=3)
    try:
        all_running.wait()
    finally:
        stop.set()
        runner.join(30)
    assert raised == []


@pytest.mark.sqlite
def test_a_limit_below_one_is_refused_when_the_worker_starts(app):
    app.config["JOB_REGISTRATION_CONCURRENCY"] = 0

    with pytest.raises(ValueError, match="JOB_REGISTRATION_CONCURRENCY must be a whole number of at least 1, not 0"):
        Worker(worker_id="test")
