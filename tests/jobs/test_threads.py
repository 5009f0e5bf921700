"""`flask worker` runs several jobs at once, one per thread, each thread with its own connection."""
import threading

import pytest

from app.extensions import db
from app.jobs.models import Job
from app.jobs.registry import JobRegistry
from app.jobs.runner import worker_threads
from app.jobs.services import enqueue
from tests.support.jobs import run_in_background

pytestmark = pytest.mark.sqlite


def test_a_worker_runs_as_many_jobs_at_once_as_it_has_threads(committed_app):
    registry = JobRegistry()
    both_running = threading.Barrier(3, timeout=20)  # the two jobs and this test
    # Each job waits for the other: they succeed only if two run at the same time.
    registry.handler("meet")(lambda payload, job: both_running.wait())
    first, second = enqueue("meet", {}), enqueue("meet", {})
    db.session.commit()

    stop, runner, raised = run_in_background(committed_app, registry, threads=2)
    try:
        both_running.wait()
    finally:
        stop.set()
        runner.join(30)

    db.session.expire_all()
    assert raised == []
    assert {db.session.get(Job, job_id).status for job_id in (first, second)} == {Job.SUCCEEDED}


def test_a_thread_failing_outside_any_job_stops_the_whole_worker_with_its_error(committed_app):
    class BrokenRegistry(JobRegistry):
        def handler_for(self, kind):
            raise RuntimeError("the registry broke")

    enqueue("anything", {})
    db.session.commit()

    stop, runner, raised = run_in_background(committed_app, BrokenRegistry(), threads=3)
    runner.join(30)

    assert not runner.is_alive() and stop.is_set()
    assert [str(error) for error in raised] == ["the registry broke"]


def test_sqlite_gets_one_thread_and_postgresql_the_configured_number(committed_app):
    committed_app.config["JOB_WORKER_THREADS"] = 6

    expected = 1 if db.engine.dialect.name == "sqlite" else 6
    assert worker_threads(committed_app) == expected
