"""An award's credentials: the OB 3.0 credential signed once and kept, the OB 2.0 assertion, status lists,
baked images (made on first download, then kept) and the live verification the award page shows."""
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import jwt
from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.badges import ob2, ob3
from app.badges.baking import OB2_PNG_KEYWORD, OB3_PNG_KEYWORD, bake_png, bake_svg_ob2, bake_svg_ob3
from app.badges.catalogue import badge_catalogue, badge_directory, facts_of
from app.badges.definitions import BadgeDefinition
from app.badges.images import render_png, render_svg
from app.badges.issuers import IssuerProfile, issuer_for, issuer_profile
from app.badges.keys import key_by_thumbprint, sign_jwt
from app.badges.models import BadgeAward, BadgeEarner, BadgeIssuer, BadgeKey, BakedImage
from app.badges.recipients import chosen_email
from app.clock import as_utc
from app.errors import NotFound
from app.extensions import db
from app.learning.content import path_model
from app.tenancy.models import Organisation, Person

BAKED_KINDS = ("ob2.png", "ob2.svg", "ob3.png", "ob3.svg")


def award_by_public_id(public_id: str) -> BadgeAward:
    """The award behind a public URL (its unguessable id is the capability), or NotFound."""
    award = db.session.scalars(select(BadgeAward).where(BadgeAward.public_id == public_id)).first()
    if award is None:
        raise NotFound("There is no badge award at this address.")
    return award


def badge_for(award: BadgeAward) -> BadgeDefinition:
    badge = badge_catalogue().badge(award.badge_id)
    if badge is None:
        raise NotFound(f"The badge {award.badge_id!r} of this award is no longer defined on this installation.")
    return badge


def issuer_of(award: BadgeAward) -> IssuerProfile:
    return issuer_profile(issuer_for(award.organisation_id))


@dataclass(frozen=True)
class CredentialContext:
    """What an award's credentials take from outside the award, read in one query: the issuer as it is now, the
    earner's LTI user id and recipient email, and the key that signs now."""

    issuer: IssuerProfile
    subject: str | None  # the earner's LTI user id; None once they are erased
    email: str | None  # the recipient email (the earner's choice, else the LMS's); None: no OB 2.0 version
    key_thumbprint: str | None  # the active badge key; None before the first one is made


def credential_context(organisation_id: int, person_id: int | None) -> CredentialContext:
    db.session.flush()  # what the session holds counts (the query runs on its connection, without the ORM)
    row = db.session.connection().execute(
        _context_query(), {"organisation_id": organisation_id, "person_id": person_id}).one()
    issuer = row if row.public_id is not None else issuer_for(organisation_id)
    return CredentialContext(issuer=issuer_profile(issuer, row.organisation_name or "", row.organisation_country),
                             subject=row.subject,
                             email=chosen_email(row.chosen, row.lms_email), key_thumbprint=row.key_thumbprint)


@lru_cache(maxsize=1)
def _context_query():
    """Built once: a statement object keeps its SQLAlchemy cache key, so it is not rebuilt at every award."""
    active_key = (select(BadgeKey.thumbprint).where(BadgeKey.status == BadgeKey.ACTIVE)
                  .order_by(BadgeKey.created_at, BadgeKey.id).limit(1).scalar_subquery())
    organisation_id = bindparam("organisation_id")  # in each join, so PostgreSQL finds the person by primary key
    return (
        select(Organisation.name.label("organisation_name"), Organisation.country.label("organisation_country"),
               # the issuer's columns under their own names: issuer_profile reads the row as it reads a BadgeIssuer
               BadgeIssuer.public_id, BadgeIssuer.name, BadgeIssuer.url, BadgeIssuer.email, BadgeIssuer.description,
               BadgeIssuer.image_url,
               Person.subject, Person.email.label("lms_email"), BadgeEarner.email.label("chosen"),
               active_key.label("key_thumbprint"))
        .select_from(Organisation)
        .outerjoin(BadgeIssuer, BadgeIssuer.organisation_id == Organisation.id)
        .outerjoin(Person, and_(Person.id == bindparam("person_id"), Person.organisation_id == organisation_id))
        .outerjoin(BadgeEarner, and_(BadgeEarner.organisation_id == organisation_id,
                                     BadgeEarner.person_id == Person.id))
        .where(Organisation.id == organisation_id)
    )


def sign(award: BadgeAward, badge: BadgeDefinition, context: CredentialContext) -> dict:
    """The award's OB 3.0 credential built from what is in hand and signed: the values of the award's credential
    columns (`award` may be one not stored yet)."""
    document = ob3.credential(award, badge, context.issuer, context.subject, context.email, path_model(),
                              facts_of(badge))
    token, kid = ob3.sign(document, context.key_thumbprint)
    return {"credential": document, "credential_jwt": token, "signed_with_kid": kid}


def signed_credential(award: BadgeAward) -> tuple[dict, str]:
    """(credential, VC-JWT): signed when awarded and kept. An award re-issued since is signed again at its next
    use; two such uses at once keep the first signature."""
    if award.credential_jwt is None:
        values = sign(award, badge_for(award), credential_context(award.organisation_id, award.person_id))
        stored = db.session.execute(
            update(BadgeAward).where(BadgeAward.id == award.id, BadgeAward.credential_jwt.is_(None))
            .values(**values).execution_options(synchronize_session=False))
        if stored.rowcount == 1:
            for column, value in values.items():
                set_committed_value(award, column, value)
        else:
            db.session.refresh(award)
    return award.credential, award.credential_jwt


def reissue(award: BadgeAward) -> None:
    """Sign a new credential at the next use (after a change of email, issuer or badge texts); same id and status."""
    award.credential = award.credential_jwt = award.signed_with_kid = None
    db.session.execute(BakedImage.__table__.delete().where(BakedImage.award_id == award.id))


def ob2_assertion(award: BadgeAward) -> dict | None:
    """The hosted OB 2.0 assertion, or None when there is no email to name the recipient by."""
    context = credential_context(award.organisation_id, award.person_id)
    if not context.email:
        return None
    return ob2.assertion(award, context.issuer, context.email, badge_catalogue().badge(award.badge_id))


def status_list_jwt(issuer: IssuerProfile, organisation_id: int, number: int, *, now: datetime) -> str:
    """The issuer's status list `number` as a signed VC-JWT, read from the awards' revocations as they are now."""
    low, high = number * ob3.STATUS_LIST_SIZE, (number + 1) * ob3.STATUS_LIST_SIZE
    revoked = list(db.session.scalars(select(BadgeAward.status_index).where(
        BadgeAward.organisation_id == organisation_id, BadgeAward.revoked_at.is_not(None),
        BadgeAward.status_index >= low, BadgeAward.status_index < high)))
    document = ob3.status_list_credential(issuer, number, revoked, now=now)
    token, _ = sign_jwt({**document, "iss": document["issuer"], "jti": document["id"], "nbf": int(now.timestamp())})
    return token


def badge_png(badge: BadgeDefinition) -> bytes:
    return _render_png(render_svg(badge_directory(), badge, path_model()), str(badge_directory()))


@lru_cache(maxsize=64)
def _render_png(svg: str, directory: str) -> bytes:
    return render_png(svg, directory)


def baked_image(award: BadgeAward, kind: str) -> bytes:
    """The badge image with the award's credential baked in; made on first download, kept while it is current."""
    if kind not in BAKED_KINDS:
        raise NotFound("Baked images are .png or .svg, for OB 2.0 or OB 3.0.")
    badge = badge_for(award)
    svg = render_svg(badge_directory(), badge, path_model())
    if kind.startswith("ob2"):
        assertion = ob2_assertion(award)
        if assertion is None:
            raise NotFound("This award has no Open Badges 2.0 version: the earner has not given an email address.")
        payload = json.dumps(assertion, sort_keys=True)
    else:
        payload = signed_credential(award)[1]
    carries = hashlib.sha256((kind + payload + svg).encode()).hexdigest()
    cached = db.session.scalars(
        select(BakedImage).where(BakedImage.award_id == award.id, BakedImage.kind == kind)
    ).first()
    if cached is not None and cached.carries == carries:
        return cached.data
    if kind == "ob2.png":
        data = bake_png(badge_png(badge), OB2_PNG_KEYWORD, payload)
    elif kind == "ob3.png":
        data = bake_png(badge_png(badge), OB3_PNG_KEYWORD, payload)
    elif kind == "ob2.svg":
        data = bake_svg_ob2(svg, payload).encode("utf-8")
    else:
        data = bake_svg_ob3(svg, payload).encode("utf-8")
    if cached is None:
        db.session.add(BakedImage(award_id=award.id, kind=kind, carries=carries, data=data))
    else:
        cached.carries, cached.data = carries, data
    return data


@dataclass(frozen=True)
class Verification:
    """What the award page shows: is the signature good, is the award revoked or expired?"""

    signature_valid: bool
    signed_by: str | None
    revoked: bool
    expired: bool
    problem: str | None = None

    @property
    def valid(self) -> bool:
        return self.signature_valid and not self.revoked and not self.expired


def verify_award(award: BadgeAward, *, now: datetime) -> Verification:
    """Check the signed credential as a verifier would: its key by kid, its signature, its dates, its status bit."""
    document, token = signed_credential(award)
    kid = jwt.get_unverified_header(token).get("kid", "")
    key = key_by_thumbprint(kid.rstrip("/").rsplit("/", 1)[-1]) if kid else None
    problem = None
    signature_valid = False
    if key is None:
        problem = "the signing key named by the credential is not published"
    else:
        try:
            jwt.decode(token, jwt.PyJWK(key.public_jwk, algorithm="RS256").key, algorithms=["RS256"],
                       options={"verify_exp": False, "verify_nbf": False, "verify_aud": False})
            signature_valid = True
        except jwt.InvalidTokenError as error:
            problem = f"the signature does not verify ({error})"
    expires = as_utc(award.expires_at)
    return Verification(
        signature_valid=signature_valid, signed_by=kid or None,
        revoked=_status_bit(award, document, now=now), expired=bool(expires and expires <= now), problem=problem,
    )


def _status_bit(award: BadgeAward, document: dict, *, now: datetime) -> bool:
    """The award's bit in the status list as published now (the list a verifier would fetch)."""
    status = document["credentialStatus"]
    number = award.status_index // ob3.STATUS_LIST_SIZE
    token = status_list_jwt(issuer_of(award), award.organisation_id, number, now=now)
    subject = jwt.decode(token, options={"verify_signature": False})["credentialSubject"]
    return ob3.bit_is_set(ob3.decode_bitstring(subject["encodedList"]), int(status["statusListIndex"]))
