"""Queueing: a job is a row in the caller's transaction, due now or at run_at, deduplicated by unique_key."""
from datetime import timedelta

import pytest

from app.clock import as_utc
from app.extensions import db
from app.jobs.models import Job
from app.jobs.services import enqueue
from app.tenancy.models import Organisation

pytestmark = pytest.mark.sqlite


def test_an_enqueued_job_is_queued_and_due_now(app, clock, stored_job):
    job = stored_job(enqueue("send_score", {"launch": "abc"}))
    assert (job.kind, job.payload, job.status, job.attempts) == ("send_score", {"launch": "abc"}, Job.QUEUED, 0)
    assert as_utc(job.next_attempt_at) == clock.now()
    assert as_utc(job.created_at) == clock.now()
    assert job.max_attempts == Job.DEFAULT_MAX_ATTEMPTS


def test_a_job_keeps_its_organisation_run_time_and_attempt_limit(app, clock, stored_job):
    organisation = Organisation(name="Riverside College")
    db.session.add(organisation)
    db.session.flush()
    run_at = clock.now() + timedelta(hours=1)
    job = stored_job(
        enqueue("send_score", {}, organisation_id=organisation.id, run_at=run_at, max_attempts=3)
    )
    assert (job.organisation_id, as_utc(job.next_attempt_at), job.max_attempts) == (organisation.id, run_at, 3)


def test_a_second_job_with_the_same_unique_key_is_not_queued(app):
    first = enqueue("issue_badge", {"award": 1}, unique_key="award:1")
    assert first is not None
    assert enqueue("issue_badge", {"award": 1}, unique_key="award:1") is None
    assert db.session.query(Job).filter_by(unique_key="award:1").count() == 1


def test_jobs_without_a_unique_key_are_never_deduplicated(app):
    assert enqueue("send_score", {}) != enqueue("send_score", {})


def test_a_job_enqueued_in_a_transaction_that_rolls_back_does_not_exist(app):
    request = db.session.begin_nested()
    job_id = enqueue("send_score", {})
    request.rollback()
    assert db.session.get(Job, job_id) is None
