"""Job-runner worlds: a registry of test handlers of its own, and workers with seeded randomness."""
import random

import pytest

from app.extensions import db
from app.jobs.models import Job
from app.jobs.registry import JobRegistry
from app.jobs.runner import Worker


@pytest.fixture
def registry():
    """Handlers registered here stay out of the app's own registry."""
    return JobRegistry()


@pytest.fixture
def make_worker(registry):
    def make(worker_id: str = "worker-1", seed: int = 1) -> Worker:
        return Worker(worker_id=worker_id, registry=registry, rng=random.Random(seed))

    return make


@pytest.fixture
def worker(app, make_worker):
    return make_worker()


@pytest.fixture
def stored_job(app):
    """Read a job as stored now (the worker updates rows behind the session's back)."""

    def read(job_id: int) -> Job:
        return db.session.get(Job, job_id, populate_existing=True)

    return read
