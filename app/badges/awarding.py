"""Awarding badges when their rules become true, exactly once; revoking; moving awards when people merge.

Awards are made inside the transaction that recorded the completion (module_completed is sent there), so an
award commits or rolls back with the progress that earned it. The unique key on (organisation, person,
badge) and INSERT … ON CONFLICT DO NOTHING make concurrent completions award a badge once.
"""
import logging
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from app.badges.catalogue import badge_catalogue
from app.badges.criteria import evidence_modules, is_met
from app.badges.definitions import BadgeDefinition
from app.badges.issuers import allocate_status_index
from app.badges.models import BadgeAward, BadgeEarner
from app.badges.recipients import earner_settings
from app.errors import AppError
from app.events import badge_awarded
from app.extensions import db
from app.learning.content.model import PathModel
from app.learning.models import ModuleProgress
from app.learning.progress import completed_module_ids
from app.models_base import upsert_insert
from app.tenancy.services import scoped

log = logging.getLogger(__name__)

ERASED_REASON = "erased at the person's request"


def awards_of(organisation_id: int, person_id: int) -> list[BadgeAward]:
    return list(db.session.scalars(
        scoped(BadgeAward, organisation_id).where(BadgeAward.person_id == person_id).order_by(BadgeAward.awarded_at)
    ))


def award_badge(organisation_id: int, person_id: int, badge: BadgeDefinition, *, now: datetime,
                evidence: list[dict], how: str = BadgeAward.AUTOMATIC, awarded_by: str | None = None,
                narrative: str | None = None) -> BadgeAward | None:
    """Award the badge unless the person has it (revoked included); None when it was already there."""
    existing = db.session.scalars(scoped(BadgeAward, organisation_id).where(
        BadgeAward.person_id == person_id, BadgeAward.badge_id == badge.id)).first()
    if existing is not None:
        return None
    values = dict(
        public_id=secrets.token_urlsafe(18), organisation_id=organisation_id, person_id=person_id, badge_id=badge.id,
        awarded_at=now, expires_at=now + timedelta(days=badge.valid_for_days) if badge.valid_for_days else None,
        how=how, awarded_by=awarded_by, evidence=evidence, narrative=narrative,
        recipient_salt=secrets.token_hex(16), status_index=allocate_status_index(organisation_id), is_private=False,
    )
    award_id = db.session.execute(
        upsert_insert(BadgeAward).values(**values)
        .on_conflict_do_nothing(index_elements=["organisation_id", "person_id", "badge_id"])
        .returning(BadgeAward.id)
    ).scalar()
    if award_id is None:  # another process awarded it a moment ago
        return None
    award = db.session.get(BadgeAward, award_id)
    log.info("badge %s awarded to person %s of organisation %s (%s)", badge.id, person_id, organisation_id, how)
    badge_awarded.send(current_app._get_current_object(), award=award)
    return award


def award_due_badges(organisation_id: int, person_id: int, path: PathModel, *, now: datetime) -> list[BadgeAward]:
    """Every badge whose rule the person's completed modules now meet and they do not have yet."""
    completed = completed_module_ids(organisation_id, person_id)
    if not completed:
        return []
    held = {award.badge_id for award in awards_of(organisation_id, person_id)}
    progress = {row.module_id: row for row in db.session.scalars(scoped(ModuleProgress, organisation_id).where(
        ModuleProgress.person_id == person_id, ModuleProgress.completed_at.is_not(None)))}
    awarded = []
    for badge in badge_catalogue().badges:
        if badge.id in held or not is_met(badge, path, completed):
            continue
        evidence = [
            {"module": module.id, "title": module.title.english,
             "completed_at": progress[module.id].completed_at.isoformat() if module.id in progress else None}
            for module in evidence_modules(badge, path, completed)
        ]
        award = award_badge(organisation_id, person_id, badge, now=now, evidence=evidence)
        if award is not None:
            awarded.append(award)
    return awarded


def on_module_completed(sender, *, launch, module, progress, **_) -> None:
    """A completion may make badges due: award them in the completion's own transaction."""
    from app.clock import current_clock

    path = current_app.extensions.get("path_model")
    if path is None:
        return
    award_due_badges(progress.organisation_id, progress.person_id, path, now=current_clock().now())


def reevaluate_all(path: PathModel, *, now: datetime) -> list[BadgeAward]:
    """After a change of rules: award what is now due to everyone; never take a badge away."""
    people = db.session.execute(
        select(ModuleProgress.organisation_id, ModuleProgress.person_id)
        .where(ModuleProgress.completed_at.is_not(None)).distinct()
        .order_by(ModuleProgress.organisation_id, ModuleProgress.person_id)
    ).all()
    awarded = []
    for organisation_id, person_id in people:
        awarded += award_due_badges(organisation_id, person_id, path, now=now)
    return awarded


def revoke_award(award: BadgeAward, reason: str, *, now: datetime) -> BadgeAward:
    """Revoke with a reason: the OB 2.0 assertion answers "revoked" and the OB 3.0 status bit is set, at once."""
    reason = (reason or "").strip()
    if not reason:
        raise AppError("Give a reason for the revocation: the earner and anyone verifying the badge see it.")
    if award.is_revoked:
        return award
    award.revoked_at, award.revocation_reason = now, reason[:1000]
    log.info("badge award %s (%s) of organisation %s revoked", award.id, award.badge_id, award.organisation_id)
    return award


def revoke_person_awards(sender=None, *, organisation_id: int, person, **_) -> None:
    """person_erased: their awards are revoked (not deleted), so anyone checking an exported copy learns it."""
    from app.clock import current_clock

    for award in awards_of(organisation_id, person.id):
        revoke_award(award, ERASED_REASON, now=current_clock().now())
        award.is_private, award.person_id = True, None
        award.evidence, award.narrative = [], None
    db.session.execute(delete(BadgeEarner).where(BadgeEarner.organisation_id == organisation_id,
                                                 BadgeEarner.person_id == person.id))
    db.session.flush()


def move_awards(sender=None, *, organisation_id: int, kept, merged) -> None:
    """people_merged: the merged person's awards become the kept person's; of a badge both hold, the earlier stays."""
    kept_awards = {award.badge_id: award for award in awards_of(organisation_id, kept.id)}
    for award in awards_of(organisation_id, merged.id):
        other = kept_awards.get(award.badge_id)
        if other is None:
            award.person_id = kept.id
        elif award.awarded_at < other.awarded_at:
            db.session.delete(other)
            db.session.flush()
            award.person_id = kept.id
        else:
            db.session.delete(award)
    kept_settings = earner_settings(organisation_id, kept.id)
    merged_settings = earner_settings(organisation_id, merged.id)
    if merged_settings is not None:
        if kept_settings is None:
            merged_settings.person_id = kept.id
        else:
            kept_settings.email = kept_settings.email or merged_settings.email
            db.session.delete(merged_settings)
    db.session.flush()

