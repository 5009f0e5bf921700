"""Awarding badges when their rules become true, exactly once; revoking; moving awards when people merge.

Awards are made inside the transaction that recorded the completion (module_completed is sent there), so an
award commits or rolls back with the progress that earned it. The unique key on (organisation, person,
badge) and INSERT … ON CONFLICT DO NOTHING make concurrent completions award a badge once. An award is
stored with its OB 3.0 credential already signed, built from the values in hand: one query reads what the
credential needs from elsewhere (issuer, earner, key), one INSERT stores every badge a completion made due.
After a change of rules, `flask badges reevaluate` awards in bulk, batch by batch (bulk_awarding.py), with the same
new_award and store_awards.
"""
import logging
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import TextClause, bindparam, delete, select, text, update
from sqlalchemy.orm import make_transient_to_detached

from app.badges.catalogue import badge_catalogue
from app.badges.credentials import credential_context, sign
from app.badges.criteria import evidence_modules, is_met
from app.badges.definitions import BadgeDefinition
from app.badges.issuers import take_status_index
from app.badges.models import BadgeAward, BadgeEarner
from app.badges.recipients import chosen_email, earner_settings
from app.clock import current_clock
from app.errors import AppError
from app.events import badge_awarded
from app.extensions import db
from app.i18n import current_language
from app.learning.content import path_model
from app.learning.content.model import PathModel
from app.learning.models import ModuleProgress
from app.tenancy.models import Organisation
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
    awarded = award_badges(organisation_id, person_id, [(badge, evidence)], now=now, how=how,
                           awarded_by=awarded_by, narrative=narrative)
    return awarded[0] if awarded else None


def award_badges(organisation_id: int, person_id: int, due: list[tuple[BadgeDefinition, list[dict]]], *,
                 now: datetime, how: str = BadgeAward.AUTOMATIC, awarded_by: str | None = None,
                 narrative: str | None = None) -> list[BadgeAward]:
    """Award each (badge, evidence) of `due` the person does not have yet (revoked included), signed, in one INSERT."""
    context = credential_context(organisation_id, person_id)
    awards = [new_award(organisation_id, person_id, badge, evidence, context,
                        status_index=take_status_index(context.issuer, organisation_id), now=now, how=how,
                        awarded_by=awarded_by, narrative=narrative)
              for badge, evidence in due]
    return store_awards(awards)


def new_award(organisation_id: int, person_id: int, badge: BadgeDefinition, evidence: list[dict], context, *,
              status_index: int, now: datetime, how: str = BadgeAward.AUTOMATIC, awarded_by: str | None = None,
              narrative: str | None = None) -> BadgeAward:
    """The award as it will be stored, its credential signed (not in the session yet: store_awards puts it there)."""
    award = BadgeAward(
        public_id=secrets.token_urlsafe(18), organisation_id=organisation_id, person_id=person_id,
        badge_id=badge.id, awarded_at=now,
        expires_at=now + timedelta(days=badge.valid_for_days) if badge.valid_for_days else None,
        how=how, awarded_by=awarded_by, evidence=evidence, narrative=narrative,
        recipient_salt=secrets.token_hex(16), status_index=status_index,
        revoked_at=None, revocation_reason=None, revocation_reason_public=False, is_private=False,
    )
    for column, value in _signed_if_possible(award, badge, context).items():
        setattr(award, column, value)
    return award


def store_awards(awards: list[BadgeAward]) -> list[BadgeAward]:
    """INSERT … ON CONFLICT DO NOTHING of the awards (one person's or a bulk batch's); those actually made (another
    process may have made one a moment ago) become known to the session as stored, and each is announced by
    badge_awarded, inside the caller's transaction.

    A few awards (a completion's): one INSERT of them all, RETURNING their ids. Many (a bulk batch): the one-row
    INSERT executed for each (psycopg sends them in one pipeline, the statement parsed once) and one SELECT of
    the ids by public id. A multi-row INSERT of hundreds of awards cost more client CPU than their signatures:
    its 100 KB of SQL with thousands of placeholders is built, and rewritten by the driver, at each batch."""
    if len(awards) <= FEW_AWARDS:
        inserted = {(person_id, badge_id): award_id for person_id, badge_id, award_id in
                    db.session.connection().execute(_insert_awards(len(awards)), {
                        f"{column}_{row}": getattr(award, column)
                        for row, award in enumerate(awards) for column in _INSERTED})}
    else:
        inserted = _insert_many(awards)
    awarded = []
    for award in awards:
        award_id = inserted.get((award.person_id, award.badge_id))
        if award_id is None:  # another process awarded it a moment ago
            continue
        award.id = award_id
        make_transient_to_detached(award)  # the session knows the row as stored: no flush, no reload
        db.session.add(award)
        log.info("badge %s awarded to person %s of organisation %s (%s)", award.badge_id, award.person_id,
                 award.organisation_id, award.how)
        badge_awarded.send(current_app._get_current_object(), award=award)
        awarded.append(award)
    return awarded


def _signed_if_possible(award: BadgeAward, badge: BadgeDefinition, context) -> dict:
    """The credential signed now; if signing fails (a key that cannot be decrypted, say), the award is still made
    and its credential is signed at its first use: a badge problem never costs the learner their completion."""
    try:
        return sign(award, badge, context)
    except Exception:  # noqa: BLE001 - any signing failure; logged with its traceback for the admin
        log.exception("badge %s for person %s could not be signed now; it will be signed at its first use",
                      badge.id, award.person_id)
        return {}


_INSERTED = tuple(column.key for column in BadgeAward.__table__.columns if column.key != "id")
FEW_AWARDS = 20  # at most this many are stored by one multi-row INSERT (store_awards)
SELECTED_IDS = 1000  # public ids per SELECT of _insert_many: well below either database's limit of parameters


def _insert_many(awards: list[BadgeAward]) -> dict[tuple[int | None, str], int]:
    """{(person, badge): id} of the awards inserted, by the one-row INSERT executed for each, then SELECTs by their
    public ids (an award that conflicted has none: its row is another's)."""
    connection = db.session.connection()
    connection.execute(_insert_award(), [{column: getattr(award, column) for column in _INSERTED}
                                         for award in awards])
    inserted = {}
    public_ids = [award.public_id for award in awards]
    for first in range(0, len(public_ids), SELECTED_IDS):
        inserted.update(((person_id, badge_id), award_id) for person_id, badge_id, award_id in connection.execute(
            select(BadgeAward.person_id, BadgeAward.badge_id, BadgeAward.id)
            .where(BadgeAward.public_id.in_(public_ids[first:first + SELECTED_IDS]))))
    return inserted


@lru_cache(maxsize=1)
def _insert_award() -> TextClause:
    table = BadgeAward.__table__
    return text(f"INSERT INTO {table.name} ({', '.join(_INSERTED)}) VALUES "
                f"({', '.join(':' + column for column in _INSERTED)}) "
                "ON CONFLICT (organisation_id, person_id, badge_id) DO NOTHING").bindparams(
        *[bindparam(column, type_=table.c[column].type) for column in _INSERTED])


@lru_cache(maxsize=16)
def _insert_awards(rows: int) -> TextClause:
    """INSERT of `rows` awards … ON CONFLICT DO NOTHING RETURNING (person, badge, id) of those actually made.

    Text, built once per number of rows: SQLAlchemy never caches its PostgreSQL and SQLite inserts with
    ON CONFLICT, so it would compile one again at every award; both databases spell this statement alike."""
    table = BadgeAward.__table__
    rows_sql = ", ".join("(" + ", ".join(f":{column}_{row}" for column in _INSERTED) + ")" for row in range(rows))
    return (
        text(f"INSERT INTO {table.name} ({', '.join(_INSERTED)}) VALUES {rows_sql} "
             "ON CONFLICT (organisation_id, person_id, badge_id) DO NOTHING RETURNING person_id, badge_id, id")
        .bindparams(*[bindparam(f"{column}_{row}", type_=table.c[column].type)
                      for row in range(rows) for column in _INSERTED])
        .columns(table.c.person_id, table.c.badge_id, table.c.id)
    )


def organisation_is_pending(organisation_id: int) -> bool:
    """A pending organisation (not yet approved by the installation admin) earns badges but is not issued them: its
    name would go out as the issuer of signed credentials nobody vouched for. They are awarded at its approval."""
    organisation = db.session.get(Organisation, organisation_id)  # usually in the session already: the launch's
    return organisation is not None and organisation.status == Organisation.PENDING


def award_due_badges(organisation_id: int, person_id: int, path: PathModel, *, now: datetime) -> list[BadgeAward]:
    """Every badge whose rule the person's completed modules now meet and they do not have yet (none while the
    organisation is pending: they are held, and award_held_badges makes them at its approval)."""
    if organisation_is_pending(organisation_id):
        log.info("badges of person %s held: organisation %s is pending approval", person_id, organisation_id)
        return []
    completed_at = dict(db.session.execute(
        select(ModuleProgress.module_id, ModuleProgress.completed_at).where(
            ModuleProgress.organisation_id == organisation_id, ModuleProgress.person_id == person_id,
            ModuleProgress.completed_at.is_not(None))).all())
    if not completed_at:
        return []
    held = set(db.session.scalars(select(BadgeAward.badge_id).where(
        BadgeAward.organisation_id == organisation_id, BadgeAward.person_id == person_id)))
    due = _due(path, completed_at, held)
    return award_badges(organisation_id, person_id, due, now=now) if due else []


def _due(path: PathModel, completed_at: dict[str, datetime], held: set[str]) -> list[tuple[BadgeDefinition, list]]:
    """(badge, evidence) of each badge the completed modules meet and the person does not hold."""
    completed = frozenset(completed_at)
    return [
        (badge, [{"module": module.id, "title": module.title.english,
                  "completed_at": completed_at[module.id].isoformat() if module.id in completed_at else None}
                 for module in evidence_modules(badge, path, completed)])
        for badge in badge_catalogue().participation
        if badge.id not in held and is_met(badge, path, completed)
    ]


def on_module_completed(sender, *, launch, module, progress, **_) -> None:
    """A completion may make badges due: award them in the completion's own transaction."""
    from app.clock import current_clock

    path = path_model()
    if path is None:
        return
    award_due_badges(progress.organisation_id, progress.person_id, path, now=current_clock().now())


def reevaluate_all(path: PathModel, *, now: datetime, only_organisation: int | None = None) -> list[BadgeAward]:
    """After a change of rules: award what is now due to everyone (or to one organisation's people) in the caller's
    transaction; never take a badge away. Pending organisations are left out: their badges are held until approval.

    Everyone's completions and badges are read in two queries (due_to_everyone); then, per person something is due
    to, what the credentials need and one INSERT of their new awards (award_badges). `flask badges reevaluate`
    uses the batched, parallel app/badges/bulk_awarding.py instead: one transaction for thousands of awards would
    keep them all uncommitted until the end, signed one at a time."""
    awarded = []
    for (organisation_id, person_id), due in due_to_everyone(path, only_organisation=only_organisation):
        awarded += award_badges(organisation_id, person_id, due, now=now)
    return awarded


def due_to_everyone(path: PathModel, *, only_organisation: int | None = None
                    ) -> list[tuple[tuple[int, int], list[tuple[BadgeDefinition, list]]]]:
    """((organisation, person), [(badge, evidence)]) of everyone some badge is due to, in (organisation, person)
    order, from two queries: everyone's completions and everyone's badges (pending organisations left out)."""
    completed = (select(ModuleProgress.organisation_id, ModuleProgress.person_id, ModuleProgress.module_id,
                        ModuleProgress.completed_at)
                 .join(Organisation, Organisation.id == ModuleProgress.organisation_id)
                 .where(ModuleProgress.completed_at.is_not(None), Organisation.status != Organisation.PENDING))
    awarded_rows = select(BadgeAward.organisation_id, BadgeAward.person_id, BadgeAward.badge_id).where(
        BadgeAward.person_id.is_not(None))
    if only_organisation is not None:
        completed = completed.where(ModuleProgress.organisation_id == only_organisation)
        awarded_rows = awarded_rows.where(BadgeAward.organisation_id == only_organisation)
    completions: dict[tuple[int, int], dict[str, datetime]] = {}
    for organisation_id, person_id, module_id, completed_at in db.session.execute(completed):
        completions.setdefault((organisation_id, person_id), {})[module_id] = completed_at
    held: dict[tuple[int, int], set[str]] = {}
    for organisation_id, person_id, badge_id in db.session.execute(awarded_rows):
        held.setdefault((organisation_id, person_id), set()).add(badge_id)
    everyone = []
    for key in sorted(completions):
        due = _due(path, completions[key], held.get(key, set()))
        if due:
            everyone.append((key, due))
    return everyone


def award_held_badges(organisation_id: int, *, now: datetime) -> list[BadgeAward]:
    """At a pending organisation's approval: the badges its people earned while it waited, awarded now."""
    path = path_model()
    if path is None:
        return []
    awarded = reevaluate_all(path, now=now, only_organisation=organisation_id)
    if awarded:
        log.info("%s held badge(s) of organisation %s awarded at its approval", len(awarded), organisation_id)
    return awarded


def on_organisation_activated(organisation: Organisation, **_) -> None:
    """The installation admin approved a pending organisation: its people get the badges held for them."""
    award_held_badges(organisation.id, now=current_clock().now())


REASON_MAX = 1000  # characters; the forms say so too


def revoke_award(award: BadgeAward, reason: str, *, now: datetime, revoked_by: str, reason_public: bool,
                 tell_earner: bool = True) -> BadgeAward:
    """Revoke with a reason, for good: the OB 2.0 assertion and revocation list and the OB 3.0 status bit say so
    from this transaction's commit on (they are read from the award's row, never cached). The earner sees a notice
    until they open My badges and, where SMTP_URL is set, gets an e-mail; verifiers read the reason only when it is
    public (else a neutral one: ob2.revocation_reason). An award already revoked is left as it was."""
    reason = (reason or "").strip()
    if not reason:
        raise AppError(_("Give a reason for the revocation."),
                       hint=_("The earner always reads it; verifiers read it only if you make it public."))
    if len(reason) > REASON_MAX:
        raise AppError(_("The reason is too long."), hint=_("Write at most %(max)d characters.", max=REASON_MAX))
    if award.is_revoked:
        return award
    award.revoked_at, award.revocation_reason = now, reason
    award.revoked_by, award.revocation_reason_public = revoked_by[:300], reason_public
    award.revocation_seen_at = None if tell_earner else now
    log.info("badge award %s (%s) of organisation %s revoked by %s", award.id, award.badge_id, award.organisation_id,
             revoked_by)
    if tell_earner and award.person_id is not None:
        _email_revocation(award)
    return award


def _email_revocation(award: BadgeAward) -> None:
    """The earner hears of the revocation by e-mail (only where SMTP_URL is set), in their own language."""
    from flask_babel import force_locale

    from app.jobs.mail import queue_email
    from app.tenancy.models import Person

    badge = badge_catalogue().badge(award.badge_id)
    person = db.session.get(Person, award.person_id)
    settings = earner_settings(award.organisation_id, award.person_id)
    address = chosen_email(settings.email if settings else None, person.email if person else None)
    with force_locale((person.locale if person else None) or "en"):
        name = badge.localised(current_language()) if badge else award.badge_id
        queue_email(address, _("Your badge “%(badge)s” was revoked", badge=name), _(
            "Your organisation revoked your badge “%(badge)s” on %(date)s. It no longer verifies anywhere: its "
            "credentials and the badge images you downloaded now show it as revoked.\n\nReason: %(reason)s\n\n"
            "Open REX VET Path from your course in the LMS and go to My badges to see it.",
            badge=name, date=format_date(award.revoked_at), reason=award.revocation_reason),
            organisation_id=award.organisation_id)


def revoke_person_awards(sender=None, *, organisation_id: int, person, **_) -> None:
    """person_erased: their awards are revoked (not deleted), so anyone checking an exported copy learns it; the
    reason stays private (verifiers read the neutral one) and nobody is told: the person is gone."""
    from app.clock import current_clock

    for award in awards_of(organisation_id, person.id):
        revoke_award(award, ERASED_REASON, now=current_clock().now(), revoked_by="erasure", reason_public=False,
                     tell_earner=False)
        award.is_private, award.person_id = True, None
        award.evidence, award.narrative = [], None
    db.session.execute(delete(BadgeEarner).where(BadgeEarner.organisation_id == organisation_id,
                                                 BadgeEarner.person_id == person.id))
    db.session.flush()


def move_awards_to_organisation(sender=None, *, source_organisation_id: int, target_organisation_id: int, person,
                                deployment_id: int | None, **_) -> None:
    """person_moved: a person who moves wholly takes their badges along, re-issued by the new organisation (its
    issuer and a bit of its status list; the credential is signed again at its next use). A revoked award stays
    with the organisation that revoked it, without the person, as an erased person's does: its bit in that
    organisation's status list must go on saying "revoked" to anyone checking a copy. One who stays keeps theirs."""
    from app.badges.credentials import reissue
    from app.badges.issuers import issuer_for, issuer_profile

    if deployment_id is not None:
        return
    issuer = None
    for award in awards_of(source_organisation_id, person.id):
        if award.is_revoked:
            award.person_id, award.is_private = None, True
            continue
        issuer = issuer or issuer_profile(issuer_for(target_organisation_id))
        award.organisation_id = target_organisation_id
        award.status_index = take_status_index(issuer, target_organisation_id)
        reissue(award)
        db.session.flush()  # one at a time: the status index is unique per organisation
    db.session.execute(update(BadgeEarner).where(
        BadgeEarner.organisation_id == source_organisation_id, BadgeEarner.person_id == person.id,
    ).values(organisation_id=target_organisation_id))
    log.info("awards of person %s moved from organisation %s to %s", person.id, source_organisation_id,
             target_organisation_id)


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

