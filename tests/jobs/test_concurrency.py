"""Several workers on one queue, each with its own connection, as in separate processes."""
import threading

import pytest

from app.extensions import db
from app.jobs.models import Job
from app.jobs.registry import JobRegistry
from app.jobs.runner import Worker
from app.jobs.services import enqueue

pytestmark = pytest.mark.sqlite


def run_workers(app, registry: JobRegistry, count: int) -> None:
    start = threading.Barrier(count)
    errors = []

    def work(worker_id: str):
        with app.app_context():
            try:
                worker = Worker(worker_id=worker_id, registry=registry)
                start.wait()
                worker.run_until_idle()
            except Exception as error:  # reported below: a thread's exception would otherwise vanish
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_each_job_is_claimed_by_one_worker_only(committed_app):
    registry = JobRegistry()
    runs, lock = [], threading.Lock()

    @registry.handler("send_score")
    def record_run(payload, job):
        with lock:
            runs.append(payload["n"])

    for n in range(40):
        enqueue("send_score", {"n": n})
    db.session.commit()

    run_workers(committed_app, registry, count=4)

    assert sorted(runs) == list(range(40))
    assert db.session.query(Job).filter(Job.status != Job.SUCCEEDED).count() == 0
