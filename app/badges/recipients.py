"""Who an award is for, as credentials say it without giving it away: salted SHA-256 of an email or LTI user id."""
import hashlib

from sqlalchemy import and_, select

from app.badges.models import BadgeAward, BadgeEarner
from app.extensions import db
from app.tenancy.models import Person


def identity_hash(value: str, salt: str) -> str:
    """`sha256$<hex>` of value + salt (OB 2.0 recipient and OB 3.0 IdentityObject alike)."""
    return "sha256$" + hashlib.sha256((value + salt).encode("utf-8")).hexdigest()


def earner_settings(organisation_id: int, person_id: int) -> BadgeEarner | None:
    return db.session.scalars(select(BadgeEarner).where(
        BadgeEarner.organisation_id == organisation_id, BadgeEarner.person_id == person_id)).first()


def recipient_email(award: BadgeAward) -> str | None:
    """The email the earner entered on "My badges", else the one the LMS sent; None: no OB 2.0 version."""
    row = db.session.execute(
        select(Person.email, BadgeEarner.email.label("chosen")).select_from(Person)
        .outerjoin(BadgeEarner, and_(BadgeEarner.organisation_id == Person.organisation_id,
                                     BadgeEarner.person_id == Person.id))
        .where(Person.id == award.person_id, Person.organisation_id == award.organisation_id)
    ).first()
    return chosen_email(row.chosen, row.email) if row else None


def chosen_email(earner_email: str | None, lms_email: str | None) -> str | None:
    """Of the earner's own choice and the LMS's email, the one credentials name the recipient by (normalised)."""
    email = earner_email or lms_email
    return email.strip().lower() if email else None


def earner_name(award: BadgeAward) -> str | None:
    """The earner's name, only if they chose to show it."""
    earner = earner_settings(award.organisation_id, award.person_id)
    person = db.session.get(Person, award.person_id)
    return person.name if earner and earner.show_name and person and person.name else None
