"""Admin pages: log in, see the installation, approve deployments, edit registrations and organisations.

Every POST makes one service call and commits it; an InvalidInput shows the page again with the reason.
"""
import logging

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.admin import accounts
from app.admin.auth import end_admin_session, local_path, require_admin, start_admin_session
from app.admin.forms import (
    ApproveDeploymentForm,
    FrameOriginsForm,
    InvitationForm,
    LoginForm,
    OrganisationNameForm,
    RegistrationApprovalSettingForm,
    RegistrationForm,
    organisation_choices,
)
from app.admin.overview import installation_overview
from app.admin.registration_forms import (
    NewDeploymentForm,
    NewRegistrationForm,
    PlatformValuesForm,
    RegistrationFileForm,
)
from app.clock import current_clock
from app.errors import InvalidInput
from app.extensions import db
from app.grades.labels import progress_label, sync_status_label
from app.grades.passback import retry as retry_score
from app.grades.passback import syncs_of_organisation
from app.learning.content import reload_content as reload_content_files
from app.learning.retired import retired_references
from app.lti import registrations
from app.lti.dynamic_registration import create_invitation, registration_url
from app.lti.tool_urls import ToolUrls
from app.lti.tool_values import tool_values as values_for_lms
from app.rate_limits import rate_limits
from app.tenancy import deployments, organisations, settings
from app.tenancy.labels import register_filters, registration_label
from app.tenancy.paging import page_number
from app.tenancy.services import default_frame_ancestors

log = logging.getLogger(__name__)
bp = Blueprint("admin", __name__, url_prefix="/admin")
# Every page but login and logout, the feature pages create_app nests here included (badge awards, reports).
bp.before_request(require_admin)
# Codes (statuses, policies, AGS progress) are shown as words; registrations by name and issuer.
register_filters(bp)
bp.add_app_template_filter(sync_status_label, "sync_status_label")
bp.add_app_template_filter(progress_label, "progress_label")


@bp.after_request
def refuse_framing(response):
    """Admin pages are never shown inside an LMS, so no site may frame them (clickjacking)."""
    response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    return response


@bp.route("/login", methods=["GET", "POST"])
# Counted per client address: behind a proxy, that needs ProxyFix to make it the real client's (docs/deploy.md).
@rate_limits.limit(
    "ADMIN_LOGIN_RATE_LIMIT", lambda: _("Too many login attempts; wait a minute and try again."), methods=("POST",)
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
    start_admin_session(admin_user)
    return redirect(local_path(form.next.data) or url_for(".overview"))


@bp.post("/logout")
def logout():
    """End the admin's sessions (this one and any other: a copied cookie must not outlive the logout)."""
    end_admin_session()
    flash(_("You are logged out."), "success")
    return redirect(url_for(".login"))


@bp.get("/")
def overview():
    """Registrations, deployments and organisations of the installation, pending deployments first."""
    pages = {name: page_number(request.args.get(name))
             for name in ("registrations_page", "deployments_page", "organisations_page", "pending_page")}
    return render_template(
        "admin/overview.html", overview=installation_overview(**pages), title=_("Installation overview"),
        dynamic_registration=_dynamic_registration_panel(),
    )


@bp.get("/deployments/<int:deployment_id>")
def deployment(deployment_id: int):
    """One deployment: approve, reject or disable it, and edit the origins that may frame it."""
    return _deployment_page(deployment_id)


@bp.post("/deployments/<int:deployment_id>/approve")
def approve_deployment(deployment_id: int):
    """Approve a deployment into the chosen organisation or a new one."""
    form = ApproveDeploymentForm()
    return _submit(
        lambda: deployments.approve_deployment(
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
def disable_deployment(deployment_id: int):
    """Reject a pending deployment or disable an active one."""
    deployments.disable_deployment(deployment_id)
    flash(_("Deployment disabled: its launches are refused."), "success")
    return redirect(url_for(".deployment", deployment_id=deployment_id))


@bp.post("/deployments/<int:deployment_id>/frame-origins")
def update_frame_origins(deployment_id: int):
    """Replace the origins allowed to frame the deployment's pages."""
    form = FrameOriginsForm()
    return _submit(
        lambda: deployments.set_frame_origins(deployment_id, (form.origins.data or "").splitlines()),
        form=form,
        saved=_("Frame origins saved."),
        back=url_for(".deployment", deployment_id=deployment_id),
        page=lambda: _deployment_page(deployment_id, frame_form=form),
    )


@bp.get("/registrations/<int:registration_id>")
def registration(registration_id: int):
    """One registration: its platform values, status and new-deployment policy."""
    return _registration_page(registration_id)


@bp.post("/registrations/<int:registration_id>")
def update_registration(registration_id: int):
    """Change a registration's status, new-deployment policy and default organisation."""
    form = RegistrationForm()
    return _submit(
        lambda: registrations.update_registration(
            registration_id,
            status=form.status.data,
            new_deployment_policy=form.new_deployment_policy.data,
            default_organisation_id=form.default_organisation_id.data,
            default_organisation_approves=form.default_organisation_approves.data,
        ),
        form=form,
        saved=_("Registration saved."),
        back=url_for(".registration", registration_id=registration_id),
        page=lambda: _registration_page(registration_id, form=form),
    )


@bp.get("/organisations/<int:organisation_id>")
def organisation(organisation_id: int):
    """One organisation: its name and deployments."""
    return _organisation_page(organisation_id)


@bp.post("/organisations/<int:organisation_id>/name")
def rename_organisation(organisation_id: int):
    """Rename an organisation."""
    form = OrganisationNameForm()
    return _submit(
        lambda: organisations.rename_organisation(organisation_id, form.name.data or ""),
        form=form,
        saved=_("Organisation renamed."),
        back=url_for(".organisation", organisation_id=organisation_id),
        page=lambda: _organisation_page(organisation_id, form=form),
    )


@bp.post("/settings/registration-approval")
def update_registration_approval():
    """Turn on or off the approval of LMSs that register themselves (Dynamic Registration)."""
    form = RegistrationApprovalSettingForm()
    settings.set_registration_approval_required(form.require_approval.data)
    flash(_("New registrations now wait for your approval.") if form.require_approval.data
          else _("New registrations are accepted for launches at once."), "success")
    return redirect(url_for(".overview") + "#dynamic-registration-title")


@bp.post("/registrations/<int:registration_id>/approve")
def approve_registration(registration_id: int):
    """Approve a registration that waits: its launches are accepted from now on (in the organisation chosen, for a
    second registration of a known LMS)."""
    form = ApproveDeploymentForm()
    return _submit(
        lambda: registrations.approve_registration(
            registration_id, organisation_id=form.organisation_id.data,
            new_organisation_name=form.new_organisation_name.data,
        ),
        form=form,
        saved=_("Registration approved: its launches are accepted."),
        back=url_for(".registration", registration_id=registration_id),
        page=lambda: _registration_page(registration_id, approve_form=form),
    )


@bp.post("/registrations/<int:registration_id>/proposed-values/apply")
def apply_proposed_values(registration_id: int):
    """Put in force the key set and endpoints the LMS's Update offered."""
    return _submit(
        lambda: registrations.apply_proposed_values(registration_id), form=(form := ApproveDeploymentForm()),
        saved=_("The LMS's new values are in force."),
        back=url_for(".registration", registration_id=registration_id),
        page=lambda: _registration_page(registration_id, approve_form=form),
    )


@bp.post("/registrations/<int:registration_id>/proposed-values/discard")
def discard_proposed_values(registration_id: int):
    """Refuse the LMS's Update: the values in force stay."""
    return _submit(
        lambda: registrations.discard_proposed_values(registration_id), form=(form := ApproveDeploymentForm()),
        saved=_("The LMS's new values were refused; the old ones stay in force."),
        back=url_for(".registration", registration_id=registration_id),
        page=lambda: _registration_page(registration_id, approve_form=form),
    )


@bp.post("/organisations/<int:organisation_id>/approve")
def approve_organisation(organisation_id: int):
    """Approve a pending organisation: its people get the badges held for them."""
    return _submit(
        lambda: organisations.approve_organisation(organisation_id), form=OrganisationNameForm(),
        saved=_("Organisation approved; badges its people earned meanwhile are awarded."),
        back=url_for(".organisation", organisation_id=organisation_id),
        page=lambda: _organisation_page(organisation_id),
    )


@bp.post("/organisations/<int:organisation_id>/registration-url")
def make_registration_url(organisation_id: int):
    """Make a one-time registration URL that attaches a new LMS to this organisation; shown once."""
    organisation = organisations.get_organisation(organisation_id)
    invitation, token = create_invitation(organisation, now=current_clock().now())
    return _invitation_page(invitation, token)


@bp.post("/registration-invitations")
def make_new_organisation_registration_url():
    """Make a one-time registration URL for an LMS of a new organisation; shown once."""
    form = InvitationForm()
    try:
        name = form.organisation_name.data.strip() if form.organisation_name.data else None
        invitation, token = create_invitation(
            None, organisation_name=organisations.checked_organisation_name(name) if name else None,
            now=current_clock().now(),
        )
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".overview") + "#dynamic-registration-title")
    return _invitation_page(invitation, token)


def _invitation_page(invitation, token: str):
    name = invitation.organisation.name if invitation.organisation else invitation.organisation_name
    return render_template(
        "admin/registration_invitation.html",
        organisation=invitation.organisation,
        organisation_name=name,
        invitation=invitation,
        url=registration_url(ToolUrls.configured(), token),
        title=_("Registration URL for %(name)s", name=name) if name else _("Registration URL for a new organisation"),
    )


def _dynamic_registration_panel() -> dict:
    """The overview's Dynamic Registration section: the public URL, the approval setting, what waits."""
    required = settings.registration_approval_required()
    return {
        "url": registration_url(ToolUrls.configured()),
        "invitation_form": InvitationForm(formdata=None),
        "approval_required": required,
        "form": RegistrationApprovalSettingForm(require_approval=required),
        "pending_registrations": registrations.pending_registrations(),
    }


def _submit(change, *, form, saved, back, page):
    """Apply one change and commit it, then go back with a status message (`saved` and `back` may be functions of the
    change's result); if refused, show the form again saying why."""
    try:
        result = change()
    except InvalidInput as error:
        db.session.rollback()
        form.form_errors.append(f"{error.message} {error.hint}".strip())
        _mark_fields(form, error)
        return page(), 400
    flash(saved(result) if callable(saved) else saved, "success")
    return redirect(back(result) if callable(back) else back)


def _mark_fields(form, error: InvalidInput) -> None:
    """Show each problem next to the field it is about too (InvalidRegistration names them)."""
    for name, problems in getattr(error, "problems_by_field", {}).items():
        if name in form:
            form[name].errors = [*form[name].errors, *problems]


def _deployment_page(deployment_id: int, *, approve_form=None, frame_form=None):
    deployment = deployments.get_deployment(deployment_id)
    approve_form = approve_form or ApproveDeploymentForm(
        organisation_id=deployment.organisation_id, new_organisation_name=deployment.platform_name
    )
    approve_form.organisation_id.choices = organisation_choices(organisations.all_organisations())
    frame_form = frame_form or FrameOriginsForm(origins="\n".join(deployment.frame_ancestors or []))
    return render_template(
        "admin/deployment.html",
        deployment=deployment,
        approve_form=approve_form,
        frame_form=frame_form,
        title=_("Deployment %(id)s", id=deployment.deployment_id),
    )


def _registration_page(registration_id: int, *, form=None, values_form=None, deployment_form=None, approve_form=None):
    registration = registrations.get_registration(registration_id)
    every_organisation = organisations.all_organisations()
    # A second registration of a known LMS: the admin attaches it to one of that LMS's organisations, or a new one.
    approve_form = approve_form or ApproveDeploymentForm(
        formdata=None, new_organisation_name=registrations.suggested_organisation_name(registration)
    )
    approve_form.organisation_id.choices = organisation_choices(registrations.attach_choices(registration))
    form = form or RegistrationForm(obj=registration)
    form.default_organisation_id.choices = organisation_choices(every_organisation, empty_label=_("None"))
    # formdata=None: a form shown beside the one posted shows the stored values, not the posted ones.
    values_form = values_form or PlatformValuesForm(
        formdata=None, obj=registration, service_hosts=" ".join(registration.service_hosts or [])
    )
    deployment_form = deployment_form or NewDeploymentForm(
        formdata=None, frame_origins="\n".join(default_frame_ancestors(registration))
    )
    deployment_form.organisation_id.choices = organisation_choices(
        every_organisation, empty_label=_("(a new organisation)")
    )
    return render_template(
        "admin/registration.html",
        registration=registration,
        form=form,
        values_form=values_form,
        deployment_form=deployment_form,
        approve_form=approve_form,
        title=registration_label(registration),
    )


def _organisation_page(organisation_id: int, *, form=None):
    organisation = organisations.get_organisation(organisation_id)
    return render_template(
        "admin/organisation.html",
        organisation=organisation,
        form=form or OrganisationNameForm(obj=organisation),
        title=organisation.name,
    )


# Registering an LMS by hand (itslearning has no Dynamic Registration; Blackboard registers centrally).


@bp.get("/tool-values")
def tool_values():
    """The values an LMS admin pastes into their LMS to add this tool, with the steps for each LMS."""
    return render_template(
        "admin/tool_values.html",
        values=values_for_lms(current_app.config["BASE_URL"]),
        title=_("Values to paste into an LMS"),
    )


@bp.get("/registrations/new")
def new_registration():
    """Register an LMS by hand from the values it shows, or import a registration file."""
    return _new_registration_page()


@bp.post("/registrations/new")
def add_registration():
    """Save a registration typed in by hand; every wrong field is named."""
    form = NewRegistrationForm()
    return _submit(
        lambda: registrations.add_registration(
            _platform_values(form) | {"new_deployment_policy": form.new_deployment_policy.data},
            default_organisation_id=form.default_organisation_id.data,
        ),
        form=form,
        saved=_("Registration added. Now add the deployment ID the LMS gave you."),
        back=lambda registration: url_for(".registration", registration_id=registration.id) + "#add-deployment-title",
        page=lambda: _new_registration_page(form=form),
    )


@bp.post("/registrations/import")
def import_registration_file():
    """Create or update a registration from an uploaded lti_config/ file."""
    form = RegistrationFileForm()
    upload = form.registration_file.data
    try:
        registration, changes = registrations.import_registration_upload(
            upload.read() if upload else None, upload.filename if upload else None
        )
    except InvalidInput as error:
        db.session.rollback()
        form.form_errors.append(f"{error.message} {error.hint}".strip())
        return _new_registration_page(file_form=form), 400
    flash(_("Imported: %(changes)s.", changes="; ".join(changes)), "success")
    return redirect(url_for(".registration", registration_id=registration.id))


@bp.get("/registrations/<int:registration_id>/export")
def export_registration(registration_id: int):
    """Download the registration as an lti_config/ file (importing it gives it back)."""
    registration = registrations.get_registration(registration_id)
    response = current_app.response_class(
        registrations.registration_file_text(registration), mimetype="application/json"
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{registrations.registration_file_name(registration)}"'
    )
    return response


@bp.post("/registrations/<int:registration_id>/values")
def edit_registration(registration_id: int):
    """Change a registration's platform values (issuer, client ID, URLs, algorithms)."""
    form = PlatformValuesForm()
    return _submit(
        lambda: registrations.edit_registration(registration_id, _platform_values(form)),
        form=form,
        saved=_("Platform values saved."),
        back=url_for(".registration", registration_id=registration_id),
        page=lambda: _registration_page(registration_id, values_form=form),
    )


@bp.post("/registrations/<int:registration_id>/deployments")
def add_deployment(registration_id: int):
    """Add a deployment ID (one customer site) under the registration."""
    form = NewDeploymentForm()
    return _submit(
        lambda: deployments.add_deployment(
            registration_id,
            form.deployment_id.data or "",
            organisation_id=form.organisation_id.data,
            new_organisation_name=form.new_organisation_name.data,
            frame_origins=(form.frame_origins.data or "").splitlines(),
        ),
        form=form,
        saved=_("Deployment added: launches from it are accepted."),
        back=lambda deployment: url_for(".deployment", deployment_id=deployment.id),
        page=lambda: _registration_page(registration_id, deployment_form=form),
    )


@bp.post("/deployments/<int:deployment_id>/organisation")
def assign_deployment_organisation(deployment_id: int):
    """Move an active deployment, with what it recorded, to another organisation (existing or new)."""
    form = ApproveDeploymentForm()
    return _submit(
        lambda: deployments.assign_organisation(
            deployment_id,
            organisation_id=form.organisation_id.data,
            new_organisation_name=form.new_organisation_name.data,
        ),
        form=form,
        saved=lambda moved: _(
            "Organisation changed. Moved with the deployment: %(courses)s course(s), %(moved)s person(s); "
            "%(merged)s merged with the organisation's record of the same LMS account; %(split)s also on another "
            "site of their old organisation, now with a record in both.",
            courses=moved.courses, moved=moved.people_moved, merged=moved.people_merged, split=moved.people_split,
        ),
        back=url_for(".deployment", deployment_id=deployment_id),
        page=lambda: _deployment_page(deployment_id, approve_form=form),
    )


def _platform_values(form) -> dict:
    """What the admin typed for each platform value (the form's fields named as in the file format)."""
    return {name: form[name].data for name in registrations.PLATFORM_VALUE_FIELDS}


def _new_registration_page(*, form=None, file_form=None):
    form = form or NewRegistrationForm(formdata=None, allowed_algorithms=["RS256"])
    form.default_organisation_id.choices = organisation_choices(
        organisations.all_organisations(), empty_label=_("None")
    )
    return render_template(
        "admin/registration_new.html",
        form=form,
        file_form=file_form or RegistrationFileForm(formdata=None),
        title=_("Register an LMS by hand"),
    )


# The content (modules/): its problems, retired ids still in people's data, and a reload after editing the files.


@bp.get("/content")
def content():
    """What the running content is and what is wrong with it, file by file."""
    return _content_page(problems=current_app.extensions["content_problems"])


@bp.post("/content/reload")
def reload_content():
    """Read the files again; use them in every process only if they have no errors."""
    loaded = reload_content_files(current_app._get_current_object())
    if loaded.errors:
        flash(_("The files have %(count)s error(s): the running content is unchanged. Fix them and reload again.",
                count=len(loaded.errors)), "error")
        return _content_page(problems=loaded.problems, refused=True), 422
    flash(_("Content reloaded: %(count)s module(s). Every process of the tool uses it within seconds.",
            count=len(loaded.model.modules)), "success")
    return redirect(url_for(".content"))


def _content_page(*, problems, refused: bool = False):
    model = current_app.extensions["path_model"]
    return render_template(
        "admin/content.html", model=model, problems=problems, refused=refused,
        retired=retired_references(model) if model else [], directory=current_app.config["CONTENT_DIR"],
        title=_("Content"),
    )


# The grade outbox of an organisation: every score on its way to an LMS gradebook, and a retry for failed ones.


@bp.get("/organisations/<int:organisation_id>/grades")
def grade_outbox(organisation_id: int):
    """Scores pending, failed or sent for an organisation's learners, newest first; `?status=` filters."""
    status = request.args.get("status") or None
    return render_template(
        "admin/grades.html", organisation=organisations.get_organisation(organisation_id), status=status,
        syncs=syncs_of_organisation(organisation_id, status=status), title=_("Grade passback"),
    )


@bp.post("/organisations/<int:organisation_id>/grades/<int:grade_sync_id>/retry")
def retry_grade(organisation_id: int, grade_sync_id: int):
    """Send a failed score again (after the cause was fixed in the LMS)."""
    retry_score(organisation_id, grade_sync_id, now=current_clock().now())
    flash(_("The score is queued to be sent again."), "success")
    return redirect(url_for(".grade_outbox", organisation_id=organisation_id, status="failed"))
