"""LTI endpoints: login initiation, launch, the tool's public keys."""
from flask import Blueprint, current_app, jsonify, redirect, request, session, url_for

from app.clock import current_clock
from app.errors import render_error
from app.events import launch_completed
from app.extensions import csrf, db
from app.lti.exceptions import LaunchError
from app.lti.keys import published_jwks
from app.lti.launch import record_launch, validate_launch
from app.lti.login import STATE_COOKIE_PREFIX, start_login
from app.lti.session import open_tool_session

bp = Blueprint("lti", __name__, url_prefix="/lti")
# The LMS posts cross-site to these endpoints; the OIDC state and id_token signature protect them instead.
csrf.exempt(bp)


def _cookie_options() -> dict:
    """Every cookie the tool sets lives in an LMS iframe: SameSite=None; Secure; Partitioned."""
    return {"secure": True, "httponly": True, "samesite": "None", "partitioned": True, "path": "/lti/"}


@bp.route("/login", methods=["GET", "POST"])
def login():
    """OIDC login initiation from the LMS."""
    login_redirect = start_login(request.values.to_dict(), now=current_clock().now())
    db.session.commit()
    response = redirect(login_redirect.authorization_url, 302)
    response.set_cookie(
        login_redirect.state_cookie_name, login_redirect.state, max_age=login_redirect.max_age, **_cookie_options()
    )
    return response


@bp.post("/launch")
def launch():
    """The LMS's id_token POST: validate, record, open the tool session."""
    now = current_clock().now()
    validated = validate_launch(request.form.to_dict(), request.cookies, now=now)
    launch = record_launch(validated, now=now)
    db.session.commit()
    launch_completed.send(current_app._get_current_object(), launch=launch)
    open_tool_session(launch)
    response = redirect(url_for("learning.home"), 303)
    response.delete_cookie(STATE_COOKIE_PREFIX + request.form.get("state", ""), **_cookie_options())
    return response


@bp.get("/jwks.json")
def jwks():
    """The tool's public keys, for platforms verifying our signatures."""
    response = jsonify(published_jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.errorhandler(LaunchError)
def refuse_launch(error: LaunchError):
    """A refused launch leaves no session behind, and nothing half-written."""
    db.session.rollback()
    session.clear()
    return render_error(error)
