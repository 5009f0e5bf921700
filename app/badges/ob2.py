"""Open Badges 2.0 JSON-LD: the hosted Assertion, BadgeClass, Issuer and revocation list (the only place that
knows their shape). Recipients are salted SHA-256 hashes of an email; no email, no OB 2.0 assertion."""
from datetime import UTC, datetime

from app.badges.definitions import BadgeDefinition
from app.badges.issuers import IssuerProfile
from app.badges.keys import external_url
from app.badges.models import BadgeAward
from app.badges.recipients import identity_hash
from app.clock import as_utc
from app.learning.content.model import PathModel

CONTEXT = "https://w3id.org/openbadges/v2"


def iso(moment: datetime) -> str:
    """UTC to the second, with Z: the form both specs' date-time fields take."""
    return as_utc(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def assertion_url(award: BadgeAward) -> str:
    return external_url("badges.ob2_assertion", award_id=award.public_id)


def badge_class_url(issuer: IssuerProfile, badge_id: str) -> str:
    return external_url("badges.ob2_badge_class", issuer_id=issuer.public_id, badge_id=badge_id)


def issuer_url(issuer: IssuerProfile) -> str:
    return external_url("badges.ob2_issuer", issuer_id=issuer.public_id)


def assertion(award: BadgeAward, issuer: IssuerProfile, email: str) -> dict:
    """The hosted Assertion of an award for this email (verification: hosted, at its own URL)."""
    document = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": assertion_url(award),
        "recipient": {"type": "email", "hashed": True, "salt": award.recipient_salt,
                      "identity": identity_hash(email, award.recipient_salt)},
        "badge": badge_class_url(issuer, award.badge_id),
        "verification": {"type": "HostedBadge"},
        "issuedOn": iso(award.awarded_at),
        "image": external_url("badges.badge_image", issuer_id=issuer.public_id, badge_id=award.badge_id),
    }
    if award.expires_at:
        document["expires"] = iso(award.expires_at)
    evidence = evidence_items(award)
    if evidence:
        document["evidence"] = [{"type": "Evidence", **item} for item in evidence]
    if award.narrative:
        document["narrative"] = award.narrative
    return document


def revoked_assertion(award: BadgeAward) -> dict:
    """What a revoked assertion's URL answers (with 410 Gone): OB 2.0 hosted revocation."""
    return {"@context": CONTEXT, "type": "Assertion", "id": assertion_url(award), "revoked": True,
            "revocationReason": award.revocation_reason or "revoked"}


def badge_class(badge: BadgeDefinition, issuer: IssuerProfile, path: PathModel | None) -> dict:
    document = {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": badge_class_url(issuer, badge.id),
        "name": badge.name.english,
        "description": badge.description.english,
        "image": external_url("badges.badge_image", issuer_id=issuer.public_id, badge_id=badge.id),
        "criteria": {"narrative": badge.criteria.english},
        "issuer": issuer_url(issuer),
        "tags": list(badge.tags),
    }
    alignment = alignments(badge, path)
    if alignment:
        document["alignment"] = alignment
    return document


def alignments(badge: BadgeDefinition, path: PathModel | None) -> list[dict]:
    """The path's area and level the badge aligns to (both documents use the same targets)."""
    if path is None:
        return []
    targets = []
    area = path.area(badge.align_area) if badge.align_area else None
    level = path.level(badge.align_level) if badge.align_level else None
    if area:
        targets.append({"targetName": area.title.english, "targetDescription": area.description.english,
                        "targetUrl": external_url("badges.path_target", kind="areas", target_id=area.id),
                        "targetFramework": "REX VET path", "targetCode": f"area:{area.id}"})
    if level:
        targets.append({"targetName": level.title.english,
                        "targetUrl": external_url("badges.path_target", kind="levels", target_id=level.id),
                        "targetFramework": "REX VET path", "targetCode": f"level:{level.id}"})
    return targets


def issuer_document(issuer: IssuerProfile) -> dict:
    document = {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": issuer_url(issuer),
        "name": issuer.name,
        "url": issuer.url,
        "email": issuer.email,
        "description": issuer.description,
        "revocationList": external_url("badges.ob2_revocations", issuer_id=issuer.public_id),
    }
    if issuer.image_url:
        document["image"] = issuer.image_url
    return document


def revocation_list(issuer: IssuerProfile, revoked: list[BadgeAward]) -> dict:
    return {
        "@context": CONTEXT,
        "type": "RevocationList",
        "id": external_url("badges.ob2_revocations", issuer_id=issuer.public_id),
        "issuer": issuer_url(issuer),
        "revokedAssertions": [{"id": assertion_url(award), "revocationReason": award.revocation_reason or "revoked"}
                              for award in revoked],
    }


def evidence_items(award: BadgeAward) -> list[dict]:
    """The award's evidence as name + narrative pairs (the completed modules; a manual award's narrative)."""
    items = []
    for entry in award.evidence or []:
        when = (entry.get("completed_at") or "")[:10]
        items.append({"name": entry.get("title") or entry.get("module"),
                      "narrative": f"Completed the module \"{entry.get('title') or entry.get('module')}\""
                                   + (f" on {when}." if when else ".")})
    return items
