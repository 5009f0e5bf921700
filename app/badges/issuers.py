"""Each organisation issues its own badges; what it leaves blank comes from the installation's defaults."""
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app.badges.models import BadgeIssuer
from app.extensions import db
from app.models_base import find_or_insert
from app.tenancy.models import Organisation


@dataclass(frozen=True)
class IssuerProfile:
    """What credentials say about the issuer (OB 2.0 Issuer, OB 3.0 Profile)."""

    public_id: str
    name: str
    url: str
    email: str
    description: str
    image_url: str | None


def issuer_for(organisation_id: int) -> BadgeIssuer:
    """The organisation's issuer row, made on first use."""
    return find_or_insert(BadgeIssuer, {"organisation_id": organisation_id}, public_id=secrets.token_urlsafe(12))


def issuer_by_public_id(public_id: str) -> BadgeIssuer | None:
    return db.session.scalars(select(BadgeIssuer).where(BadgeIssuer.public_id == public_id)).first()


def allocate_status_index(organisation_id: int) -> int:
    """The next bit of the organisation's status lists; the row lock makes concurrent awards take turns."""
    issuer = issuer_for(organisation_id)
    issuer = db.session.scalars(select(BadgeIssuer).where(BadgeIssuer.id == issuer.id).with_for_update()).one()
    db.session.refresh(issuer)
    index = issuer.next_status_index
    issuer.next_status_index = index + 1
    return index


def issuer_profile(issuer: BadgeIssuer) -> IssuerProfile:
    config = current_app.config
    organisation = db.session.get(Organisation, issuer.organisation_id)
    return IssuerProfile(
        public_id=issuer.public_id,
        name=issuer.name or organisation.name or config["BADGE_ISSUER_NAME"],
        url=issuer.url or config["BADGE_ISSUER_URL"] or config["BASE_URL"],
        email=issuer.email or config["BADGE_ISSUER_EMAIL"],
        description=issuer.description or config["BADGE_ISSUER_DESCRIPTION"],
        image_url=issuer.image_url or None,
    )
