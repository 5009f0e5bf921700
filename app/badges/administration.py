"""The installation admin's side of awards: list an organisation's awards with filters, revoke with a reason,
re-issue (sign again). Every query is scoped to the organisation; the state changes reuse awarding/credentials."""
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlalchemy.orm import contains_eager

from app.badges.awarding import revoke_award
from app.badges.catalogue import badge_catalogue
from app.badges.credentials import reissue
from app.badges.definitions import BadgeDefinition
from app.badges.models import BadgeAward
from app.errors import AppError, NotFound
from app.extensions import db
from app.tenancy.models import Person
from app.tenancy.services import scoped

log = logging.getLogger(__name__)

STATUSES = ("valid", "revoked", "expired")
MAX_ROWS = 500
MAX_SEARCH = 200


@dataclass(frozen=True)
class AwardRow:
    award: BadgeAward
    badge: BadgeDefinition | None  # None: the badge is no longer defined on this installation
    person: Person | None  # None: the earner was erased
    status: str  # valid, revoked or expired


def status_of(award: BadgeAward, now: datetime) -> str:
    from app.clock import as_utc

    if award.is_revoked:
        return "revoked"
    expires = as_utc(award.expires_at)
    return "expired" if expires and expires <= now else "valid"


def organisation_awards(organisation_id: int, *, now: datetime, badge_id: str | None = None,
                        status: str | None = None, search: str | None = None) -> list[AwardRow]:
    """The organisation's awards, newest first (at most MAX_ROWS), filtered by badge, status and earner name/email."""
    badge_id, status, search = (badge_id or None), (status or None), (search or "").strip() or None
    if status is not None and status not in STATUSES:
        raise AppError(f"“{status}” is not an award status.", hint="Filter by valid, revoked or expired, or by none.")
    if search is not None and len(search) > MAX_SEARCH:
        raise AppError(
            "The search text is too long.", hint=f"Search by at most {MAX_SEARCH} characters of a name or email."
        )
    query = scoped(BadgeAward, organisation_id).outerjoin(Person, Person.id == BadgeAward.person_id)
    if badge_id is not None:
        query = query.where(BadgeAward.badge_id == badge_id)
    if status == "revoked":
        query = query.where(BadgeAward.revoked_at.is_not(None))
    elif status == "expired":
        query = query.where(BadgeAward.revoked_at.is_(None), BadgeAward.expires_at.is_not(None),
                            BadgeAward.expires_at <= now)
    elif status == "valid":
        query = query.where(BadgeAward.revoked_at.is_(None),
                            or_(BadgeAward.expires_at.is_(None), BadgeAward.expires_at > now))
    if search is not None:
        pattern = "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(func.lower(Person.name).like(pattern, escape="\\"),
                                func.lower(Person.email).like(pattern, escape="\\")))
    query = (query.options(contains_eager(BadgeAward.person))
             .order_by(BadgeAward.awarded_at.desc(), BadgeAward.id.desc()).limit(MAX_ROWS))
    catalogue = badge_catalogue()
    return [AwardRow(award, catalogue.badge(award.badge_id), award.person, status_of(award, now))
            for award in db.session.scalars(query)]


def organisation_award(organisation_id: int, award_id: int) -> BadgeAward:
    """One award of the organisation, or NotFound (another organisation's award is not found either)."""
    award = db.session.scalars(scoped(BadgeAward, organisation_id).where(BadgeAward.id == award_id)).first()
    if award is None:
        raise NotFound(f"Organisation {organisation_id} has no badge award {award_id}.")
    return award


def revoke(organisation_id: int, award_id: int, reason: str, *, now: datetime, by: str,
           reason_public: bool) -> BadgeAward:
    """Revoke one of the organisation's awards with a reason (the earner sees it; verifiers only if public)."""
    award = organisation_award(organisation_id, award_id)
    if award.is_revoked:
        raise AppError("This award is already revoked.",
                       hint="A revocation cannot be undone, and the badge cannot be awarded to this person again.")
    revoke_award(award, reason, now=now, revoked_by=f"installation admin {by}", reason_public=reason_public)
    return award


def reissue_award(organisation_id: int, award_id: int) -> BadgeAward:
    """Sign the award's credential again at its next use (after an issuer, email or badge text change)."""
    award = organisation_award(organisation_id, award_id)
    if award.is_revoked:
        raise AppError("A revoked award is not re-issued.", hint="Its credentials stay as they were, marked revoked.")
    reissue(award)
    return award
