"""Each organisation's version of its report figures, in the shared cache: replaced whenever something the skills
map counts changes, so that reports cached under an older version are never read again (app/reports/report_cache.py).

When the version is replaced: with the database as the shared cache, at the commit of the change, in the same
transaction (a report computed from the old data is stored under the old version); with Redis, which knows no
transactions, after the commit (replacing it before would let a reader store old figures under the new version).
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.shared_cache import new_version, shared_cache, version_of

_CHANGED = "reports.figures_changed"  # session.info: the organisations whose version to replace at commit


def _version_key(organisation_id: int) -> str:
    return f"reports:version:{organisation_id}"


def figures_changed(organisation_id: int) -> None:
    """Something the skills map counts changed in this organisation: its cached reports go at this commit."""
    db.session.info.setdefault(_CHANGED, set()).add(organisation_id)


def on_organisation_change(sender=None, *, organisation_id: int, **_) -> None:
    """person_erased, people_merged."""
    figures_changed(organisation_id)


def on_move(sender=None, *, source_organisation_id: int, target_organisation_id: int, **_) -> None:
    """person_moved, deployment_moved: both organisations' figures change."""
    figures_changed(source_organisation_id)
    figures_changed(target_organisation_id)


def on_learner_progress(sender, *, launch, **_) -> None:
    """module_started, module_completed."""
    figures_changed(launch.organisation_id)


def on_self_assessment(sender, *, assessment, **_) -> None:
    figures_changed(assessment.organisation_id)


def on_badge_awarded(sender, *, award, **_) -> None:
    figures_changed(award.organisation_id)


def on_roster(sender, *, course, **_) -> None:
    figures_changed(course.organisation_id)


@event.listens_for(Session, "before_commit")
def _replace_versions_in_the_transaction(session: Session) -> None:
    if session.info.get(_CHANGED) and shared_cache().writes_in_transaction:
        for organisation_id in session.info.pop(_CHANGED):
            shared_cache().set(_version_key(organisation_id), new_version())


@event.listens_for(Session, "after_commit")
def _replace_versions_after_the_commit(session: Session) -> None:
    for organisation_id in session.info.pop(_CHANGED, ()):
        shared_cache().set(_version_key(organisation_id), new_version())


@event.listens_for(Session, "after_rollback")
def _forget_changes_rolled_back(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def current_version(organisation_id: int) -> str:
    """The organisation's version of its report figures (app.shared_cache.version_of)."""
    return version_of(_version_key(organisation_id))
