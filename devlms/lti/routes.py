"""The platform's LTI endpoints: keys, registration values, launches, OIDC authentication, tokens."""

from flask import Blueprint, jsonify, render_template, request

from devlms.lti.keys import platform_jwks
from devlms.lti.launch import authenticate, start_resource_link_launch
from devlms.lti.registration import tool_registration as registration_values
from devlms.lti.tokens import issue_access_token

bp = Blueprint("lti", __name__)


@bp.get("/lti/jwks")
def jwks():
    """The platform's public keys."""
    return jsonify(platform_jwks())


@bp.get("/lti/tool-registration.json")
def tool_registration():
    """This platform in the tool's `lti_config/` file format."""
    return jsonify(registration_values())


@bp.get("/launch/<link_id>")
def launch(link_id: str):
    """What the course page's iframe loads: the login initiation that launches a resource link (`tool=` picks the
    tool)."""
    form = start_resource_link_launch(
        link_id, request.args.get("user"), tamper=request.args.get("tamper"),
        deployment_id=request.args.get("deployment"), locale=request.args.get("locale"),
        platform_storage=request.args.get("storage") != "off", tool_client_id=request.args.get("tool"),
    )
    return render_template("lti/autopost.html", form=form)


@bp.route("/lti/auth", methods=["GET", "POST"])
def authorize():
    """The OIDC authentication endpoint: check the tool's request, answer with the id_token."""
    return render_template("lti/autopost.html", form=authenticate(request.values.to_dict()))


@bp.post("/lti/token")
def token():
    """The OAuth 2.0 token endpoint for the LTI services."""
    response = jsonify(issue_access_token(request.form, request.content_type))
    # RFC 6749 section 5.1: token responses must not be cached.
    response.headers.update({"Cache-Control": "no-store", "Pragma": "no-cache"})
    return response
