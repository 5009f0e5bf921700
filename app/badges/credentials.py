"""An award's credentials: the OB 3.0 credential signed once and kept, the OB 2.0 assertion, status lists,
baked images (made on first download, then kept) and the live verification the award page shows."""
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import jwt
from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.badges import ob2, ob3
from app.badges.baking import OB2_PNG_KEYWORD, OB3_PNG_KEYWORD, bake_png, bake_svg_ob2, bake_svg_ob3
from app.badges.catalogue import badge_catalogue, badge_directory, facts_of
from app.badges.data_integrity import add_proof
from app.badges.definitions import BadgeDefinition
from app.badges.images import render_png, render_svg
from app.badges.issuers import IssuerProfile, issuer_for, issuer_profile
from app.badges.keys import (
    JWS_ALGORITHMS,
    active_badge_key,
    external_url,
    key_by_thumbprint,
    kid_url,
    private_key,
    public_key,
    sign_jwt,
)
from app.badges.models import BadgeAward, BadgeEarner, BadgeIssuer, BadgeKey, BakedImage
from app.badges.recipients import chosen_email
from app.clock import as_utc, current_clock
from app.errors import NotFound
from app.extensions import db
from app.learning.content import path_model
from app.models_base import upsert_insert
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
    earner's subject id, LTI user id and recipient email, and the organisation's key that signs now."""

    organisation_id: int
    issuer: IssuerProfile
    subject_id: str | None  # credentialSubject.id: the earner's DID, else their urn:uuid; None once erased
    subject: str | None  # the earner's LTI user id; None once they are erased
    email: str | None  # the recipient email (the earner's choice, else the LMS's); None: no OB 2.0 version
    key_thumbprint: str  # the organisation's active RS256 key (made here on first use)


def credential_context(organisation_id: int, person_id: int | None) -> CredentialContext:
    db.session.flush()  # what the session holds counts (the query runs on its connection, without the ORM)
    row = db.session.connection().execute(
        _context_query(), {"organisation_id": organisation_id, "person_id": person_id}).one()
    issuer = row if row.public_id is not None else issuer_for(organisation_id)
    subject_id = row.did or (f"urn:uuid:{row.subject_uuid}" if row.subject_uuid else None)
    if subject_id is None and row.subject is not None:
        subject_id = f"urn:uuid:{earner_subject_uuid(organisation_id, person_id)}"
    return CredentialContext(
        organisation_id=organisation_id,
        issuer=issuer_profile(issuer, row.organisation_name or "", row.organisation_country),
        subject_id=subject_id, subject=row.subject, email=chosen_email(row.chosen, row.lms_email),
        key_thumbprint=row.key_thumbprint or active_badge_key(organisation_id).thumbprint)


@lru_cache(maxsize=1)
def _context_query():
    """Built once: a statement object keeps its SQLAlchemy cache key, so it is not rebuilt at every award."""
    organisation_id = bindparam("organisation_id")  # in each join, so PostgreSQL finds the person by primary key
    active_key = (select(BadgeKey.thumbprint).where(BadgeKey.organisation_id == organisation_id,
                                                    BadgeKey.algorithm == BadgeKey.RS256,
                                                    BadgeKey.status == BadgeKey.ACTIVE)
                  .order_by(BadgeKey.created_at, BadgeKey.id).limit(1).scalar_subquery())
    return (
        select(Organisation.name.label("organisation_name"), Organisation.country.label("organisation_country"),
               # the issuer's columns under their own names: issuer_profile reads the row as it reads a BadgeIssuer
               BadgeIssuer.public_id, BadgeIssuer.name, BadgeIssuer.url, BadgeIssuer.email, BadgeIssuer.description,
               BadgeIssuer.image_url, BadgeIssuer.logo_sha256,
               Person.subject, Person.email.label("lms_email"), BadgeEarner.email.label("chosen"),
               BadgeEarner.subject_uuid, BadgeEarner.did, active_key.label("key_thumbprint"))
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
    document = ob3.credential(award, badge, context.issuer, subject_id=context.subject_id or _erased_id(award),
                              subject=context.subject, email=context.email, status_key=context.key_thumbprint,
                              path=path_model(), facts=facts_of(badge))
    token, kid = ob3.sign(document, context.organisation_id, context.key_thumbprint)
    return {"credential": document, "credential_jwt": token, "signed_with_kid": kid}


def _erased_id(award: BadgeAward) -> str:
    """The subject id of an award signed (again) after its earner was erased: one that names nobody."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, ob3.credential_url(award))}"


def earner_subject_uuid(organisation_id: int, person_id: int) -> str:
    """The earner's uuid within the organisation, made with their first credential and kept: one INSERT (two
    requests making it at once keep the first)."""
    now = current_clock().now()
    made = db.session.execute(
        upsert_insert(BadgeEarner).values(organisation_id=organisation_id, person_id=person_id,
                                          subject_uuid=str(uuid.uuid4()), show_name=False, created_at=now)
        .on_conflict_do_nothing().returning(BadgeEarner.subject_uuid)).scalar_one_or_none()
    return made or db.session.scalars(select(BadgeEarner.subject_uuid).where(
        BadgeEarner.organisation_id == organisation_id, BadgeEarner.person_id == person_id)).one()


def credential_contexts(organisation_id: int, person_ids: list[int]) -> dict[int, CredentialContext]:
    """credential_context of many people of one organisation (a bulk re-evaluation's batch), by person; someone not
    of the organisation (or gone) has none. A few statements whatever the number: the organisation's issuer and key
    (credential_context's query without a person), the people, their earner rows; for those who get their first
    credential, an INSERT of their subject ids and their rows read again. Each is an index lookup, whatever the
    planner's statistics (a join of earners to people in one query was planned as a nested loop over every
    earner of the organisation when the statistics were older than a bulk import: quadratic)."""
    db.session.flush()
    connection = db.session.connection()
    shared = connection.execute(_context_query(), {"organisation_id": organisation_id, "person_id": None}).one()
    people = {row.id: row for row in connection.execute(
        select(Person.id, Person.subject, Person.email)
        .where(Person.organisation_id == organisation_id, Person.id.in_(person_ids)))}
    earners = _earners(organisation_id, list(people))
    first = [person_id for person_id, person in people.items() if person.subject is not None
             and not (earners.get(person_id) and (earners[person_id].did or earners[person_id].subject_uuid))]
    if first:
        _insert_subject_uuids(organisation_id, first)
        earners.update(_earners(organisation_id, first))
    issuer = issuer_profile(shared if shared.public_id is not None else issuer_for(organisation_id),
                            shared.organisation_name or "", shared.organisation_country)
    key_thumbprint = shared.key_thumbprint or active_badge_key(organisation_id).thumbprint
    contexts = {}
    for person_id, person in people.items():
        earner = earners.get(person_id)
        subject_uuid = earner.subject_uuid if earner else None
        contexts[person_id] = CredentialContext(
            organisation_id=organisation_id, issuer=issuer,
            subject_id=(earner.did if earner else None) or (f"urn:uuid:{subject_uuid}" if subject_uuid else None),
            subject=person.subject, email=chosen_email(earner.email if earner else None, person.email),
            key_thumbprint=key_thumbprint)
    return contexts


def _earners(organisation_id: int, person_ids: list[int]) -> dict:
    return {row.person_id: row for row in db.session.connection().execute(
        select(BadgeEarner.person_id, BadgeEarner.email, BadgeEarner.subject_uuid, BadgeEarner.did)
        .where(BadgeEarner.organisation_id == organisation_id, BadgeEarner.person_id.in_(person_ids)))}


def _insert_subject_uuids(organisation_id: int, person_ids: list[int]) -> None:
    """earner_subject_uuid's INSERT for many earners at once, executed as one statement per row (the driver sends
    them together): those made meanwhile by another process are kept."""
    now = current_clock().now()
    db.session.connection().execute(
        upsert_insert(BadgeEarner.__table__).on_conflict_do_nothing(),
        [{"organisation_id": organisation_id, "person_id": person_id, "subject_uuid": str(uuid.uuid4()),
          "show_name": False, "created_at": now} for person_id in person_ids])


def signed_json(award: BadgeAward) -> dict:
    """The credential as JSON with an embedded eddsa-rdfc-2022 proof by the organisation's Ed25519 key: the VC-JWT's
    credential with the status entry of the list that key signs. Made at first use (never while a learner's
    completion waits: RDF canonicalisation costs milliseconds), then kept; two first uses at once keep the first."""
    if award.credential_signed_json is None:
        document, _token = signed_credential(award)
        key = active_badge_key(award.organisation_id, BadgeKey.ED25519)
        unsigned = {**document, "credentialStatus": ob3.status_entry(
            issuer_of(award), key.thumbprint, award.status_index)}
        signed = add_proof(unsigned, private_key(key), kid_url(key), as_utc(award.awarded_at))
        stored = db.session.execute(
            update(BadgeAward).where(BadgeAward.id == award.id, BadgeAward.credential_signed_json.is_(None))
            .values(credential_signed_json=signed).execution_options(synchronize_session=False))
        if stored.rowcount == 1:
            set_committed_value(award, "credential_signed_json", signed)
        else:
            db.session.refresh(award)
    return award.credential_signed_json


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
    award.credential = award.credential_jwt = award.signed_with_kid = award.credential_signed_json = None
    db.session.execute(BakedImage.__table__.delete().where(BakedImage.award_id == award.id))


def ob2_assertion(award: BadgeAward) -> dict | None:
    """The hosted OB 2.0 assertion, or None when there is no email to name the recipient by."""
    context = credential_context(award.organisation_id, award.person_id)
    if not context.email:
        return None
    return ob2.assertion(award, context.issuer, context.email, badge_catalogue().badge(award.badge_id))


def status_list_jwt(issuer: IssuerProfile, organisation_id: int, key: BadgeKey | None, number: int, *,
                    now: datetime) -> str:
    """The issuer's status list `number` as a VC-JWT signed by `key`, read from the awards' revocations as they are
    now. Every key of the organisation signs its own copy (same bits): a verifier checks the list with the key that
    signed the credential. `key` None: the list URL of credentials signed before keys were per organisation."""
    low, high = number * ob3.STATUS_LIST_SIZE, (number + 1) * ob3.STATUS_LIST_SIZE
    revoked = list(db.session.scalars(select(BadgeAward.status_index).where(
        BadgeAward.organisation_id == organisation_id, BadgeAward.revoked_at.is_not(None),
        BadgeAward.status_index >= low, BadgeAward.status_index < high)))
    if key is None:
        key = _legacy_list_key(organisation_id)
        url = external_url("badges.legacy_status_list", issuer_id=issuer.public_id, number=number)
    else:
        url = ob3.status_list_url(issuer, key.thumbprint, number)
    document = ob3.status_list_credential(issuer, url, number, revoked, now=now)
    claims = {**document, "iss": document["issuer"], "jti": document["id"], "nbf": int(now.timestamp())}
    token, _ = sign_jwt(claims, organisation_id, key.thumbprint)
    return token


def _legacy_list_key(organisation_id: int) -> BadgeKey:
    """The installation key that signed credentials before keys were per organisation, if it still has its private
    half (keys retired before then lost it: their lists are signed by the organisation's key instead)."""
    legacy = db.session.scalars(select(BadgeKey).where(BadgeKey.organisation_id.is_(None),
                                                       BadgeKey.private_key_encrypted != b"")
                                .order_by(BadgeKey.created_at.desc(), BadgeKey.id.desc())).first()
    return legacy or active_badge_key(organisation_id)



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
        data = bake_svg_ob2(svg, assertion["id"], payload).encode("utf-8")
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
            algorithm = JWS_ALGORITHMS[key.algorithm]
            jwt.decode(token, public_key(key), algorithms=[algorithm],
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
    # …/status/<issuer>/<key thumbprint>/<n>; a copy signed before keys were per organisation names
    # …/status/<issuer>/<n>, whose second-to-last part is no key (None: the legacy list)
    key = key_by_thumbprint(status["statusListCredential"].rstrip("/").split("/")[-2])
    token = status_list_jwt(issuer_of(award), award.organisation_id, key, number, now=now)
    subject = jwt.decode(token, options={"verify_signature": False})["credentialSubject"]
    return ob3.bit_is_set(ob3.decode_bitstring(subject["encodedList"]), int(status["statusListIndex"]))
