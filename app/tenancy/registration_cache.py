"""The registrations and LMS sites that logins and launches read, kept per process and checked against one version.

Every login reads its registration, and every launch its registration and LMS site (deployment): the widest rows a
launch reads, about a tenth of its CPU in statements (docs/benchmarks.md). They change seldom (an administrator
approves a site, disables a registration, moves a site to another organisation), and each change must hold from the
next launch on, in every process. So a process keeps the column values it read, with the version of registrations
the shared cache held before it read them. Any commit that writes a registration or a deployment replaces that
version (as app/reports/figures_version.py does for report figures), and a process whose copy has another version
reads the rows again (when exactly the version is replaced: app.shared_cache.replace_version_at_commit). A copy also
expires after REGISTRATION_CACHE_SECONDS, so that a change made in SQL by hand, outside the application, or a version
that could not be replaced (Redis out of reach at the commit), holds within that time.

What is kept is column values, never an ORM object: each request gets objects of its own, attached to its session
without a query, so lazy loads and writes through them work as through objects it read itself; a login, which only
reads the registration's columns, gets its object outside the session (attaching one cost a login more than the rest
of its reading).
"""
from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, make_transient_to_detached

from app.extensions import db
from app.shared_cache import replace_version_at_commit, version_of
from app.tenancy.models import Deployment, Registration

log = logging.getLogger(__name__)

VERSION_KEY = "tenancy:registrations:version"
_KEPT = "registration_cache"  # app.extensions: lookup key → (version, monotonic expiry, column values per row)
_CACHED_MODELS = (Registration, Deployment)
_CACHED_TABLES = frozenset(model.__table__.name for model in _CACHED_MODELS)
# Registrations and sites are few (one per LMS and per LMS site); this only bounds a process's memory if they are not.
MAX_KEPT = 10_000


def kept_rows(lookup_key: tuple, read: Callable[[], tuple], *, attach: bool = True) -> tuple:
    """`read()`'s registration and deployment rows (None where it found none), from this process's copy while the
    version of registrations is the one the copy was read under. Only lookups that found every row are kept: a miss
    (an unknown LMS, a new site) is read again each time.

    attach=False, for a caller that only reads the rows' columns (a login): a copy from this process's copy is left
    out of the request's session, so a request that asks the database nothing starts no transaction to end."""
    kept = current_app.extensions.setdefault(_KEPT, {})
    try:
        version = current_version()
    except Exception:  # the shared cache out of reach (Redis down): read the rows, as without this cache
        log.warning("registrations read without the per-process copy: the shared cache did not answer", exc_info=True)
        return read()
    entry = kept.get(lookup_key)
    if entry is not None and entry[0] == version and entry[1] > time.monotonic():
        copy_of = _attached if attach else _detached
        return tuple(copy_of(model, values) for model, values in entry[2])
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
    row = _detached(model, values)  # as if loaded, then detached: no pending changes, nothing to INSERT
    session.add(row)
    return row


def _detached(model, values: dict):
    """An object with these column values in no session: its columns read as usual, a relationship cannot load."""
    row = model.__mapper__.class_manager.new_instance()
    row.__dict__.update({key: _own_copy(value) for key, value in values.items()})
    make_transient_to_detached(row)
    return row


def _own_copy(value):
    """A JSON column's list or dict copied, so no request changes another's (or the kept) value; the rest is
    immutable."""
    return copy.deepcopy(value) if isinstance(value, (list, dict)) else value


# --- a transaction that writes a registration or a deployment replaces the version at its commit ------------------


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session: Session, _flush_context) -> None:
    if any(isinstance(row, _CACHED_MODELS) for row in (*session.new, *session.dirty, *session.deleted)):
        replace_version_at_commit(VERSION_KEY, session)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(execute_state) -> None:
    """An UPDATE or DELETE statement run through the session (ORM or Core) on either table."""
    if execute_state.is_update or execute_state.is_delete:
        table = getattr(execute_state.statement, "table", None)
        if getattr(table, "name", None) in _CACHED_TABLES:
            replace_version_at_commit(VERSION_KEY, execute_state.session)
