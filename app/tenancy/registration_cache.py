"""The registrations and LMS sites that logins and launches read, kept per process and checked against one version.

Every login reads its registration, and every launch its registration and LMS site (deployment): the widest rows a
launch reads, about a tenth of its CPU in statements (docs/benchmarks.md). They change seldom (an administrator
approves a site, disables a registration, moves a site to another organisation), and each change must hold from the
next launch on, in every process. So a process keeps the column values it read, with the version of registrations
the shared cache held before it read them. Any commit that writes a registration or a deployment replaces that
version (as app/reports/figures_version.py does for report figures), and a process whose copy has another version
reads the rows again. A copy also expires after REGISTRATION_CACHE_SECONDS, so that a change made in SQL by hand,
outside the application, holds within that time.

What is kept is column values, never an ORM object: each request gets objects of its own, attached to its session
without a query, so lazy loads and writes through them work as through objects it read itself.

When the version is replaced: with the database as the shared cache, in the committing transaction; with Redis,
which knows no transactions, after the commit (replacing it before would let a reader keep old rows under the new
version).
"""
from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Iterable

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, make_transient_to_detached

from app.extensions import db
from app.shared_cache import new_version, shared_cache, version_of
from app.tenancy.models import Deployment, Registration

log = logging.getLogger(__name__)

VERSION_KEY = "tenancy:registrations:version"
_KEPT = "registration_cache"  # app.extensions: lookup key → (version, monotonic expiry, column values per row)
_CHANGED = "tenancy.registrations_changed"  # session.info: this transaction wrote a registration or deployment
_CACHED_MODELS = (Registration, Deployment)
_CACHED_TABLES = frozenset(model.__table__.name for model in _CACHED_MODELS)
# Registrations and sites are few (one per LMS and per LMS site); this only bounds a process's memory if they are not.
MAX_KEPT = 10_000


def kept_rows(lookup_key: tuple, read: Callable[[], tuple]) -> tuple:
    """`read()`'s registration and deployment rows (None where it found none), from this process's copy while the
    version of registrations is the one the copy was read under. Only lookups that found every row are kept: a miss
    (an unknown LMS, a new site) is read again each time."""
    kept = current_app.extensions.setdefault(_KEPT, {})
    try:
        version = current_version()
    except Exception:  # the shared cache out of reach (Redis down): read the rows, as without this cache
        log.warning("registrations read without the per-process copy: the shared cache did not answer", exc_info=True)
        return read()
    entry = kept.get(lookup_key)
    if entry is not None and entry[0] == version and entry[1] > time.monotonic():
        return tuple(_attached(model, values) for model, values in entry[2])
    rows = read()
    if all(row is not None for row in rows):
        snapshots = tuple(_column_values(row) for row in rows)
        if all(snapshot is not None for snapshot in snapshots):
            if len(kept) >= MAX_KEPT:
                kept.clear()
            expires = time.monotonic() + current_app.config["REGISTRATION_CACHE_SECONDS"]
            kept[lookup_key] = (version, expires, tuple(zip((type(row) for row in rows), snapshots, strict=True)))
    return rows


def current_version() -> str:
    """The version of registrations (app.shared_cache.version_of)."""
    return version_of(VERSION_KEY)


def _column_values(row) -> dict | None:
    """The row's loaded column values, or None if any is not loaded (expired or deferred: not worth a query)."""
    loaded = row.__dict__
    keys = [attribute.key for attribute in row.__mapper__.column_attrs]
    if any(key not in loaded for key in keys):
        return None
    return {key: _own_copy(loaded[key]) for key in keys}


def _attached(model, values: dict):
    """A persistent object of the request's session with these column values, with no query: the session's own if
    it holds that row already.

    Built from the class manager's bare instance and its dict, as SQLAlchemy loads a row, not through the model's
    constructor: its attribute events cost more than the query they save (py-spy, inside the launch)."""
    mapper = model.__mapper__
    session = db.session()
    present = session.identity_map.get(mapper.identity_key_from_primary_key(
        [values[mapper.get_property_by_column(column).key] for column in mapper.primary_key]))
    if present is not None:
        return present
    row = mapper.class_manager.new_instance()
    row.__dict__.update({key: _own_copy(value) for key, value in values.items()})
    make_transient_to_detached(row)  # as if loaded, then detached: no pending changes, nothing to INSERT
    session.add(row)
    return row


def _own_copy(value):
    """A JSON column's list or dict copied, so no request changes another's (or the kept) value; the rest is
    immutable."""
    return copy.deepcopy(value) if isinstance(value, (list, dict)) else value


# --- a commit that writes a registration or a deployment replaces the version ------------------------------------


def _writes_cached_rows(objects: Iterable) -> bool:
    return any(isinstance(row, _CACHED_MODELS) for row in objects)


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session: Session, _flush_context) -> None:
    if _writes_cached_rows((*session.new, *session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(execute_state) -> None:
    """An UPDATE or DELETE statement run through the session (ORM or Core) on either table."""
    if execute_state.is_update or execute_state.is_delete:
        table = getattr(execute_state.statement, "table", None)
        if getattr(table, "name", None) in _CACHED_TABLES:
            execute_state.session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _replace_version_in_the_transaction(session: Session) -> None:
    if _writes_cached_rows((*session.new, *session.dirty, *session.deleted)):  # flushed by the commit, after this
        session.info[_CHANGED] = True
    if session.info.get(_CHANGED) and _has_app() and shared_cache().writes_in_transaction:
        session.info.pop(_CHANGED)
        shared_cache().set(VERSION_KEY, new_version())


@event.listens_for(Session, "after_commit")
def _replace_version_after_the_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False) and _has_app() and not shared_cache().writes_in_transaction:
        try:
            shared_cache().set(VERSION_KEY, new_version())
        except Exception:  # Redis out of reach: the copies expire within REGISTRATION_CACHE_SECONDS
            log.error("could not replace the version of registrations; other processes keep theirs for at most %s "
                      "s", current_app.config["REGISTRATION_CACHE_SECONDS"], exc_info=True)


@event.listens_for(Session, "after_rollback")
def _forget_changes_rolled_back(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def _has_app() -> bool:
    return has_app_context() and "shared_cache" in current_app.extensions
