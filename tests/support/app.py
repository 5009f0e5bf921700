"""The tool under test: a database per run (PostgreSQL by default, SQLite with TEST_DB=sqlite), built once from
the migrations; the app built once per session, each in-process test inside a transaction that is rolled back,
with the app's config, extensions, clock and rate-limit counters put back afterwards."""
import contextvars
import os
import secrets
import shutil
import time
import uuid

import pytest
import redis
import sqlalchemy as sa
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession

from app import create_app
from app.clock import FrozenClock
from app.config import TestConfig
from app.extensions import db
from app.rate_limits import rate_limits
from app.shared_cache import RedisCache

BACKEND = os.environ.get("TEST_DB", "postgresql")
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _postgres_url(database: str) -> str:
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


def migrate(url: str) -> None:
    """Bring the database at url to the newest migration."""
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, config=TestConfig())
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """One database for the whole run, created from a migrated template and dropped at the end."""
    if BACKEND == "sqlite":
        template = tmp_path_factory.mktemp("db") / "template.sqlite"
        migrate(f"sqlite:///{template}")
        yield f"sqlite:///{template}"
        return
    run = uuid.uuid4().hex[:8]
    template, database = f"rexvet_template_{run}", f"rexvet_test_{run}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{template}"'))
    migrate(_postgres_url(template))
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{database}" TEMPLATE "{template}"'))
    yield _postgres_url(database)
    with admin.connect() as connection:
        for name in (database, template):
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def test_database_url(database_url, tmp_path):
    """SQLite: each test gets its own copy of the migrated file; PostgreSQL: the run's database."""
    if BACKEND == "sqlite":
        copy = tmp_path / "test.sqlite"
        shutil.copy(database_url.removeprefix("sqlite:///"), copy)
        return f"sqlite:///{copy}"
    return database_url


def use_real_savepoints(engine) -> None:
    """pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN (its documented recipe)."""

    @sa.event.listens_for(engine, "connect")
    def do_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def do_begin(connection):
        connection.exec_driver_sql("BEGIN")


class ConnectionBoundSession(FlaskSession):
    """Flask-SQLAlchemy picks the engine per table; in a rolled-back test everything must use one connection."""

    def get_bind(self, *args, **kwargs):
        return self.bind


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (so its own `g`), as in production, even while the test holds one.

    After `sign_in`, every request carries the launch's token, as the pages of a launch do.
    """

    launch_token = None

    def open(self, *args, **kwargs):
        if self.launch_token and args and isinstance(args[0], str):
            separator = "&" if "?" in args[0] else "?"
            args = (f"{args[0]}{separator}launch_token={self.launch_token}", *args[1:])

        def run():
            _cv_app.set(None)
            return super(IsolatedClient, self).open(*args, **kwargs)

        response = contextvars.copy_context().run(run)
        db.session.expire_all()  # the test's own session must re-read what the request changed
        return response


def make_app(url: str, **overrides):
    """A new tool on the database at url, its test client an IsolatedClient."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, **overrides}, config=TestConfig())
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def clock():
    return FrozenClock()


class SessionApp:
    """The app built once per run (create_app costs 0.1–0.8 s), and what it looked like when built.

    On SQLite the app's database is one file that each test gets as a fresh copy of the migrated template.
    """

    def __init__(self, app, sqlite_file=None, template=None):
        self.app, self.sqlite_file, self.template = app, sqlite_file, template
        self.config = dict(app.config)
        self.extensions = dict(app.extensions)

    def restore(self) -> None:
        """Put back the config and extensions (clock, path model, catalogues, adapters) a test may have changed."""
        self.app.config.clear()
        self.app.config.update(self.config)
        self.app.extensions.clear()
        self.app.extensions.update(self.extensions)
        # A new app has just read the content version (time.monotonic(), not the clock): as if built for this test,
        # so no test's first request makes the check (its query would count in the tests that count queries).
        if "content_checked_at" in self.extensions:
            self.app.extensions["content_checked_at"] = time.monotonic()


@pytest.fixture(scope="session")
def session_app(database_url, tmp_path_factory):
    sqlite_file = template = None
    url = database_url
    if BACKEND == "sqlite":
        template = database_url.removeprefix("sqlite:///")
        sqlite_file = tmp_path_factory.mktemp("app") / "test.sqlite"
        shutil.copy(template, sqlite_file)
        url = f"sqlite:///{sqlite_file}"
    app = make_app(url)
    with app.app_context():
        if BACKEND == "sqlite":
            use_real_savepoints(db.engine)
    yield SessionApp(app, sqlite_file, template)
    with app.app_context():
        db.engine.dispose()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "own_app: the test adds routes to `app`, so it gets an app of its own, not the run's (slower)")


@pytest.fixture
def app(request, session_app, clock):
    """The tool, each test inside a transaction that is rolled back afterwards."""
    if request.node.get_closest_marker("own_app"):
        app = make_app(request.getfixturevalue("test_database_url"))
        yield from _in_rolled_back_transaction(app, clock, sqlite=BACKEND == "sqlite")
        with app.app_context():
            db.engine.dispose()
        return
    session_app.restore()
    if session_app.sqlite_file:
        with session_app.app.app_context():
            db.engine.dispose()
        shutil.copy(session_app.template, session_app.sqlite_file)
    try:
        yield from _in_rolled_back_transaction(session_app.app, clock)
    finally:
        session_app.restore()


def _in_rolled_back_transaction(app, clock, *, sqlite=False):
    app.extensions["clock"] = clock
    rate_limits.reset(app)  # memory:// counters: each test starts below every limit
    with app.app_context():
        if sqlite:
            use_real_savepoints(db.engine)
        connection = db.engine.connect()
        transaction = connection.begin()
        original_session = db.session
        db.session = db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": ConnectionBoundSession}
        )
        try:
            yield app
        finally:
            db.session.remove()
            db.session = original_session
            transaction.rollback()
            connection.close()
            rate_limits.reset(app)


@pytest.fixture
def committed_app(test_database_url, clock):
    """The tool with real commits, for tests with several threads or processes; tables are emptied afterwards.

    Built per test: live servers and worker threads hold it, and it must not share a pool with `app`."""
    app = make_app(test_database_url)
    app.extensions["clock"] = clock
    with app.app_context():
        yield app
        db.session.remove()
        truncate_all(db.engine)
        db.engine.dispose()


def truncate_all(engine) -> None:
    if engine.dialect.name != "postgresql":
        return  # SQLite tests each have their own file
    tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def client(app):
    """A browser on https, so the tool's Secure cookies round-trip."""
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    client.environ_base["HTTP_REFERER"] = "https://localhost/"  # Flask-WTF checks it on https
    return client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def on_redis(app):
    """The app with Redis as its shared cache (as in production), under a prefix of its own, emptied afterwards."""
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    prefix = f"rexvet-test-{secrets.token_hex(6)}:"
    database_cache = app.extensions["shared_cache"]
    app.extensions["shared_cache"] = RedisCache(client, prefix)
    yield
    app.extensions["shared_cache"] = database_cache
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()
