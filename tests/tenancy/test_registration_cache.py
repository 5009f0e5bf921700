"""Each process keeps the registrations and LMS sites that logins and launches read, and never a stale one.

A login reads its registration, a launch its registration and LMS site: the widest rows of a launch. A process
keeps them, checked against a version in the shared cache that any commit writing a registration or a site
replaces, so that disabling a registration or moving a site to another organisation holds from the next launch on,
in every process (app/tenancy/registration_cache.py).
"""
import contextlib
import time

import pytest
import redis
from sqlalchemy import text, update

from app.extensions import db
from app.shared_cache import RedisCache
from app.tenancy import registration_cache
from app.tenancy.models import Deployment, Organisation, Registration
from app.tenancy.services import find_registration_with_deployment, registration_for_login
from tests.support.factories import make_world
from tests.support.queries import counted_queries

pytestmark = pytest.mark.sqlite

@pytest.fixture
def world(app):
    world = make_world()
    db.session.commit()
    return world


@pytest.fixture(params=["database", "redis"])
def shared_cache_backend(request, app):
    """Both shared caches: the database (the version is replaced in the committing transaction) and Redis (after
    the commit)."""
    if request.param == "redis":
        request.getfixturevalue("on_redis")


@contextlib.contextmanager
def another_request(app):
    """A request of its own: its own session, as each request in a web process has."""
    with app.app_context():
        yield


def launch_lookup(world):
    return find_registration_with_deployment(
        world.registration.issuer, world.registration.client_id, world.deployment.deployment_id)


def statements_reading_registrations(statements) -> list[str]:
    return [statement for statement in statements if "FROM registrations" in statement]


def test_a_second_launch_reads_its_registration_and_site_with_no_statement(app, world, shared_cache_backend):
    with another_request(app):
        launch_lookup(world)

    with another_request(app), counted_queries() as statements:
        registration, deployment = launch_lookup(world)
        assert (registration.id, deployment.id) == (world.registration.id, world.deployment.id)
        assert statements_reading_registrations(statements) == []
        # Objects of this request's session: its relationships load as if it had read them itself.
        assert registration in db.session and deployment in db.session
        assert deployment.organisation.name == world.organisation.name


def test_a_second_login_reads_its_registration_with_no_statement(app, world, shared_cache_backend):
    issuer, client_id = world.registration.issuer, world.registration.client_id
    with another_request(app):
        registration_for_login(issuer, client_id)

    with another_request(app), counted_queries() as statements:
        registration = registration_for_login(issuer, client_id)
        assert (registration.id, registration.auth_login_url) == (world.registration.id,
                                                                  world.registration.auth_login_url)
        assert statements_reading_registrations(statements) == []
        # A login only reads columns: its copy stays out of the session (nothing for the session to track or end).
        assert registration not in db.session


def test_disabling_a_registration_holds_from_the_next_launch_on(app, world, shared_cache_backend):
    with another_request(app):
        launch_lookup(world)
    with another_request(app):  # the administrator's request
        db.session.get(Registration, world.registration.id).status = Registration.DISABLED
        db.session.commit()

    with another_request(app):
        registration, _ = launch_lookup(world)
        assert registration.status == Registration.DISABLED


def test_moving_a_site_to_another_organisation_holds_from_the_next_launch_on(app, world, shared_cache_backend):
    other = Organisation(name="Other college")
    db.session.add(other)
    db.session.commit()
    with another_request(app):
        launch_lookup(world)
    with another_request(app):  # a bulk UPDATE through the session, as a move may be written
        db.session.execute(update(Deployment).where(Deployment.id == world.deployment.id)
                           .values(organisation_id=other.id))
        db.session.commit()

    with another_request(app):
        _, deployment = launch_lookup(world)
        assert deployment.organisation_id == other.id


def test_a_change_rolled_back_keeps_the_copy(app, world, shared_cache_backend):
    with another_request(app):
        launch_lookup(world)
    with another_request(app):
        db.session.get(Deployment, world.deployment.id).status = Deployment.DISABLED
        db.session.flush()
        db.session.rollback()

    with another_request(app), counted_queries() as statements:
        _, deployment = launch_lookup(world)
        assert deployment.status == Deployment.ACTIVE
        assert statements_reading_registrations(statements) == []


def test_a_change_made_in_sql_outside_the_tool_holds_within_the_configured_seconds(app, world, monkeypatch):
    with another_request(app):
        launch_lookup(world)
    db.session.connection().execute(text("UPDATE registrations SET status = 'disabled' WHERE id = :id"),
                                    {"id": world.registration.id})
    with another_request(app):
        assert launch_lookup(world)[0].status == Registration.ACTIVE  # nothing told this process yet

    later = time.monotonic() + app.config["REGISTRATION_CACHE_SECONDS"] + 1
    monkeypatch.setattr(registration_cache.time, "monotonic", lambda: later)
    with another_request(app):
        assert launch_lookup(world)[0].status == Registration.DISABLED


def test_a_lost_version_means_reading_again(app, world, shared_cache_backend):
    """Redis may lose the version (a restart, an eviction): a copy is then never trusted."""
    with another_request(app):
        launch_lookup(world)
    app.extensions["shared_cache"].delete(registration_cache.VERSION_KEY)

    with another_request(app), counted_queries() as statements:
        launch_lookup(world)
        assert len(statements_reading_registrations(statements)) == 1


def test_an_unknown_lms_or_a_new_site_is_read_every_time(app, world):
    """Only lookups that found their rows are kept: a registration or site created later is found at once."""
    issuer, client_id = world.registration.issuer, world.registration.client_id
    for _ in range(2):
        with another_request(app), counted_queries() as statements:
            assert find_registration_with_deployment(issuer, client_id, "a-site-not-seen-yet")[1] is None
            assert registration_for_login("https://unknown.example", "nobody") is None
            assert len(statements_reading_registrations(statements)) == 2


def test_with_the_shared_cache_out_of_reach_the_rows_are_read(app, world):
    app.extensions["shared_cache"] = RedisCache(redis.Redis.from_url("redis://127.0.0.1:9/0"), "unreachable:")

    with another_request(app):
        registration, deployment = launch_lookup(world)
        assert (registration.id, deployment.id) == (world.registration.id, world.deployment.id)
