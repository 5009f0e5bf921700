"""The installation admin's award pages, under /admin/organisations/<id>/badges: the awards with filters, one award,
revoke, re-issue. create_app nests this blueprint in the admin one, whose login guard (it sets `g.admin_user`) and
no-framing rule apply to it; this module imports nothing of app.admin."""
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length

from app.badges import administration
from app.badges.catalogue import badge_catalogue
from app.badges.credentials import issuer_of
from app.clock import current_clock
from app.errors import AppError
from app.extensions import db
from app.tenancy.organisations import get_organisation

admin_bp = Blueprint("badge_awards", __name__, url_prefix="/organisations/<int:organisation_id>/badges")


class RevokeForm(FlaskForm):
    reason = TextAreaField("Reason (the earner always sees it)",
                           validators=[InputRequired(), Length(max=1000)], render_kw={"maxlength": 1000, "rows": 3})
    shown_to = RadioField("Who else reads the reason", default="earner", choices=[
        SelectChoice("earner", "Only the earner: verifiers read \"Revoked by the issuer\""),
        SelectChoice("public", "Also verifiers: the OB 2.0 revocation and the public award page show it")])


class ReissueForm(FlaskForm):
    pass


@admin_bp.get("/")
def awards(organisation_id: int):
    """The organisation's awards, filtered by badge, status and earner."""
    organisation = get_organisation(organisation_id)
    filters = {name: request.args.get(name, "") for name in ("badge", "status", "q")}
    try:
        rows = administration.organisation_awards(organisation_id, now=current_clock().now(),
                                                  badge_id=filters["badge"], status=filters["status"],
                                                  search=filters["q"])
        problem, status = None, 200
    except AppError as error:
        rows, problem, status = [], f"{error.message} {error.hint}".strip(), 400
    return render_template(
        "badges/admin_awards.html", organisation=organisation, rows=rows, filters=filters, problem=problem,
        badges=badge_catalogue().badges, statuses=administration.STATUSES, max_rows=administration.MAX_ROWS,
        title=f"Badge awards of {organisation.name}",
    ), status


@admin_bp.get("/<int:award_id>")
def award(organisation_id: int, award_id: int):
    return _award_page(organisation_id, award_id)


@admin_bp.post("/<int:award_id>/revoke")
def revoke(organisation_id: int, award_id: int):
    """Revoke with a reason: the OB 2.0 assertion answers revoked and the OB 3.0 status bit is set at once."""
    form = RevokeForm()
    if not form.validate():
        return _award_page(organisation_id, award_id, revoke_form=form), 400
    try:
        administration.revoke(organisation_id, award_id, form.reason.data, now=current_clock().now(),
                              by=g.admin_user.username, reason_public=form.shown_to.data == "public")
    except AppError as error:
        db.session.rollback()
        form.form_errors.append(f"{error.message} {error.hint}".strip())
        return _award_page(organisation_id, award_id, revoke_form=form), 400
    flash("Award revoked: its credentials now fail verification.", "success")
    return redirect(url_for(".award", organisation_id=organisation_id, award_id=award_id))


@admin_bp.post("/<int:award_id>/reissue")
def reissue(organisation_id: int, award_id: int):
    """Sign the credential again at its next use (same id and status bit); baked images are made anew."""
    form = ReissueForm()
    if not form.validate():
        return _award_page(organisation_id, award_id), 400
    try:
        administration.reissue_award(organisation_id, award_id)
    except AppError as error:
        db.session.rollback()
        flash(f"{error.message} {error.hint}".strip(), "error")
        return redirect(url_for(".award", organisation_id=organisation_id, award_id=award_id))
    flash("Award re-issued: its credential is signed again at its next download.", "success")
    return redirect(url_for(".award", organisation_id=organisation_id, award_id=award_id))


def _award_page(organisation_id: int, award_id: int, *, revoke_form=None):
    organisation = get_organisation(organisation_id)
    award = administration.organisation_award(organisation_id, award_id)
    badge = badge_catalogue().badge(award.badge_id)
    return render_template(
        "badges/admin_award.html",
        organisation=organisation,
        award=award,
        badge=badge,
        issuer=issuer_of(award),
        status=administration.status_of(award, current_clock().now()),
        revoke_form=revoke_form or RevokeForm(formdata=None),
        reissue_form=ReissueForm(formdata=None),
        title=f"Badge award {award.id}",
    )
