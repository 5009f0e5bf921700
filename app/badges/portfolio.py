"""The earner's whole collection: every award in one ZIP (credentials and baked images), and a personal share
link that works outside the LMS (an unguessable token, replaceable and revocable) to their public award pages."""
import io
import json
import secrets
import zipfile
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.badges.awarding import awards_of
from app.badges.catalogue import badge_catalogue
from app.badges.credentials import baked_image, ob2_assertion, signed_credential, signed_json
from app.badges.earners import EarnedBadge
from app.badges.issuers import issuer_for
from app.badges.models import BadgeEarner
from app.badges.recipients import earner_settings
from app.errors import NotFound
from app.extensions import db
from app.tenancy.models import Person

TOKEN_BYTES = 24  # 192 bits: the token is the only thing that opens the shared page


def archive_name(awarded_on: datetime) -> str:
    return f"my-badges-{awarded_on:%Y-%m-%d}.zip"


def awards_archive(organisation_id: int, person_id: int) -> bytes:
    """A ZIP with a folder per unrevoked award: the OB 3.0 credential (JSON, VC-JWT) and baked PNG/SVG, and the
    OB 2.0 assertion and baked images when there is an email. Revoked awards are left out (they fail verification)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for award in awards_of(organisation_id, person_id):
            if award.is_revoked or badge_catalogue().badge(award.badge_id) is None:
                continue
            folder = f"{award.badge_id}-{award.public_id[:8]}"
            _document, token = signed_credential(award)
            archive.writestr(f"{folder}/ob3-credential.json",
                             json.dumps(signed_json(award), indent=2, ensure_ascii=False))  # with its proof
            archive.writestr(f"{folder}/ob3-credential.jwt", token)
            for kind in ("ob3.png", "ob3.svg"):
                archive.writestr(f"{folder}/{kind.replace('.', '-badge.')}", baked_image(award, kind))
            assertion = ob2_assertion(award)
            if assertion is not None:
                archive.writestr(f"{folder}/ob2-assertion.json", json.dumps(assertion, indent=2, ensure_ascii=False))
                for kind in ("ob2.png", "ob2.svg"):
                    archive.writestr(f"{folder}/{kind.replace('.', '-badge.')}", baked_image(award, kind))
    return buffer.getvalue()


def _settings(organisation_id: int, person_id: int) -> BadgeEarner:
    settings = earner_settings(organisation_id, person_id)
    if settings is None:
        settings = BadgeEarner(organisation_id=organisation_id, person_id=person_id)
        db.session.add(settings)
    return settings


def make_share_link(organisation_id: int, person_id: int) -> str:
    """A new share token (the previous link, if any, stops working)."""
    settings = _settings(organisation_id, person_id)
    settings.share_token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.flush()
    return settings.share_token


def stop_sharing(organisation_id: int, person_id: int) -> None:
    settings = earner_settings(organisation_id, person_id)
    if settings is not None:
        settings.share_token = None
        db.session.flush()


def share_token_of(organisation_id: int, person_id: int) -> str | None:
    settings = earner_settings(organisation_id, person_id)
    return settings.share_token if settings else None


@dataclass(frozen=True)
class SharedBadges:
    earner_name: str | None  # only when the earner chose to show it
    badges: list[EarnedBadge]  # public, unrevoked awards whose badge is still defined
    issuer_id: str


def shared_badges(token: str) -> SharedBadges:
    """What the share link shows; NotFound for an unknown or withdrawn token (the same answer either way)."""
    if not token or len(token) > 64:
        raise NotFound(_("There is no shared badge collection at this address."),
                       hint=_("The link may have been replaced or withdrawn by its owner."))
    settings = db.session.scalars(select(BadgeEarner).where(BadgeEarner.share_token == token)).first()
    if settings is None or not secrets.compare_digest(settings.share_token, token):
        raise NotFound(_("There is no shared badge collection at this address."),
                       hint=_("The link may have been replaced or withdrawn by its owner."))
    catalogue = badge_catalogue()
    badges = [EarnedBadge(award, catalogue.badge(award.badge_id))
              for award in reversed(awards_of(settings.organisation_id, settings.person_id))
              if not award.is_revoked and not award.is_private and catalogue.badge(award.badge_id) is not None]
    person = db.session.get(Person, settings.person_id)
    name = person.name if settings.show_name and person and person.name else None
    return SharedBadges(name, badges, issuer_for(settings.organisation_id).public_id)


