"""Open Badges 3.0: the OpenBadgeCredential of an award, its VC-JWT, the issuer Profile and the Bitstring Status
List credential (the only place that knows their shape, as the OB 3.0 spec defines it)."""
import base64
import gzip
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from app.badges.data_integrity import multikey_document
from app.badges.definitions import BadgeDefinition, BriefCriterion
from app.badges.facts import BadgeFacts
from app.badges.issuers import IssuerProfile
from app.badges.keys import external_url, kid_url, public_key, sign_jwt
from app.badges.models import BadgeAward, BadgeKey
from app.badges.ob2 import alignments, evidence_items, iso, reviewed_submissions
from app.badges.recipients import identity_hash
from app.learning.content.model import PathModel

# The third context defines `1EdTechJsonSchemaValidator2019` (credentialSchema's type): without it an RDF
# canonicaliser drops that term, and verifiers of the embedded proof refuse the credential.
CONTEXTS = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"]
CREDENTIAL_SCHEMA = [{
    "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}]
# One status list holds 2^17 awards: the minimum size the Bitstring Status List spec sets for herd privacy.
STATUS_LIST_SIZE = 131072


def credential_url(award: BadgeAward) -> str:
    return external_url("badges.credential", award_id=award.public_id)


def profile_url(issuer: IssuerProfile) -> str:
    return external_url("badges.issuer_profile", issuer_id=issuer.public_id)


def achievement_url(issuer: IssuerProfile, badge_id: str) -> str:
    return external_url("badges.achievement", issuer_id=issuer.public_id, badge_id=badge_id)


def status_list_url(issuer: IssuerProfile, key_thumbprint: str, number: int) -> str:
    """The status list `number` as signed by one key: every key has its own copy of the issuer's lists, because a
    verifier checks the list with the key that signed the credential (docs/badges.md)."""
    return external_url("badges.status_list", issuer_id=issuer.public_id, thumbprint=key_thumbprint, number=number)


def status_entry(issuer: IssuerProfile, key_thumbprint: str, status_index: int) -> dict:
    """The credential's BitstringStatusListEntry: its bit in the list that the signing key signs."""
    url = status_list_url(issuer, key_thumbprint, status_index // STATUS_LIST_SIZE)
    position = status_index % STATUS_LIST_SIZE
    return {"id": f"{url}#{position}", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
            "statusListIndex": str(position), "statusListCredential": url}


def profile(issuer: IssuerProfile, *, with_context: bool = False) -> dict:
    """The issuer Profile as credentials embed it (id, type, name, url, email, description, image)."""
    document = {"id": profile_url(issuer), "type": ["Profile"], "name": issuer.name, "url": issuer.url,
                "email": issuer.email, "description": issuer.description}
    if issuer.image_url:
        document["image"] = {"id": issuer.image_url, "type": "Image"}
    if issuer.country:
        document["address"] = {"type": ["Address"], "addressCountryCode": issuer.country}
    return {"@context": CONTEXTS, **document} if with_context else document


# The terms of the keys (Multikey and publicKeyMultibase; JsonWebKey2020 and publicKeyJwk; verificationMethod,
# assertionMethod, controller) come from these contexts: the OB 3.0 context has none for a Profile's keys, and
# verifiers of embedded proofs (Digital Bazaar's) read the Profile as a controller document framed with Security v2,
# refusing any term no context defines (W3C's newer "JsonWebKey" is in none of these).
KEYS_CONTEXTS = ["https://w3id.org/security/multikey/v1", "https://w3id.org/security/suites/jws-2020/v1",
                 "https://w3id.org/security/v2"]
DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"]


def did_web(issuer: IssuerProfile) -> str:
    """The issuer's did:web, resolving to <profile URL>/did.json (did:web: the port's colon is %3A, "/" is ":")."""
    parts = urlsplit(profile_url(issuer))
    segments = [segment for segment in parts.path.split("/") if segment]
    return ":".join(["did:web", quote(parts.netloc, safe="")] + [quote(segment, safe="") for segment in segments])


def verification_method(key: BadgeKey, controller: str, *, with_context: bool = False) -> dict:
    """A published key as the Profile lists it: the Ed25519 key that makes embedded proofs as a Multikey (what
    eddsa-rdfc-2022 verifiers resolve; its kid URL answers this with its @context), an RSA key as a JsonWebKey2020."""
    if key.algorithm == BadgeKey.ED25519:
        document = multikey_document(kid_url(key), controller, public_key(key))
        return document if with_context else {name: value for name, value in document.items() if name != "@context"}
    return {"id": kid_url(key), "type": "JsonWebKey2020", "controller": controller, "publicKeyJwk": key.public_jwk}


def published_profile(issuer: IssuerProfile, keys: list[BadgeKey]) -> dict:
    """The Profile served at the issuer's URL: what credentials embed, plus its did:web and every published
    signing key (retired ones too: old credentials still verify), each with the id the credentials' kid names."""
    document = profile(issuer)
    methods = [verification_method(key, document["id"]) for key in keys]
    return {
        "@context": [*CONTEXTS[:2], *KEYS_CONTEXTS], **document,
        "otherIdentifier": [{"type": "IdentifierEntry", "identifier": did_web(issuer), "identifierType": "identifier"}],
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def did_document(issuer: IssuerProfile, keys: list[BadgeKey]) -> dict:
    """The did:web document: the same keys as JsonWebKey2020 verification methods, also known as the Profile URL."""
    did = did_web(issuer)
    methods = [{"id": f"{did}#{key.thumbprint}", "type": "JsonWebKey2020", "controller": did,
                "publicKeyJwk": key.public_jwk} for key in keys]
    return {
        "@context": DID_CONTEXTS, "id": did, "alsoKnownAs": [profile_url(issuer)],
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def achievement(badge: BadgeDefinition, issuer: IssuerProfile, path: PathModel | None,
                facts: BadgeFacts | None = None) -> dict:
    """The badge as an OB 3.0 Achievement: a participation badge is a "Badge", a demonstrated one a
    "MicroCredential" with one ResultDescription (a rubric criterion with the levels "not yet" and "meets") per
    criterion of its brief. The micro-credential facts OB 3.0 has no field for (workload, assessment, supervision,
    prerequisites, quality assurance, EQF level) follow the description as a Markdown list, and as tags."""
    url = achievement_url(issuer, badge.id)
    description = badge.description.english
    if facts is not None:
        description += "\n\n" + facts.english_summary()
    document = {
        "id": url,
        "type": ["Achievement"],
        "achievementType": "MicroCredential" if badge.is_demonstrated else "Badge",
        "name": badge.name.english,
        "description": description,
        "criteria": {"narrative": badge.criteria.english},
        "image": {"id": external_url("badges.badge_image", issuer_id=issuer.public_id, badge_id=badge.id),
                  "type": "Image", "caption": badge.name.english},
        "creator": profile(issuer),
        "tag": list(badge.tags) + (facts.tags() if facts is not None else []),
        "inLanguage": "en",
    }
    if badge.is_demonstrated and badge.brief:
        document["resultDescription"] = [result_description(url, criterion) for criterion in badge.brief.criteria]
    alignment = [{"type": ["Alignment"], **target} for target in alignments(badge, path)]
    if alignment:
        document["alignment"] = alignment
    return document


# The two levels of every criterion of a brief, low to high; an accepted submission meets every criterion.
RUBRIC_LEVELS = (("not-yet", "not yet"), ("meets", "meets"))
MEETS = "meets"


def result_description_url(achievement_id: str, criterion_id: str) -> str:
    return f"{achievement_id}#criterion-{criterion_id}"


def level_url(achievement_id: str, criterion_id: str, level: str) -> str:
    return f"{result_description_url(achievement_id, criterion_id)}-{level}"


def result_description(achievement_id: str, criterion: BriefCriterion) -> dict:
    """A criterion of the brief as a rubric criterion with the levels "not yet" and "meets" (what meets looks like)."""
    return {
        "id": result_description_url(achievement_id, criterion.id),
        "type": ["ResultDescription"],
        "name": criterion.text.english,
        "resultType": "RubricCriterionLevel",
        "rubricCriterionLevel": [
            {"id": level_url(achievement_id, criterion.id, level), "type": ["RubricCriterionLevel"], "name": name,
             **({"description": criterion.meets.english} if level == MEETS else {})}
            for level, name in RUBRIC_LEVELS
        ],
        "requiredLevel": level_url(achievement_id, criterion.id, MEETS),
    }


def results(award: BadgeAward, achievement_id: str) -> list[dict]:
    """The reviewer's result for each criterion of a reviewed submission, pointing at the rubric level reached."""
    levels = {level for level, _name in RUBRIC_LEVELS}
    return [
        {"type": ["Result"], "resultDescription": result_description_url(achievement_id, entry["id"]),
         "achievedLevel": level_url(achievement_id, entry["id"], entry.get("result"))}
        for review in reviewed_submissions(award) for entry in review.get("criteria") or []
        if entry.get("id") and entry.get("result") in levels
    ]


def credential(award: BadgeAward, badge: BadgeDefinition, issuer: IssuerProfile, *, subject_id: str,
               subject: str | None, email: str | None, status_key: str, path: PathModel | None,
               facts: BadgeFacts | None = None) -> dict:
    """The award as an OpenBadgeCredential (unsigned) for the key `status_key` (thumbprint) to sign. The earner is
    `subject_id` (credentialSubject.id: their urn:uuid or DID, which names no person) and salted hashes of their LTI
    user id (`subject`; None once erased) and email."""
    identifiers = []
    if subject:
        identifiers.append({"type": "IdentityObject", "identityType": "ltiUserId", "hashed": True,
                            "identityHash": identity_hash(subject, award.recipient_salt), "salt": award.recipient_salt})
    if email:
        identifiers.append({"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
                            "identityHash": identity_hash(email, award.recipient_salt), "salt": award.recipient_salt})
    document = {
        "@context": CONTEXTS,
        "id": credential_url(award),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": badge.name.english,
        "description": badge.description.english,
        "issuer": profile(issuer),
        "validFrom": iso(award.awarded_at),
        "awardedDate": iso(award.awarded_at),
        "image": {"id": external_url("badges.badge_image", issuer_id=issuer.public_id, badge_id=badge.id),
                  "type": "Image"},
        "credentialSubject": {
            "id": subject_id,
            "type": ["AchievementSubject"],
            "identifier": identifiers,
            "achievement": achievement(badge, issuer, path, facts),
        },
        "credentialSchema": CREDENTIAL_SCHEMA,
        "credentialStatus": status_entry(issuer, status_key, award.status_index),
    }
    result = results(award, achievement_url(issuer, badge.id))
    if result:
        document["credentialSubject"]["result"] = result
    if award.expires_at:
        document["validUntil"] = iso(award.expires_at)
    evidence = evidence_items(award, badge)
    if award.narrative:
        evidence.append({"name": "Evidence", "narrative": award.narrative})
    if evidence:
        document["evidence"] = [{"type": ["Evidence"], **item} for item in evidence]
    return document


def jwt_claims(document: dict) -> dict:
    """VC-JWT: the credential itself plus the registered claims mapped from it (OB 3.0 §8.2.4)."""
    claims = {**document, "iss": document["issuer"]["id"], "jti": document["id"],
              "sub": document["credentialSubject"]["id"], "nbf": _timestamp(document["validFrom"])}
    if document.get("validUntil"):
        claims["exp"] = _timestamp(document["validUntil"])
    return claims


def sign(document: dict, organisation_id: int, key_thumbprint: str | None) -> tuple[str, str]:
    """(compact JWS, kid URL) of the credential, signed with the organisation's RS256 key (keys.sign_jwt)."""
    return sign_jwt(jwt_claims(document), organisation_id, key_thumbprint)


def status_list_credential(issuer: IssuerProfile, url: str, number: int, revoked_indices: list[int], *,
                           now) -> dict:
    """The issuer's status list `number` at `url`: bit i set = the award with status index number*SIZE+i is
    revoked."""
    bits = bytearray(STATUS_LIST_SIZE // 8)
    for index in revoked_indices:
        position = index - number * STATUS_LIST_SIZE
        if 0 <= position < STATUS_LIST_SIZE:
            bits[position // 8] |= 0x80 >> (position % 8)  # bit 0 is the first bit of the first byte
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": profile_url(issuer),
        "validFrom": iso(now),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList", "statusPurpose": "revocation",
                              "encodedList": encode_bitstring(bytes(bits))},
    }


def encode_bitstring(bits: bytes) -> str:
    """Multibase base64url (prefix `u`, no padding) of the GZIP-compressed bitstring."""
    return "u" + base64.urlsafe_b64encode(gzip.compress(bits, mtime=0)).decode().rstrip("=")


def decode_bitstring(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("the encoded list is not multibase base64url (it must start with `u`)")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit_is_set(bits: bytes, position: int) -> bool:
    return bool(bits[position // 8] & (0x80 >> (position % 8)))


def _timestamp(value: str) -> int:
    return int(datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())
