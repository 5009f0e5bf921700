"""Revocation by the organisation: its admin (through their LMS launch) finds an award among the organisation's and
revokes it with a reason, public or for the earner only; the earner is told once (a notice until they open
My badges). Every query is scoped to the organisation; the revocation itself is awarding.revoke_award, which the
installation admin's pages use too."""
import math
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import contains_eager

from app.badges.administration import AwardRow, status_of
from app.badges.awarding import revoke_award
from app.badges.catalogue import badge_catalogue
from app.badges.models import BadgeAward
from app.errors import AppError, NotFound
from app.extensions import db
from app.tenancy.models import Person
from app.tenancy.services import scoped

PAGE_SIZE = 25
MAX_SEARCH = 200


@dataclass(frozen=True)
class AwardPage:
    """One page of the organisation's awards, newest first."""

    rows: list[AwardRow]
    page: int  # from 1
    pages: int  # at least 1
    total: int
    search: str


def awards_page(organisation_id: int, *, now: datetime, search: str | None = None, page: int = 1) -> AwardPage:
    """The organisation's awards whose earner (name, email, LMS user id) or badge (its name in any language, or
    id) matches `search`, newest first, PAGE_SIZE a page; revoked ones included (the page marks them)."""
    search = (search or "").strip()
    if len(search) > MAX_SEARCH:
        raise AppError(_("The search text is too long."),
                       hint=_("Search by at most %(max)d characters of a name, an email or a badge.", max=MAX_SEARCH))
    query = scoped(BadgeAward, organisation_id).outerjoin(Person, Person.id == BadgeAward.person_id)
    if search:
        needle = search.lower()
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        badges = [badge.id for badge in badge_catalogue().badges
                  if needle in badge.id.lower() or any(needle in name.lower() for name in badge.name.values.values())]
        query = query.where(or_(func.lower(Person.name).like(pattern, escape="\\"),
                                func.lower(Person.email).like(pattern, escape="\\"),
                                func.lower(Person.subject).like(pattern, escape="\\"),
                                BadgeAward.badge_id.in_(badges)))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    query = (query.options(contains_eager(BadgeAward.person))
             .order_by(BadgeAward.awarded_at.desc(), BadgeAward.id.desc())
             .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    catalogue = badge_catalogue()
    rows = [AwardRow(award, catalogue.badge(award.badge_id), award.person, status_of(award, now))
            for award in db.session.scalars(query)]
    return AwardPage(rows, page, pages, total, search)


def award_of_organisation(organisation_id: int, public_id: str, *, now: datetime) -> AwardRow:
    """One award of the organisation by its public id; NotFound for another organisation's (as for none)."""
    award = db.session.scalars(scoped(BadgeAward, organisation_id).where(BadgeAward.public_id == public_id)).first()
    if award is None:
        raise NotFound(_("Your organisation has no badge award at this address."))
    return AwardRow(award, badge_catalogue().badge(award.badge_id), award.person,
                    status_of(award, now))


def revoke_for_organisation(organisation_id: int, public_id: str, reason: str, *, reason_public: bool,
                            now: datetime, revoked_by: str) -> BadgeAward:
    """The organisation admin revokes one of the organisation's awards (refused when it is revoked already)."""
    award = award_of_organisation(organisation_id, public_id, now=now).award
    if award.is_revoked:
        raise AppError(_("This badge is already revoked."),
                       hint=_("A revocation cannot be undone, and the badge cannot be awarded to this person again."))
    return revoke_award(award, reason, now=now, revoked_by=revoked_by, reason_public=reason_public)


def unseen_revocations_count(organisation_id: int, person_id: int):
    """How many of the person's awards were revoked since they last opened My badges, as a scalar subquery: the
    navigation counts it with the rest of the person's badge standing in one statement (app.badges.standing)."""
    return select(func.count()).select_from(BadgeAward).where(
        BadgeAward.organisation_id == organisation_id, BadgeAward.person_id == person_id,
        BadgeAward.revoked_at.is_not(None), BadgeAward.revocation_seen_at.is_(None)).scalar_subquery()


def unseen_revocations(organisation_id: int, person_id: int) -> list[BadgeAward]:
    """The person's awards revoked since they last opened My badges, oldest first."""
    return list(db.session.scalars(scoped(BadgeAward, organisation_id).where(
        BadgeAward.person_id == person_id, BadgeAward.revoked_at.is_not(None),
        BadgeAward.revocation_seen_at.is_(None)).order_by(BadgeAward.revoked_at, BadgeAward.id)))


def mark_revocations_seen(organisation_id: int, person_id: int, *, now: datetime) -> None:
    """My badges showed the person their revoked badges: the notice stops (the page's request commits)."""
    db.session.execute(update(BadgeAward).where(
        BadgeAward.organisation_id == organisation_id, BadgeAward.person_id == person_id,
        BadgeAward.revoked_at.is_not(None), BadgeAward.revocation_seen_at.is_(None),
    ).values(revocation_seen_at=now).execution_options(synchronize_session="fetch"))
