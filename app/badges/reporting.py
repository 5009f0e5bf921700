"""What the badges feature gives the organisation's reports: badges issued per badge and month (activity), and a
person's awards in their data export. Registered from init_app; the reports never import this package."""
from sqlalchemy import Select, func, literal, select

from app.badges.catalogue import badge_catalogue
from app.badges.keys import external_url
from app.badges.models import BadgeAward
from app.extensions import db
from app.i18n import current_language

MEASURE_PREFIX = "badge:"


def badge_events(organisation_id: int) -> Select:
    """Each award, as an event of its earner at its award time, measured per badge."""
    return select(BadgeAward.person_id, BadgeAward.awarded_at.label("occurred_at"),
                  (literal(MEASURE_PREFIX) + BadgeAward.badge_id).label("measure")).where(
        BadgeAward.organisation_id == organisation_id, BadgeAward.person_id.is_not(None))


def badge_labels(organisation_id: int) -> dict[str, str]:
    """One column per badge of the catalogue, then any retired badge that still has awards here."""
    locale = current_language()
    labels = {MEASURE_PREFIX + badge.id: badge.name.localised(locale) for badge in badge_catalogue().badges}
    awarded = db.session.scalars(select(func.distinct(BadgeAward.badge_id)).where(
        BadgeAward.organisation_id == organisation_id))
    for badge_id in sorted(awarded):
        labels.setdefault(MEASURE_PREFIX + badge_id, badge_id)
    return labels


def awards_of_person(organisation_id: int, person_id: int) -> list[dict]:
    """The person's awards as their data export lists them."""
    awards = db.session.scalars(select(BadgeAward).where(
        BadgeAward.organisation_id == organisation_id, BadgeAward.person_id == person_id).order_by(BadgeAward.id))
    return [
        {
            "badge": award.badge_id,
            "awarded_at": award.awarded_at.isoformat(),
            "expires_at": award.expires_at.isoformat() if award.expires_at else None,
            "revoked_at": award.revoked_at.isoformat() if award.revoked_at else None,
            "revocation_reason": award.revocation_reason,
            "page": external_url("badges.award_page", award_id=award.public_id),
        }
        for award in awards
    ]
