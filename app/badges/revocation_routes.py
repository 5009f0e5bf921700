"""The organisation admin's badge awards, reached through their LMS launch: the list (search, pages) and the revoke
flow (a confirmation page, then the POST). The rules are app.badges.revocation's; these views are thin, and the
request's one commit (app.Tool.process_response) makes the revocation visible to verifiers at once."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.badges import revocation
from app.badges.awarding import REASON_MAX
from app.clock import current_clock
from app.errors import AppError
from app.extensions import db
from app.lti.session import organisation_admin_launch

bp = Blueprint("badge_revocation", __name__, url_prefix="/organisation/badges")

SHOWN_TO = ("earner", "public")  # who reads the reason besides the organisation: the earner only, or verifiers too


@bp.get("")
def awards():
    """The organisation's badge awards, newest first, searchable by person or badge; revoked ones marked."""
    launch = organisation_admin_launch()
    search, page = request.args.get("q", ""), request.args.get("page", 1, type=_page_number)
    try:
        listing, problem, status = revocation.awards_page(launch.organisation_id, now=current_clock().now(),
                                                          search=search, page=page), None, 200
    except AppError as error:
        listing, problem, status = None, f"{error.message} {error.hint}".strip(), 400
    return render_template("badges/organisation_awards.html", listing=listing, search=search, problem=problem,
                           title=_("Badges awarded in your organisation")), status


@bp.get("/<award_id>/revoke")
def confirm_revoke(award_id):
    """What revoking this award does, and the form that does it (reason, and who reads it)."""
    launch = organisation_admin_launch()
    row = revocation.award_of_organisation(launch.organisation_id, award_id, now=current_clock().now())
    return _confirmation(row, reason="", shown_to="earner", problem=None)


@bp.post("/<award_id>/revoke")
def revoke(award_id):
    """Revoke the award: the badge stops verifying at this request's commit; the earner is told."""
    launch = organisation_admin_launch()
    now = current_clock().now()
    row = revocation.award_of_organisation(launch.organisation_id, award_id, now=now)
    reason, shown_to = request.form.get("reason", ""), request.form.get("shown_to", "")
    try:
        if shown_to not in SHOWN_TO:
            raise AppError(_("Choose who may read the reason."),
                           hint=_("Only the earner, or also anyone who checks the badge."))
        revocation.revoke_for_organisation(launch.organisation_id, award_id, reason, reason_public=shown_to == "public",
                                           now=now, revoked_by=_admin_name(launch))
    except AppError as error:
        db.session.rollback()  # nothing half-done: the award stays as it was
        return _confirmation(row, reason=reason, shown_to=shown_to, problem=f"{error.message} {error.hint}".strip(),
                             status=400)
    badge = row.badge.localised(_locale()) if row.badge else row.award.badge_id
    flash(_("The badge “%(badge)s” is revoked: it no longer verifies, and its earner is told.", badge=badge),
          "success")
    return redirect(url_for("badge_revocation.awards"), 303)


def _confirmation(row, *, reason: str, shown_to: str, problem: str | None, status: int = 200):
    badge = row.badge.localised(_locale()) if row.badge else row.award.badge_id
    return render_template("badges/organisation_revoke.html", row=row, badge_name=badge, reason=reason,
                           shown_to=shown_to, problem=problem, reason_max=REASON_MAX,
                           title=_("Revoke the badge “%(badge)s”", badge=badge)), status


def _admin_name(launch) -> str:
    person = launch.person
    return f"organisation admin {(person.name or person.subject) if person else launch.person_id}"


def _page_number(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 100_000:
        raise ValueError(f"{text!r} is not a page")
    return value


def _locale() -> str:
    from app.i18n import current_language

    return current_language()
