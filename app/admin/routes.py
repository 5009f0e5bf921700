"""Admin pages: log in, see the installation, approve deployments, edit registrations and organisations.

Every POST makes one service call and commits it; an InvalidInput shows the page again with the reason.
"""
import logging

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.admin import accounts, services
from app.admin.auth import admin_required, end_admin_session, local_path, start_admin_session
from app.admin.forms import (
    ApproveDeploymentForm,
    FrameOriginsForm,
    LoginForm,
    OrganisationNameForm,
    RegistrationForm,
    organisation_choices,
)
from app.admin.services import InvalidInput
from app.clock import current_clock
from app.extensions import db, limiter

log = logging.getLogger(__name__)
bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.after_request
def refuse_framing(response):
    """Admin pages are never shown inside an LMS, so no site may frame them (clickjacking)."""
    response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    return response


@bp.route("/login", methods=["GET", "POST"])
# Keyed by the limiter's default, the client address: behind a proxy, that needs ProxyFix to be the real client.
@limiter.limit(
    lambda: current_app.config["ADMIN_LOGIN_RATE_LIMIT"],
    methods=["POST"],
    error_message=lambda: _("Too many login attempts; wait a minute and try again."),
)
def login():
    """Show the login form; on the right username and password, start an admin session."""
    form = LoginForm(next=local_path(request.args.get("next")) or "")
    if not form.validate_on_submit():
        return render_template("admin/login.html", form=form, title=_("Admin login"))
    admin_user = accounts.authenticate(form.username.data, form.password.data, now=current_clock().now())
    if admin_user is None:
        log.warning("admin login refused for a request from %s", request.remote_addr)
        # One message for an unknown name and a wrong password: the page must not tell which names exist.
        form.form_errors.append(_("Wrong username or password."))
        return render_template("admin/login.html", form=form, title=_("Admin login")), 401
    db.session.commit()
    start_admin_session(admin_user)
    return redirect(local_path(form.next.data) or url_for(".overview"))


@bp.post("/logout")
def logout():
    """End the admin session."""
    end_admin_session()
    flash(_("You are logged out."), "success")
    return redirect(url_for(".login"))


@bp.get("/")
@admin_required
def overview():
    """Registrations, deployments and organisations of the installation, pending deployments first."""
    return render_template(
        "admin/overview.html", overview=services.installation_overview(), title=_("Installation overview")
    )


@bp.get("/deployments/<int:deployment_id>")
@admin_required
def deployment(deployment_id: int):
    """One deployment: approve, reject or disable it, and edit the origins that may frame it."""
    return _deployment_page(deployment_id)


@bp.post("/deployments/<int:deployment_id>/approve")
@admin_required
def approve_deployment(deployment_id: int):
    """Approve a deployment into the chosen organisation or a new one."""
    form = ApproveDeploymentForm()
    return _submit(
        lambda: services.approve_deployment(
            deployment_id,
            organisation_id=form.organisation_id.data,
            new_organisation_name=form.new_organisation_name.data,
        ),
        form=form,
        saved=_("Deployment approved."),
        back=url_for(".deployment", deployment_id=deployment_id),
        page=lambda: _deployment_page(deployment_id, approve_form=form),
    )


@bp.post("/deployments/<int:deployment_id>/disable")
@admin_required
def disable_deployment(deployment_id: int):
    """Reject a pending deployment or disable an active one."""
    services.disable_deployment(deployment_id)
    db.session.commit()
    flash(_("Deployment disabled: its launches are refused."), "success")
    return redirect(url_for(".deployment", deployment_id=deployment_id))


@bp.post("/deployments/<int:deployment_id>/frame-origins")
@admin_required
def update_frame_origins(deployment_id: int):
    """Replace the origins allowed to frame the deployment's pages."""
    form = FrameOriginsForm()
    return _submit(
        lambda: services.set_frame_origins(deployment_id, (form.origins.data or "").splitlines()),
        form=form,
        saved=_("Frame origins saved."),
        back=url_for(".deployment", deployment_id=deployment_id),
        page=lambda: _deployment_page(deployment_id, frame_form=form),
    )


@bp.get("/registrations/<int:registration_id>")
@admin_required
def registration(registration_id: int):
    """One registration: its platform values, status and new-deployment policy."""
    return _registration_page(registration_id)


@bp.post("/registrations/<int:registration_id>")
@admin_required
def update_registration(registration_id: int):
    """Change a registration's status, new-deployment policy and default organisation."""
    form = RegistrationForm()
    return _submit(
        lambda: services.update_registration(
            registration_id,
            status=form.status.data,
            new_deployment_policy=form.new_deployment_policy.data,
            default_organisation_id=form.default_organisation_id.data,
        ),
        form=form,
        saved=_("Registration saved."),
        back=url_for(".registration", registration_id=registration_id),
        page=lambda: _registration_page(registration_id, form=form),
    )


@bp.get("/organisations/<int:organisation_id>")
@admin_required
def organisation(organisation_id: int):
    """One organisation: its name and deployments."""
    return _organisation_page(organisation_id)


@bp.post("/organisations/<int:organisation_id>/name")
@admin_required
def rename_organisation(organisation_id: int):
    """Rename an organisation."""
    form = OrganisationNameForm()
    return _submit(
        lambda: services.rename_organisation(organisation_id, form.name.data or ""),
        form=form,
        saved=_("Organisation renamed."),
        back=url_for(".organisation", organisation_id=organisation_id),
        page=lambda: _organisation_page(organisation_id, form=form),
    )


def _submit(change, *, form, saved: str, back: str, page):
    """Apply one change and commit it, then go back with a status message; if refused, show the form again saying why."""
    try:
        change()
    except InvalidInput as error:
        db.session.rollback()
        form.form_errors.append(f"{error.message} {error.hint}".strip())
        return page(), 400
    db.session.commit()
    flash(saved, "success")
    return redirect(back)


def _deployment_page(deployment_id: int, *, approve_form=None, frame_form=None):
    deployment = services.get_deployment(deployment_id)
    approve_form = approve_form or ApproveDeploymentForm(
        organisation_id=deployment.organisation_id, new_organisation_name=deployment.platform_name
    )
    approve_form.organisation_id.choices = organisation_choices(services.all_organisations())
    frame_form = frame_form or FrameOriginsForm(origins="\n".join(deployment.frame_ancestors or []))
    return render_template(
        "admin/deployment.html",
        deployment=deployment,
        approve_form=approve_form,
        frame_form=frame_form,
        title=_("Deployment %(id)s", id=deployment.deployment_id),
    )


def _registration_page(registration_id: int, *, form=None):
    registration = services.get_registration(registration_id)
    form = form or RegistrationForm(obj=registration)
    form.default_organisation_id.choices = organisation_choices(
        services.all_organisations(), empty_label=_("None")
    )
    return render_template(
        "admin/registration.html", registration=registration, form=form, title=registration.name
    )


def _organisation_page(organisation_id: int, *, form=None):
    organisation = services.get_organisation(organisation_id)
    return render_template(
        "admin/organisation.html",
        organisation=organisation,
        form=form or OrganisationNameForm(obj=organisation),
        title=organisation.name,
    )
