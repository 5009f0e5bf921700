"""The organisation admin's badge issuer profile: name, web site, e-mail, description, country and logo.

Credentials embed the issuer profile, so a change to what it says signs every unrevoked award of the organisation
again at its next use (same ids, same status bits). The logo is taken only as PNG or JPEG, recognised from its
bytes (never its name or the browser's content type), and stored re-encoded as a small PNG without metadata.
"""
import hashlib
import io
import logging
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from app.badges.earners import EMAIL
from app.badges.issuers import issuer_for, issuer_profile
from app.badges.models import BadgeAward, BadgeIssuer, BakedImage
from app.errors import InvalidInput
from app.extensions import db
from app.tenancy.models import Organisation
from app.tenancy.services import country_code, set_organisation_country

log = logging.getLogger(__name__)

MAX_LOGO_BYTES = 1024 * 1024
LOGO_MAX_SIDE = 512  # pixels: a logo is shown small; a bound keeps every credential's image cheap to fetch
# A 1 MB PNG of one colour can claim a huge canvas: refuse before decoding more pixels than a photo has.
MAX_LOGO_PIXELS = 40_000_000
MAX_DESCRIPTION = 2000
MAX_NAME, MAX_URL, MAX_EMAIL = 200, 500, 320  # the columns' lengths
FIELDS = ("name", "url", "email", "description", "country")


class ProfileRefused(Exception):
    """What was wrong with the profile form, per field (name, url, email, description, country); nothing saved."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(errors))
        self.errors = errors


class LogoRefused(InvalidInput):
    """An uploaded logo that cannot be used; its message says what was wrong and what to upload instead."""


def profile_values(organisation_id: int) -> dict[str, str]:
    """What the form shows: the organisation's own values (blank where it takes the installation's)."""
    issuer = issuer_for(organisation_id)
    country = db.session.get(Organisation, organisation_id).country
    return {"name": issuer.name or "", "url": issuer.url or "", "email": issuer.email or "",
            "description": issuer.description or "", "country": country or ""}


def save_profile(organisation_id: int, values: dict[str, str]) -> bool:
    """Save the profile form's fields, all or none: ProfileRefused names each wrong field. True when what the
    credentials say changed (its awards are then signed again at their next use)."""
    cleaned, errors = _checked(values)
    if errors:
        raise ProfileRefused(errors)
    issuer = issuer_for(organisation_id)
    before = issuer_profile(issuer)
    issuer.name, issuer.url, issuer.email, issuer.description = (
        cleaned["name"], cleaned["url"], cleaned["email"], cleaned["description"])
    set_organisation_country(organisation_id, cleaned["country"])
    return _resign_if_changed(organisation_id, issuer, before)


def store_logo(organisation_id: int, data: bytes, filename: str = "") -> bool:
    """Take an uploaded logo (PNG or JPEG, at most MAX_LOGO_BYTES) as the issuer's; LogoRefused otherwise.
    True when it differs from the logo before (its awards are then signed again at their next use)."""
    png = normalised_logo(data, filename)
    issuer = issuer_for(organisation_id)
    before = issuer_profile(issuer)
    issuer.logo, issuer.logo_sha256 = png, hashlib.sha256(png).hexdigest()
    return _resign_if_changed(organisation_id, issuer, before)


def remove_logo(organisation_id: int) -> bool:
    """The issuer has no uploaded logo any more (the installation admin's image URL applies, if any)."""
    issuer = issuer_for(organisation_id)
    before = issuer_profile(issuer)
    issuer.logo = issuer.logo_sha256 = None
    return _resign_if_changed(organisation_id, issuer, before)


def normalised_logo(data: bytes, filename: str = "") -> bytes:
    """The logo as a PNG of at most LOGO_MAX_SIDE pixels a side, without metadata (EXIF, text, colour profile);
    LogoRefused for anything but a PNG or JPEG image of at most MAX_LOGO_BYTES."""
    # Pillow imported here, not at the top: only a logo upload uses it, and every web worker loads this module
    # at start (issue 30: a web worker's memory).
    from PIL import Image, ImageOps, UnidentifiedImageError

    name = filename or _("The file")
    if len(data) > MAX_LOGO_BYTES:
        raise LogoRefused(_("“%(file)s” is larger than 1 MB.", file=name),
                          hint=_("Save the logo smaller (a few hundred pixels wide is plenty) and upload it again."))
    try:
        # Only the PNG and JPEG decoders ever see the upload: what they do not recognise is refused unread.
        with Image.open(io.BytesIO(data), formats=["PNG", "JPEG"]) as upload:
            if upload.width * upload.height > MAX_LOGO_PIXELS:
                raise LogoRefused(_("“%(file)s” has too many pixels to be a logo.", file=name),
                                  hint=_("Save the logo smaller (a few hundred pixels wide is plenty) and upload "
                                         "it again."))
            upload.draft("RGB", (LOGO_MAX_SIDE, LOGO_MAX_SIDE))  # a JPEG decodes at a reduced size: faster
            image = ImageOps.exif_transpose(upload)  # a copy turned as the camera meant, before EXIF is dropped
        image.thumbnail((LOGO_MAX_SIDE, LOGO_MAX_SIDE), Image.Resampling.LANCZOS)
        if image.mode not in ("RGB", "RGBA", "L", "LA"):  # palette, CMYK, 16-bit: to what every viewer shows
            has_alpha = image.mode.endswith("A") or "transparency" in image.info
            image = image.convert("RGBA" if has_alpha else "RGB")
        clean = Image.new(image.mode, image.size)  # a new image: none of the upload's metadata comes along
        clean.paste(image)
        out = io.BytesIO()
        clean.save(out, format="PNG", optimize=True)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as error:
        kind = _kind_of(data)
        raise LogoRefused(
            _("“%(file)s” is a %(kind)s file, not a PNG or JPEG image.", file=name, kind=kind) if kind
            else _("“%(file)s” is not a PNG or JPEG image.", file=name),
            hint=_("Upload your logo as a PNG or JPEG file (save or export it as one in an image editor).")
        ) from error
    return out.getvalue()


def _kind_of(data: bytes) -> str | None:
    """What a refused file seems to be (GIF, WebP, SVG…), from its first bytes only, to say so."""
    start = data[:512].lstrip()
    kinds = ((b"GIF8", "GIF"), (b"<svg", "SVG"), (b"<?xml", "SVG"), (b"BM", "BMP"), (b"%PDF", "PDF"))
    if start.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "WebP"
    return next((kind for magic, kind in kinds if start.startswith(magic)), None)


def _checked(values: dict[str, str]) -> tuple[dict[str, str | None], dict[str, str]]:
    """The form's values trimmed (blank: None), and an error for each that cannot be used."""
    cleaned = {name: (values.get(name) or "").strip() or None for name in FIELDS}
    if cleaned["description"]:
        cleaned["description"] = cleaned["description"].replace("\r\n", "\n")
    errors = {}
    if cleaned["name"] and len(cleaned["name"]) > MAX_NAME:
        errors["name"] = _("The name is longer than %(max)s characters; shorten it.", max=MAX_NAME)
    url = cleaned["url"]
    if url and not _is_web_address(url):
        errors["url"] = _("“%(url)s” is not a web address. Write it in full, starting with https:// (for example "
                          "https://www.college.example), or leave it empty.", url=url)
    email = cleaned["email"]
    if email and (len(email) > MAX_EMAIL or not EMAIL.match(email)):
        errors["email"] = _("“%(email)s” is not an e-mail address. Write one like badges@college.example, or leave "
                            "it empty.", email=email)
    if cleaned["description"] and len(cleaned["description"]) > MAX_DESCRIPTION:
        errors["description"] = _("The description has %(count)s characters; shorten it to at most %(max)s.",
                                  count=len(cleaned["description"]), max=MAX_DESCRIPTION)
    try:
        cleaned["country"] = country_code(cleaned["country"])
    except InvalidInput as error:
        errors["country"] = error.message
    return cleaned, errors


def _is_web_address(url: str) -> bool:
    if len(url) > MAX_URL or any(character.isspace() or ord(character) < 32 for character in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (a port that is not a number raises ValueError)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and "." in parts.hostname.strip(".")


def _resign_if_changed(organisation_id: int, issuer: BadgeIssuer, before) -> bool:
    db.session.flush()
    if issuer_profile(issuer) == before:
        return False
    resign_awards(organisation_id)
    log.info("organisation %s: badge issuer profile changed; its awards are signed again at their next use",
             organisation_id)
    return True


def resign_awards(organisation_id: int) -> None:
    """Every unrevoked award of the organisation is signed again at its next use (a bulk `credentials.reissue`):
    its kept credential and baked images go; its id and status bit stay."""
    unrevoked = (BadgeAward.organisation_id == organisation_id, BadgeAward.revoked_at.is_(None))
    db.session.execute(delete(BakedImage).where(BakedImage.award_id.in_(select(BadgeAward.id).where(*unrevoked)))
                       .execution_options(synchronize_session=False))
    db.session.execute(update(BadgeAward).where(*unrevoked)
                       .values(credential=None, credential_jwt=None, signed_with_kid=None,
                               credential_signed_json=None)
                       .execution_options(synchronize_session=False))
    # Awards this session holds keep the old values in memory otherwise (a page signing one next would not know).
    for award in [obj for obj in db.session.identity_map.values() if isinstance(obj, BadgeAward)]:
        if award.organisation_id == organisation_id and award.revoked_at is None:
            db.session.expire(award, ["credential", "credential_jwt", "signed_with_kid", "credential_signed_json"])
