"""LTI endpoints: login initiation, launch, the tool's public keys, Dynamic Registration."""
from flask import Blueprint, current_app, jsonify, make_response, redirect, render_template, request, session
from flask_babel import gettext as _

from app.clock import current_clock
from app.errors import answers_json, render_error
from app.events import launch_completed
from app.extensions import csrf
from app.lti.binding import browser_step_needed
from app.lti.dynamic_registration import INVITATION_LIFETIME, register_with_platform
from app.lti.exceptions import InvitationRequired, LaunchError
from app.lti.keys import published_jwks
from app.lti.landing import open_landing
from app.lti.launch import record_launch, validate_launch
from app.lti.login import STATE_COOKIE_PREFIX, start_login
from app.lti.session import public_endpoint
from app.lti.tool_urls import ToolUrls
from app.rate_limits import rate_limits
from app.tenancy.settings import registration_approval_required

bp = Blueprint("lti", __name__, url_prefix="/lti")
# The LMS posts cross-site to these endpoints; the OIDC state and id_token signature protect them instead.
csrf.exempt(bp)
# Public endpoints: each counted per client address and endpoint (LTI_RATE_LIMIT, docs/security.md); the JWKS
# is fetched by platforms and cached, it stays unlimited.
_public_limit = rate_limits.limit(
    "LTI_RATE_LIMIT", lambda: _("Too many requests from your network; wait a minute and open the tool again.")
)
# Each registration makes the tool call an LMS: its own, much lower limit (REGISTRATION_RATE_LIMIT).
_registration_limit = rate_limits.limit(
    "REGISTRATION_RATE_LIMIT", lambda: _("Too many registrations from your network; wait a few minutes and try again.")
)


def _cookie_options() -> dict:
    """Every cookie the tool sets lives in an LMS iframe: SameSite=None; Secure; Partitioned."""
    return {"secure": True, "httponly": True, "samesite": "None", "partitioned": True, "path": "/lti/"}


@bp.route("/login", methods=["GET", "POST"])
@public_endpoint
@_public_limit
def login():
    """OIDC login initiation from the LMS."""
    login_redirect = start_login(request.values.to_dict(), now=current_clock().now())
    if login_redirect.platform_storage:
        # Keep the login's secret in the LMS page first (its script then goes on to the LMS).
        response = make_response(render_template(
            "lti/login_storage.html", login=login_redirect, storage=login_redirect.platform_storage
        ))
    else:
        response = redirect(login_redirect.authorization_url, 302)
    response.set_cookie(
        login_redirect.state_cookie_name, login_redirect.state, max_age=login_redirect.max_age, **_cookie_options()
    )
    return response


@bp.post("/launch")
@public_endpoint
@_public_limit
def launch():
    """The LMS's id_token POST: prove the browser, validate, record, open the launch's session, and answer with the
    page the launch asked for."""
    now = current_clock().now()
    params = request.form.to_dict()
    step = browser_step_needed(params, request.cookies, request.headers.get("Origin"), now=now)
    if step is not None:
        return render_template("lti/continue_launch.html", step=step, params=params, title=_("Opening REX VET Path"))
    validated = validate_launch(params, request.cookies, now=now)
    launch, token = record_launch(validated, now=now)
    # Listeners write in the launch's transaction (a grade job exists only if the launch is recorded).
    launch_completed.send(current_app._get_current_object(), launch=launch)
    # Straight to the page the launch asked for (the path, the module's section, the picker, a mentor's mentees):
    # no page in between that only redirects (app/lti/landing.py).
    response = redirect(open_landing(launch, token), 303)
    response.delete_cookie(STATE_COOKIE_PREFIX + params.get("state", ""), **_cookie_options())
    return response


@bp.get("/register")
@public_endpoint
@_registration_limit
def register():
    """LTI Dynamic Registration: the LMS opens this with openid_configuration and registration_token."""
    try:
        outcome = register_with_platform(
            request.args.get("openid_configuration"),
            request.args.get("registration_token"),
            invitation_token=request.args.get("invitation"),
            tool=ToolUrls.configured(),
            require_approval=registration_approval_required(),
            timeout=current_app.config["HTTP_TIMEOUT"],
            now=current_clock().now(),
        )
    except InvitationRequired as refusal:
        # The plain URL: nothing was called; the LMS admin reads, in the LMS's frame, how to get an invitation.
        return render_template("lti/invitation_needed.html", refusal=refusal, invitation_days=INVITATION_LIFETIME.days,
                               title=_("A registration URL from REX VET Path is needed")), refusal.status
    return render_template("lti/registered.html", outcome=outcome, title=outcome.headline)


@bp.get("/jwks.json")
@public_endpoint
@answers_json
def jwks():
    """The tool's public keys, for platforms verifying our signatures."""
    response = jsonify(published_jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.errorhandler(LaunchError)
def refuse_launch(error: LaunchError):
    """A refused launch leaves no session behind, and nothing half-written (render_error rolls back)."""
    session.clear()
    return render_error(error)
