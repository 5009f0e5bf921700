"""Periodic jobs: queued once per slot, however many workers are polling."""
from datetime import timedelta

import pytest

from app.extensions import db
from app.jobs.models import Job

pytestmark = pytest.mark.sqlite


def periodic_jobs() -> list[str]:
    return [key for (key,) in db.session.query(Job.unique_key).order_by(Job.id)]


def test_a_periodic_job_is_queued_once_per_slot_by_two_workers(app, registry, make_worker, clock):
    registry.add_periodic("refresh_key_sets", every=timedelta(minutes=10))
    first, second = make_worker("worker-1"), make_worker("worker-2")
    slot = int(clock.now().timestamp() // 600)

    assert first.schedule_periodic(clock.now()) == 1
    assert second.schedule_periodic(clock.now()) == 0
    clock.advance(minutes=9, seconds=59)
    assert first.schedule_periodic(clock.now()) + second.schedule_periodic(clock.now()) == 0
    clock.advance(seconds=1)
    assert second.schedule_periodic(clock.now()) + first.schedule_periodic(clock.now()) == 1

    assert periodic_jobs() == [f"periodic:refresh_key_sets:{slot}", f"periodic:refresh_key_sets:{slot + 1}"]


def test_a_periodic_job_runs_with_its_payload(app, registry, worker):
    runs = []
    registry.add_periodic("refresh_key_sets", every=timedelta(hours=1), payload={"stale_only": True})
    registry.handler("refresh_key_sets")(lambda payload, job: runs.append(payload))

    assert worker.run_until_idle() == 1
    assert runs == [{"stale_only": True}]


def test_registering_one_kind_twice_alike_is_harmless_but_differently_is_refused(registry):
    registry.add_periodic("refresh_key_sets", every=timedelta(hours=1))
    registry.add_periodic("refresh_key_sets", every=timedelta(hours=1))
    with pytest.raises(ValueError, match="refresh_key_sets"):
        registry.add_periodic("refresh_key_sets", every=timedelta(minutes=5))


def test_two_handlers_for_one_kind_are_refused(registry):
    registry.handler("send_score")(lambda payload, job: None)
    with pytest.raises(ValueError, match="send_score"):
        registry.handler("send_score")(lambda payload, job: None)
