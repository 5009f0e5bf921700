"""A pooled database connection is checked with a ping before use only when it has lain idle: a request on a
connection used a moment ago costs no extra round trip, and a connection the database dropped while it lay idle is
replaced before any request meets it (app.extensions.ping_idle_connections)."""
import time

import pytest
import sqlalchemy as sa

from app.extensions import ping_idle_connections
from tests.support.app import BACKEND, POSTGRES_ADMIN_URL

pytestmark = pytest.mark.sqlite


@pytest.fixture
def engine(test_database_url):
    engine = sa.create_engine(test_database_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def count_pings(engine, monkeypatch) -> list:
    pings = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda connection: pings.append(1) or ping(connection))
    return pings


def query(engine):
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT 1")).scalar_one()


def test_a_connection_new_or_used_within_the_window_is_handed_out_without_a_ping(engine, monkeypatch):
    ping_idle_connections(engine, idle_seconds=60)
    pings = count_pings(engine, monkeypatch)

    for _ in range(3):
        assert query(engine) == 1

    assert pings == []


def test_a_connection_idle_longer_than_the_window_is_pinged_before_use(engine, monkeypatch):
    ping_idle_connections(engine, idle_seconds=0.05)
    pings = count_pings(engine, monkeypatch)
    query(engine)

    time.sleep(0.1)
    query(engine)

    assert pings == [1]


@pytest.mark.skipif(BACKEND == "sqlite", reason="a server that drops connections: PostgreSQL")
def test_a_connection_the_database_dropped_while_idle_is_replaced_and_the_request_succeeds(engine):
    ping_idle_connections(engine, idle_seconds=0.05)
    with engine.connect() as connection:
        dropped = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    terminate(dropped)
    time.sleep(0.1)

    with engine.connect() as connection:
        replacement = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()

    assert replacement != dropped


@pytest.mark.skipif(BACKEND == "sqlite", reason="a server that drops connections: PostgreSQL")
def test_within_the_window_a_dropped_connection_fails_one_request_and_the_pool_is_renewed(engine):
    """The trade against a ping per request: only a drop in the moment after a use reaches one request."""
    ping_idle_connections(engine, idle_seconds=60)
    with engine.connect() as connection:
        dropped = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    terminate(dropped)

    with pytest.raises(sa.exc.OperationalError) as failure:
        query(engine)

    assert failure.value.connection_invalidated
    assert query(engine) == 1


def terminate(backend_pid: int) -> None:
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend_pid})
        for _ in range(50):  # the backend leaves a moment after the signal
            if not connection.execute(sa.text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"),
                                      {"pid": backend_pid}).first():
                break
            time.sleep(0.02)
    admin.dispose()
