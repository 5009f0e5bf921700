"""Test worlds: a database per run (PostgreSQL by default, SQLite with TEST_DB=sqlite), built once from the
migrations, each in-process test rolled back; live servers for tests that need real HTTP."""
import contextvars
import os
import shutil
import uuid
from dataclasses import dataclass

import pytest
import requests
import sqlalchemy as sa

from app import create_app
from app.clock import FrozenClock, SystemClock
from app.config import TestConfig
from app.extensions import db
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession
from tests.support.live_server import LiveServer
from tests.support.lti_browser import LtiBrowser

BACKEND = os.environ.get("TEST_DB", "postgresql")
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _postgres_url(database: str) -> str:
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


def _migrate(url: str) -> None:
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
        _migrate(f"sqlite:///{template}")
        yield f"sqlite:///{template}"
        return
    run = uuid.uuid4().hex[:8]
    template, database = f"rexvet_template_{run}", f"rexvet_test_{run}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{template}"'))
    _migrate(_postgres_url(template))
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
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, **overrides}, config=TestConfig())
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def clock():
    return FrozenClock()


@pytest.fixture
def app(test_database_url, clock):
    """The tool, each test inside a transaction that is rolled back afterwards."""
    app = make_app(test_database_url)
    app.extensions["clock"] = clock
    with app.app_context():
        if BACKEND == "sqlite":
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
            db.engine.dispose()


@pytest.fixture
def committed_app(test_database_url, clock):
    """The tool with real commits, for tests with several threads or processes; tables are emptied afterwards."""
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


@dataclass
class LtiWorld:
    """The tool and the development LMS, each on its own site and port, registered with each other."""

    app: object
    tool: "LiveServer"
    devlms: "LiveServer"
    browser: "LtiBrowser"

    def new_browser(self) -> "LtiBrowser":
        return LtiBrowser(self.devlms.url)


def start_devlms(server, tool_url: str, database_path) -> None:
    from devlms import create_devlms_app

    server.start(create_devlms_app({
        "DEVLMS_BASE_URL": server.url,
        "DEVLMS_DATABASE_URL": f"sqlite:///{database_path}",
        "DEVLMS_TOOL_BASE_URL": tool_url,
        "DEVLMS_ALLOW_TAMPERING": True,
        "DEVLMS_SECRET_KEY": "devlms-test-secret",
    }))


def register_devlms(app, devlms_url: str) -> None:
    """What `make run` does with lti_config/devlms.json, for the live development LMS."""
    from app.lti.keys import ensure_active_tool_key
    from app.lti.registrations import import_registration

    registration = requests.get(f"{devlms_url}/lti/tool-registration.json", timeout=10).json()
    with app.app_context():
        import_registration(registration)
        ensure_active_tool_key()
        db.session.commit()


@pytest.fixture
def lti_world(committed_app, tmp_path):
    """Real HTTP between the tool (127.0.0.1) and the development LMS (localhost): two sites, as in an LMS iframe."""
    committed_app.extensions["clock"] = SystemClock()  # the LMS signs with real time
    tool, devlms = LiveServer("127.0.0.1"), LiveServer("localhost")
    committed_app.config["BASE_URL"] = tool.url
    start_devlms(devlms, tool.url, tmp_path / "devlms.sqlite")
    tool.start(committed_app)
    register_devlms(committed_app, devlms.url)
    yield LtiWorld(committed_app, tool, devlms, LtiBrowser(devlms.url))
    tool.stop()
    devlms.stop()


@pytest.fixture
def unregistered_lti_world(committed_app, tmp_path):
    """The tool and the development LMS running, but not registered with each other: a test registers them by hand."""
    from app.lti.keys import ensure_active_tool_key

    committed_app.extensions["clock"] = SystemClock()
    tool, devlms = LiveServer("127.0.0.1"), LiveServer("localhost")
    committed_app.config["BASE_URL"] = tool.url
    start_devlms(devlms, tool.url, tmp_path / "devlms.sqlite")
    tool.start(committed_app)
    with committed_app.app_context():
        ensure_active_tool_key()
        db.session.commit()
    yield LtiWorld(committed_app, tool, devlms, LtiBrowser(devlms.url))
    tool.stop()
    devlms.stop()
