"""Open Badges 2.0 JSON-LD: the hosted Assertion, BadgeClass, Issuer and revocation list (the only place that
knows their shape). Recipients are salted SHA-256 hashes of an email; no email, no OB 2.0 assertion."""
from datetime import UTC, datetime

from app.badges.definitions import BadgeDefinition
from app.badges.facts import BadgeFacts
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


def assertion(award: BadgeAward, issuer: IssuerProfile, email: str, badge: BadgeDefinition | None = None) -> dict:
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
        # The baked image (OB 2.0 Assertion: "image … an image representing this user's achievement", baked with this
        # assertion), not the BadgeClass's plain one: a backpack showing it then offers the earner's own copy.
        "image": external_url("badges.download", award_id=award.public_id, kind="ob2.png"),
    }
    if award.expires_at:
        document["expires"] = iso(award.expires_at)
    evidence = evidence_items(award, badge)
    if evidence:
        document["evidence"] = [{"type": "Evidence", **item} for item in evidence]
    if award.narrative:
        document["narrative"] = award.narrative
    return document


def revoked_assertion(award: BadgeAward) -> dict:
    """What a revoked assertion's URL answers (with 410 Gone): OB 2.0 hosted revocation."""
    return {"@context": CONTEXT, "type": "Assertion", "id": assertion_url(award), "revoked": True,
            "revocationReason": revocation_reason(award)}


NEUTRAL_REASON = "Revoked by the issuer"


def revocation_reason(award: BadgeAward) -> str:
    """What verifiers read: the issuer's reason only where it chose to make it public (the earner always reads it
    on My badges); otherwise a neutral sentence, so a private reason never leaves the tool."""
    if award.revocation_reason_public and award.revocation_reason:
        return award.revocation_reason
    return NEUTRAL_REASON


def badge_class(badge: BadgeDefinition, issuer: IssuerProfile, path: PathModel | None,
                facts: BadgeFacts | None = None) -> dict:
    """The BadgeClass; OB 2.0 has no fields for the micro-credential facts: they follow the description as text
    (a demonstrated badge's criteria follow the criteria narrative) and add tags."""
    description = badge.description.english
    narrative = badge.criteria.english
    if facts is not None:
        description += "\n\n" + facts.english_summary()
    if badge.is_demonstrated and badge.brief:
        narrative += "\n\n" + "\n".join(f"- {criterion.text.english} Meets: {criterion.meets.english}"
                                          for criterion in badge.brief.criteria)
    document = {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": badge_class_url(issuer, badge.id),
        "name": badge.name.english,
        "description": description,
        "image": external_url("badges.badge_image", issuer_id=issuer.public_id, badge_id=badge.id),
        "criteria": {"narrative": narrative},
        "issuer": issuer_url(issuer),
        "tags": list(badge.tags) + (facts.tags() if facts is not None else []),
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
        "revokedAssertions": [{"id": assertion_url(award), "revocationReason": revocation_reason(award)}
                              for award in revoked],
    }


REVIEWED_SUBMISSION = "reviewed_submission"


def reviewed_submissions(award: BadgeAward) -> list[dict]:
    """The evidence entries of a demonstrated award: a reviewer's decision on the earner's submission."""
    return [entry for entry in award.evidence or [] if entry.get("type") == REVIEWED_SUBMISSION]


def evidence_items(award: BadgeAward, badge: BadgeDefinition | None = None) -> list[dict]:
    """The award's evidence as name + narrative pairs: the completed modules; a reviewed submission with each
    criterion's result and comment, the reviewer's role, and its public page only if the earner agreed."""
    items = []
    for entry in award.evidence or []:
        if entry.get("type") == REVIEWED_SUBMISSION:
            items.append(_reviewed_item(award, entry, badge))
            continue
        when = (entry.get("completed_at") or "")[:10]
        items.append({"name": entry.get("title") or entry.get("module"),
                      "narrative": f"Completed the module \"{entry.get('title') or entry.get('module')}\""
                                   + (f" on {when}." if when else ".")})
    return items


def _reviewed_item(award: BadgeAward, entry: dict, badge: BadgeDefinition | None) -> dict:
    lines = []
    for result in entry.get("criteria") or []:
        criterion = badge.brief.criterion(result.get("id")) if badge and badge.brief else None
        line = f"- {criterion.text.english if criterion else result.get('id')}: {result.get('result')}"
        if result.get("comment"):
            line += f" — {result['comment']}"
        lines.append(line)
    narrative = "\n".join(([entry["narrative"], ""] if entry.get("narrative") else []) + lines)
    when = (entry.get("reviewed_at") or "")[:10]
    item = {"name": "Submission reviewed against the criteria" + (f" on {when}" if when else ""),
            "narrative": narrative or "Reviewed against the criteria."}
    if entry.get("reviewer_role"):
        item["description"] = f"Reviewed by: {entry['reviewer_role']}"
    if entry.get("public_page"):
        item["id"] = external_url("badges.evidence", award_id=award.public_id)
    return item
