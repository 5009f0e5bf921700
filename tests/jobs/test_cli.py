"""`flask worker --once`: runs what is due, then exits."""
import re

import pytest

from app.jobs.models import Job
from app.jobs.purge import PURGE_EXPIRED_LAUNCH_DATA
from app.jobs.services import enqueue

pytestmark = pytest.mark.sqlite


def test_worker_once_runs_the_due_jobs_and_exits(app, runner, stored_job):
    job_id = enqueue(PURGE_EXPIRED_LAUNCH_DATA, {})

    result = runner.invoke(args=["worker", "--once", "--worker-id", "cli-test"])

    assert result.exit_code == 0, result.output
    assert re.search(r"Ran \d+ job\(s\)\.", result.output)
    assert stored_job(job_id).status == Job.SUCCEEDED
