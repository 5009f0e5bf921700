"""Each organisation issues its own badges; what it leaves blank comes from the installation's defaults (its admin
edits the profile on the "Badge issuer profile" page: app/badges/issuer_settings.py).

Status-list indexes are reserved in blocks: one UPDATE of the issuer's counter (under its row lock) takes
STATUS_INDEX_BLOCK indexes, which this process then hands out one per award without touching the database.
A reservation is shared with the process's other transactions only once it has committed (a rolled-back
reservation gives its range back to the counter, so nobody may use it). Indexes a process never hands out
(it stops, an award's transaction rolls back) are simply never used: a bit nobody refers to is harmless in a
Bitstring Status List, and a list holds 131,072 of them. The bulk re-evaluation (bulk_awarding.py) reserves all
the indexes it needs per organisation at once (reserve_status_indexes) and commits them before its batches start.
"""
import os
import secrets
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.badges.keys import external_url
from app.badges.models import BadgeIssuer
from app.extensions import db
from app.models_base import find_or_insert
from app.tenancy.models import Organisation

STATUS_INDEX_BLOCK = 100


@dataclass(frozen=True)
class IssuerProfile:
    """What credentials say about the issuer (OB 2.0 Issuer, OB 3.0 Profile)."""

    public_id: str
    name: str
    url: str
    email: str
    description: str
    image_url: str | None  # the uploaded logo's URL, else the installation admin's outside URL
    country: str | None = None  # the awarding body's ISO 3166-1 alpha-2 code (BADGE_ISSUER_COUNTRY)


def issuer_for(organisation_id: int) -> BadgeIssuer:
    """The organisation's issuer row, made on first use."""
    return find_or_insert(BadgeIssuer, {"organisation_id": organisation_id}, public_id=secrets.token_urlsafe(12))


def issuer_by_public_id(public_id: str) -> BadgeIssuer | None:
    return db.session.scalars(select(BadgeIssuer).where(BadgeIssuer.public_id == public_id)).first()


def issuer_profile(issuer: BadgeIssuer, organisation_name: str | None = None,
                   organisation_country: str | None = None) -> IssuerProfile:
    """The issuer's profile; `organisation_name` and `organisation_country` when the caller read them already (else
    they are read here). `issuer`: the row, or anything with its public_id, name, url, email, description,
    image_url and logo_sha256. The country is the one the organisation's admin states, else BADGE_ISSUER_COUNTRY.

    Its url is a page a stranger can open: the organisation's web site, else the installation's, else the issuer's
    own public profile page (never BASE_URL, which answers a visitor without a launch "your session has ended")."""
    config = current_app.config
    if organisation_name is None:
        organisation = db.session.get(Organisation, issuer.organisation_id)
        organisation_name, organisation_country = organisation.name, organisation.country
    return IssuerProfile(
        public_id=issuer.public_id,
        name=issuer.name or organisation_name or config["BADGE_ISSUER_NAME"],
        url=issuer.url or config["BADGE_ISSUER_URL"] or external_url("badges.issuer_profile",
                                                                      issuer_id=issuer.public_id),
        email=issuer.email or config["BADGE_ISSUER_EMAIL"] or fallback_email(),
        description=issuer.description or config["BADGE_ISSUER_DESCRIPTION"],
        image_url=(logo_url(issuer.public_id, issuer.logo_sha256) if issuer.logo_sha256
                   else issuer.image_url or None),
        country=organisation_country or config.get("BADGE_ISSUER_COUNTRY") or None,
    )


def logo_url(public_id: str, logo_sha256: str) -> str:
    """The uploaded logo's public URL: its version (the hash's start) changes with each logo, so it caches for good."""
    return external_url("badge_issuer.logo", issuer_id=public_id, version=logo_version(logo_sha256))


def logo_version(logo_sha256: str) -> str:
    return logo_sha256[:16]


def fallback_email() -> str:
    """The issuer's email when neither the organisation nor BADGE_ISSUER_EMAIL gives one: badges@ the installation's
    own host. OB 2.0 requires an Issuer's email (1EdTech's validator refuses a Profile without one; OB 3.0 does
    not), so there is always one, at the domain of whoever runs the installation rather than a made-up one."""
    return "badges@" + (urlsplit(current_app.config["BASE_URL"]).hostname or "localhost")


def take_status_index(issuer: IssuerProfile, organisation_id: int) -> int:
    """A status-list index of the issuer that no other award has or will have."""
    session = db.session()
    blocks = _status_index_blocks()
    key = (organisation_id, issuer.public_id)
    own = session.info.get(_PENDING)
    if own is not None and own.transaction is session.get_transaction() and own.blocks.get(key):
        return own.blocks[key].pop(0)
    index = blocks.take(key)
    if index is not None:
        return index
    reserved = list(reserve_status_indexes(organisation_id, STATUS_INDEX_BLOCK))
    if own is None or own.transaction is not session.get_transaction():
        own = session.info[_PENDING] = _PendingBlocks(session.get_transaction(), blocks, {})
    own.blocks[key] = reserved[1:]
    return reserved[0]


def reserve_status_indexes(organisation_id: int, count: int) -> range:
    """`count` status indexes of the organisation's issuer for the caller alone, from its counter in one UPDATE (the
    issuer's row stays locked until the caller's transaction ends; the indexes are the caller's once it commits)."""
    end = db.session.execute(
        BadgeIssuer.__table__.update().where(BadgeIssuer.organisation_id == organisation_id)
        .values(next_status_index=BadgeIssuer.next_status_index + count)
        .returning(BadgeIssuer.next_status_index)
    ).scalar_one()
    return range(end - count, end)


class StatusIndexBlocks:
    """This process's committed reservations, handed out to any of its threads (gthread workers share the app)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._free: dict[tuple, list[int]] = {}

    def take(self, key: tuple) -> int | None:
        with self._lock:
            if self._pid != os.getpid():  # a forked child must not hand out its parent's indexes too
                self._pid, self._free = os.getpid(), {}
            free = self._free.get(key)
            return free.pop(0) if free else None

    def give(self, key: tuple, indexes: list[int]) -> None:
        with self._lock:
            if self._pid == os.getpid():
                self._free.setdefault(key, []).extend(indexes)


def _status_index_blocks() -> StatusIndexBlocks:
    return current_app.extensions.setdefault("badge_status_index_blocks", StatusIndexBlocks())


_PENDING = "badge_status_index_blocks"


@dataclass
class _PendingBlocks:
    """Blocks reserved in a transaction that has not committed yet: only that transaction uses them."""

    transaction: object
    shared: StatusIndexBlocks
    blocks: dict[tuple, list[int]]


@event.listens_for(Session, "after_commit")
def _share_committed_blocks(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: the reservation is not committed until the outer transaction is
    own = session.info.pop(_PENDING, None)
    if own is not None and own.transaction is session.get_transaction():
        for key, indexes in own.blocks.items():
            own.shared.give(key, indexes)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back_blocks(session: Session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)  # perhaps only a savepoint rolled back: dropping leaves unused bits, no harm
