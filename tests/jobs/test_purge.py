"""The periodic purge of expired launch data: the shared cache's expired entries and each registered purge."""
from datetime import timedelta

import pytest

from app.jobs import purge
from app.jobs.models import Job
from app.jobs.purge import PURGE_EXPIRED_LAUNCH_DATA, register_purge
from app.jobs.registry import registry
from app.jobs.runner import Worker
from app.jobs.services import enqueue
from app.shared_cache import shared_cache

pytestmark = pytest.mark.sqlite


@pytest.fixture
def purges(monkeypatch):
    """The registered purges, empty for the test and restored afterwards."""
    monkeypatch.setattr(purge, "purges", [])
    return purge.purges


def test_the_purge_runs_every_ten_minutes():
    assert registry.periodic[PURGE_EXPIRED_LAUNCH_DATA].every == timedelta(minutes=10)


def test_the_purge_removes_expired_cache_entries_only(app, clock, purges, stored_job):
    cache = shared_cache()
    cache.set("nonce:expired", 1, ttl=60)
    cache.set("nonce:live", 2, ttl=600)
    cache.set("key-set", 3)
    clock.advance(seconds=60)

    job_id = enqueue(PURGE_EXPIRED_LAUNCH_DATA, {})
    Worker().run_until_idle()

    assert stored_job(job_id).status == Job.SUCCEEDED
    clock.advance(days=-1)  # back in time: a purged entry is gone, not merely expired
    assert [cache.get(key) for key in ("nonce:expired", "nonce:live", "key-set")] == [None, 2, 3]


def test_the_purge_calls_each_registered_purge_with_the_time(app, clock, purges):
    calls = []

    def purge_login_states(now):
        calls.append(now)
        return 0

    register_purge(purge_login_states)
    register_purge(purge_login_states)

    Worker().run_until_idle()  # the periodic slot's purge is due at once
    assert calls == [clock.now()]
