"""The one cache every worker process shares (platform key sets, access tokens, report figures): the database or
Redis."""

import json
import logging
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from flask import current_app, has_app_context
from sqlalchemy import DateTime, String, bindparam, delete, event, or_, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.clock import current_clock
from app.extensions import db
from app.models_base import JSONType

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class SharedCache(Protocol):
    """Values are JSON-serialisable; an expired entry reads as missing. ttl is in seconds, None = no expiry."""

    writes_in_transaction: bool  # True: writes commit or roll back with db.session's transaction

    def get(self, key: str) -> Any | None:
        """The value stored under key, or None if absent or expired."""

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        """Store value under key, replacing any entry and its expiry."""

    def add(self, key: str, value: Any, ttl: int | None = None) -> bool:
        """Store value only if key is absent or expired, atomically; True if this call stored it."""

    def delete(self, key: str) -> None:
        """Remove key if present."""

    def purge_expired(self) -> int:
        """Remove expired entries that the backend does not remove by itself; how many were removed."""


class CacheEntry(db.Model):
    """One entry of the database-backed shared cache."""

    __tablename__ = "cache_entries"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONType)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DatabaseCache:
    """The shared cache as rows of cache_entries, read and written in the current db.session transaction.

    Deliberately transactional: an entry added by a transaction that rolls back is not kept, and on PostgreSQL
    a concurrent add of the same key waits for the first transaction to end, then reports the conflict.
    """

    writes_in_transaction = True

    def get(self, key: str) -> Any | None:
        live = or_(CacheEntry.expires_at.is_(None), CacheEntry.expires_at > current_clock().now())
        return db.session.execute(
            select(CacheEntry.value).where(CacheEntry.key == key, live)
        ).scalar_one_or_none()

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        db.session.execute(_SET, {"key": key, "value": value, "expires_at": _expiry(ttl)})

    def add(self, key: str, value: Any, ttl: int | None = None) -> bool:
        # One statement, so two processes adding the same key cannot both see it absent.
        parameters = {"key": key, "value": value, "expires_at": _expiry(ttl), "now": current_clock().now()}
        return db.session.execute(_ADD, parameters).scalar_one_or_none() is not None

    def delete(self, key: str) -> None:
        db.session.execute(delete(CacheEntry).where(CacheEntry.key == key))

    def purge_expired(self) -> int:
        expired = delete(CacheEntry).where(CacheEntry.expires_at <= current_clock().now())
        return db.session.execute(expired).rowcount


# Written once as text: SQLAlchemy cannot cache dialect-specific upserts, and compiling one on every
# add cost about a millisecond (docs/benchmarks.md). The SQL is the same on PostgreSQL and SQLite.
_UPSERT = """
    INSERT INTO cache_entries (key, value, expires_at) VALUES (:key, :value, :expires_at)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
"""
_TYPES = (
    bindparam("value", type_=JSONType), bindparam("expires_at", type_=DateTime(timezone=True)),
)
_SET = text(_UPSERT).bindparams(*_TYPES)
_ADD = text(_UPSERT + " WHERE cache_entries.expires_at <= :now RETURNING key").bindparams(
    *_TYPES, bindparam("now", type_=DateTime(timezone=True))
)


class RedisCache:
    """The shared cache in Redis, which expires keys itself; keys are prefixed so one Redis can serve several tools."""

    writes_in_transaction = False

    def __init__(self, client: "redis.Redis", prefix: str):
        self.client = client
        self.prefix = prefix

    def get(self, key: str) -> Any | None:
        raw = self.client.get(self.prefix + key)
        return None if raw is None else json.loads(raw)

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        self.client.set(self.prefix + key, json.dumps(value), ex=ttl)

    def add(self, key: str, value: Any, ttl: int | None = None) -> bool:
        return bool(self.client.set(self.prefix + key, json.dumps(value), ex=ttl, nx=True))

    def delete(self, key: str) -> None:
        self.client.delete(self.prefix + key)

    def purge_expired(self) -> int:
        return 0


def init_shared_cache(app) -> None:
    """Build the backend named by SHARED_CACHE_URL ("database" or a Redis URL) into app.extensions."""
    url = app.config["SHARED_CACHE_URL"]
    if url == "database":
        backend = DatabaseCache()
    elif url.startswith(REDIS_SCHEMES):
        import redis  # here, not at the top: a web worker with the database cache is spared its ~6 MB (issue 30)

        backend = RedisCache(redis.Redis.from_url(url), app.config["SHARED_CACHE_PREFIX"])
    else:
        raise ValueError(f"SHARED_CACHE_URL must be 'database' or a redis:// URL, not {url!r}.")
    app.extensions["shared_cache"] = backend


def shared_cache() -> SharedCache:
    """The current app's shared cache."""
    return current_app.extensions["shared_cache"]


def version_of(key: str) -> str:
    """The version of something that processes keep copies of (report figures, registrations), stored under key: a
    new one if there is none yet, or Redis lost it (a copy kept under an old version must never be trusted again)."""
    cache = shared_cache()
    version = cache.get(key)
    if version is None:
        version = new_version()
        if not cache.add(key, version):  # another process gave it one meanwhile
            version = cache.get(key) or version
    return version


def new_version() -> str:
    return secrets.token_hex(8)


# --- a version replaced when the writes it stands for commit ------------------------------------------------------

_VERSIONS_TO_REPLACE = "shared_cache.versions_to_replace"  # session.info: keys of versions this transaction replaces


def replace_version_at_commit(key: str, session: Session | None = None) -> None:
    """What the version stored under key stands for changes in this transaction: the version is replaced when the
    transaction commits, never if it rolls back.

    When: with the database as the shared cache, in the committing transaction (a copy read from the old data is
    kept under the old version); with Redis, which knows no transactions, after the commit (replacing it before
    would let a reader keep a copy of the old data under the new version)."""
    session = session or db.session()
    if not session.in_transaction():
        session.begin()  # the mark belongs to a transaction: its rollback forgets it, even before any statement
    session.info.setdefault(_VERSIONS_TO_REPLACE, set()).add(key)


@event.listens_for(Session, "before_commit")
def _replace_versions_in_the_transaction(session: Session) -> None:
    if not (_has_shared_cache() and shared_cache().writes_in_transaction):
        return
    if session.new or session.dirty or session.deleted:
        # The commit flushes after this listener: flushed now, the writes mark their versions (after_flush
        # listeners) before they are replaced.
        session.flush()
    for key in session.info.pop(_VERSIONS_TO_REPLACE, ()):
        shared_cache().set(key, new_version())


@event.listens_for(Session, "after_commit")
def _replace_versions_after_the_commit(session: Session) -> None:
    for key in session.info.pop(_VERSIONS_TO_REPLACE, ()):
        try:
            shared_cache().set(key, new_version())
        except Exception:  # Redis out of reach: the writes are committed; copies expire within their own bound
            log.error("could not replace the version under %r: copies kept under the old one stay until they expire",
                      key, exc_info=True)


@event.listens_for(Session, "after_soft_rollback")
def _forget_versions_rolled_back(session: Session, rolled_back) -> None:
    if not rolled_back.nested:  # a savepoint's rollback leaves the enclosing transaction's writes, and their marks
        session.info.pop(_VERSIONS_TO_REPLACE, None)


def _has_shared_cache() -> bool:
    return has_app_context() and "shared_cache" in current_app.extensions


def _expiry(ttl: int | None) -> datetime | None:
    return None if ttl is None else current_clock().now() + timedelta(seconds=ttl)
