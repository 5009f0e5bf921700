"""The shared cache: one behaviour on both backends (database and Redis), expiry, and atomic add."""
import secrets
import threading

import pytest
import redis
from flask import Flask

from app.extensions import db
from app.shared_cache import (
    DatabaseCache,
    RedisCache,
    init_shared_cache,
    replace_version_at_commit,
    shared_cache,
    version_of,
)

REDIS_URL = "redis://127.0.0.1:6379/0"

pytestmark = pytest.mark.sqlite


@pytest.fixture
def redis_cache():
    """A Redis-backed cache under a prefix of its own, emptied afterwards."""
    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"rexvet-test-{secrets.token_hex(6)}:"
    yield RedisCache(client, prefix)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def database_cache(app):
    return shared_cache()


@pytest.fixture(params=["database", "redis"])
def cache(request):
    return request.getfixturevalue(f"{request.param}_cache")


def test_the_app_uses_the_database_cache_by_default(app):
    assert isinstance(shared_cache(), DatabaseCache)


def test_a_redis_url_selects_the_redis_cache():
    app = Flask(__name__)
    app.config.update(SHARED_CACHE_URL=REDIS_URL, SHARED_CACHE_PREFIX="rexvet:")
    init_shared_cache(app)
    assert isinstance(app.extensions["shared_cache"], RedisCache)


def test_an_unknown_cache_url_is_refused_at_startup():
    app = Flask(__name__)
    app.config.update(SHARED_CACHE_URL="memcached://127.0.0.1", SHARED_CACHE_PREFIX="rexvet:")
    with pytest.raises(ValueError, match="SHARED_CACHE_URL"):
        init_shared_cache(app)


def test_a_stored_value_reads_back_as_the_same_json(cache):
    value = {"keys": [{"kid": "k1", "n": "abc"}], "count": 2, "ok": True}
    cache.set("jwks:https://lms.example", value, ttl=60)
    assert cache.get("jwks:https://lms.example") == value


def test_a_missing_key_reads_as_none(cache):
    assert cache.get("never-stored") is None


def test_set_replaces_the_value(cache):
    cache.set("token", "first", ttl=60)
    cache.set("token", "second", ttl=60)
    assert cache.get("token") == "second"


def test_add_stores_a_key_only_once(cache):
    assert cache.add("nonce:n-1", 1, ttl=60) is True
    assert cache.add("nonce:n-1", 2, ttl=60) is False
    assert cache.get("nonce:n-1") == 1


def test_delete_removes_the_entry_and_ignores_a_missing_one(cache):
    cache.set("token", "value")
    cache.delete("token")
    cache.delete("token")
    assert cache.get("token") is None
    assert cache.add("token", "again") is True


def test_a_database_entry_reads_as_missing_once_its_ttl_has_passed(database_cache, clock):
    database_cache.set("token", "value", ttl=60)
    clock.advance(seconds=59)
    assert database_cache.get("token") == "value"
    clock.advance(seconds=1)
    assert database_cache.get("token") is None


def test_a_database_entry_without_ttl_never_expires(database_cache, clock):
    database_cache.add("key-set", {"keys": []})
    clock.advance(days=365)
    assert database_cache.get("key-set") == {"keys": []}
    assert database_cache.add("key-set", {"keys": ["new"]}) is False


def test_add_takes_over_an_expired_database_entry_with_the_new_ttl(database_cache, clock):
    database_cache.add("nonce:n-1", "old", ttl=60)
    clock.advance(seconds=60)
    assert database_cache.add("nonce:n-1", "new", ttl=30) is True
    assert database_cache.get("nonce:n-1") == "new"
    clock.advance(seconds=30)
    assert database_cache.get("nonce:n-1") is None


def test_set_without_ttl_clears_an_earlier_database_expiry(database_cache, clock):
    database_cache.set("token", "short-lived", ttl=60)
    database_cache.set("token", "kept")
    clock.advance(seconds=61)
    assert database_cache.get("token") == "kept"


def test_purge_expired_removes_only_expired_database_entries(database_cache, clock):
    database_cache.set("expired", 1, ttl=60)
    database_cache.set("live", 2, ttl=600)
    database_cache.set("forever", 3)
    clock.advance(seconds=60)
    assert database_cache.purge_expired() == 1
    clock.advance(days=-1)  # back in time: a purged entry is gone, not merely expired
    assert [database_cache.get(key) for key in ("expired", "live", "forever")] == [None, 2, 3]


def test_a_nonce_added_by_a_transaction_that_rolls_back_is_not_consumed(database_cache):
    launch = db.session.begin_nested()
    assert database_cache.add("nonce:n-1", 1, ttl=60) is True
    launch.rollback()
    assert database_cache.add("nonce:n-1", 1, ttl=60) is True


def test_redis_entries_expire_after_their_ttl(redis_cache):
    redis_cache.set("token", "value", ttl=60)
    redis_cache.add("nonce:n-1", 1, ttl=30)
    assert 59_000 < redis_cache.client.pttl(redis_cache.prefix + "token") <= 60_000
    assert 29_000 < redis_cache.client.pttl(redis_cache.prefix + "nonce:n-1") <= 30_000


def test_set_without_ttl_clears_an_earlier_redis_expiry(redis_cache):
    redis_cache.set("token", "short-lived", ttl=60)
    redis_cache.set("token", "kept")
    assert redis_cache.client.pttl(redis_cache.prefix + "token") == -1  # no expiry


def test_redis_keys_carry_the_configured_prefix(redis_cache):
    redis_cache.set("token", "value")
    assert redis_cache.client.exists(redis_cache.prefix + "token") == 1


def test_redis_has_nothing_to_purge(redis_cache):
    assert redis_cache.purge_expired() == 0


@pytest.mark.parametrize("contenders", [2, 8])
def test_concurrent_adds_of_one_nonce_store_it_once(committed_app, contenders):
    """Each contender is its own session and transaction, as in separate worker processes."""
    start = threading.Barrier(contenders)
    results = []

    def contend():
        with committed_app.app_context():
            start.wait()
            results.append(shared_cache().add("nonce:replayed", "launch", ttl=60))
            db.session.commit()

    threads = [threading.Thread(target=contend) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * (contenders - 1) + [True]


# --- versions replaced at the commit of what they stand for (report figures, registrations) ----------------------


@pytest.fixture(params=["database", "redis"])
def either_backend(request, app):
    """The app's shared cache, as the embedded default (database) or as production has it (Redis)."""
    if request.param == "redis":
        request.getfixturevalue("on_redis")
    return request.param


def test_a_version_is_replaced_when_the_transaction_commits(app, either_backend):
    before = version_of("things:version")

    replace_version_at_commit("things:version")
    assert version_of("things:version") == before
    db.session.commit()

    assert version_of("things:version") != before


def test_a_version_marked_by_a_transaction_that_rolls_back_stays(app, either_backend):
    before = version_of("things:version")
    db.session.commit()

    replace_version_at_commit("things:version")
    db.session.rollback()
    db.session.commit()

    assert version_of("things:version") == before


def test_redis_out_of_reach_after_the_commit_is_logged_and_the_commit_stands(app, on_redis, monkeypatch, caplog):
    version_of("things:version")

    def unreachable(*args, **kwargs):
        raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(shared_cache(), "set", unreachable)
    replace_version_at_commit("things:version")
    db.session.commit()  # no exception: the writes are committed, the request answers as saved

    assert "could not replace the version under 'things:version'" in caplog.text


def test_a_savepoint_rolled_back_keeps_the_enclosing_transactions_mark(app, either_backend):
    before = version_of("things:version")
    db.session.commit()

    replace_version_at_commit("things:version")
    db.session.begin_nested().rollback()
    db.session.commit()

    assert version_of("things:version") != before
