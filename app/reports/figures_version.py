"""Each organisation's version of its report figures, in the shared cache: replaced at the commit of whatever the
skills map counts, so that reports cached under an older version are never read again (app/reports/report_cache.py;
when exactly: app.shared_cache.replace_version_at_commit).
"""
from __future__ import annotations

from app.shared_cache import replace_version_at_commit, version_of


def _version_key(organisation_id: int) -> str:
    return f"reports:version:{organisation_id}"


def figures_changed(organisation_id: int) -> None:
    """Something the skills map counts changed in this organisation: its cached reports go at this commit."""
    replace_version_at_commit(_version_key(organisation_id))


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


def current_version(organisation_id: int) -> str:
    """The organisation's version of its report figures (app.shared_cache.version_of)."""
    return version_of(_version_key(organisation_id))
