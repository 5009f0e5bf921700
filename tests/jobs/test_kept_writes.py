"""One commit per job, in the runner: a failed handler's writes are rolled back, unless its error keeps them
(a failure's reason on the row it failed), and then they commit with the job's outcome."""
from datetime import timedelta

import pytest

from app.jobs.exceptions import PermanentJobError, RetryLater
from app.jobs.models import Job
from app.jobs.services import enqueue
from app.shared_cache import shared_cache

pytestmark = pytest.mark.sqlite


@pytest.mark.parametrize("error", [PermanentJobError("400: refused"), RetryLater("429", after=timedelta(minutes=2))])
def test_a_failed_handler_s_writes_are_rolled_back_unless_its_error_keeps_them(app, registry, worker, error):
    @registry.handler("note_then_fail")
    def note_then_fail(payload, job):
        shared_cache().set("note", "why it failed")
        raise error

    enqueue("note_then_fail", {})
    worker.run_until_idle()
    assert shared_cache().get("note") is None


@pytest.mark.parametrize("error, status", [
    (PermanentJobError("400: refused", keep_writes=True), Job.DEAD),
    (RetryLater("429", after=timedelta(minutes=2), keep_writes=True), Job.FAILED),
])
def test_writes_an_error_keeps_commit_with_the_job_s_outcome(app, registry, worker, stored_job, error, status):
    @registry.handler("note_then_fail")
    def note_then_fail(payload, job):
        shared_cache().set("note", "why it failed")
        raise error

    job_id = enqueue("note_then_fail", {})
    worker.run_until_idle()
    assert shared_cache().get("note") == "why it failed"
    assert stored_job(job_id).status == status
