"""Flask extensions, created unbound and bound to the app in create_app()."""
import time

import click
from flask_babel import Babel
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event, exc
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic migrations can drop and alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Migrations:
    """Flask-Migrate, bound without being imported: it imports Alembic, Mako and Pygments (about 10 MB per process)
    that only `flask db …` and upgrade()/downgrade() calls use, never a web request (issue 30: a web worker's memory).

    init_app puts a stand-in at app.extensions["migrate"] and a `db` command; the first read of the stand-in (by
    flask_migrate's functions or migrations/env.py) or the `db` command imports Flask-Migrate and binds it with
    Migrate.init_app, which replaces both with its own.
    """

    def init_app(self, app, db, **options) -> None:
        app.extensions["migrate"] = _MigrateOnFirstUse(app, db, options)
        app.cli.add_command(_MigrationCommands())


class _MigrateOnFirstUse:
    """app.extensions["migrate"] until first read: then Flask-Migrate's own, bound as Migrate.init_app binds it."""

    def __init__(self, app, db, options: dict):
        self._app, self._db, self._options = app, db, options

    def __getattr__(self, name: str):
        if name.startswith("_"):  # copy, pickle and our own attributes: nothing to bind for
            raise AttributeError(name)
        from flask_migrate import Migrate

        Migrate().init_app(self._app, self._db, **self._options)  # replaces app.extensions["migrate"]
        return getattr(self._app.extensions["migrate"], name)


class _MigrationCommands(click.Command):
    """`flask db …`: Flask-Migrate's command group, imported when the command runs."""

    def __init__(self):
        super().__init__("db", help="Perform database migrations.")

    def make_context(self, info_name, args, parent=None, **extra):
        from flask_migrate.cli import db as commands

        return commands.make_context(info_name, args, parent=parent, **extra)


db = SQLAlchemy(model_class=Base)
migrate = Migrations()
csrf = CSRFProtect()
babel = Babel()


def ping_idle_connections(engine, idle_seconds: float) -> None:
    """Check a pooled connection with a `SELECT 1` before handing it out, but only when it has lain idle for more
    than `idle_seconds`: a dead connection is replaced before a request sees it.

    SQLAlchemy's `pool_pre_ping` pings on every check-out, one database round trip per request (three per launch).
    A connection used a moment ago is alive unless the database restarted in that moment; then the one request that
    meets it answers 503 and SQLAlchemy drops the whole pool (the same bypass window as HikariCP's
    `aliveBypassWindowMs`). Idle connections, which firewalls and restarts do kill, are always checked.
    """
    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _remember_use(dbapi_connection, connection_record):
        connection_record.info["checked_in_at"] = time.monotonic()  # a new connection counts as just used

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, connection_record, connection_proxy):
        checked_in_at = connection_record.info.get("checked_in_at")
        if checked_in_at is not None and time.monotonic() - checked_in_at <= idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool discards this connection and checks out another (a new one if need be).
            raise exc.DisconnectionError(f"a pooled connection did not answer: {error}") from error
