"""Dynamic Registration on the platform side: the OpenID configuration, the registration endpoint, the Tools page."""

from flask import Blueprint, jsonify, redirect, render_template, request, url_for

from devlms.lti.registration import default_tool
from devlms.tools.services import (
    approve_tool,
    register_tool,
    registered_tools,
    registration_url_origin,
    start_registration,
)
from devlms.tools.services import (
    openid_configuration as platform_openid_configuration,
)

bp = Blueprint("tools", __name__)


@bp.get("/.well-known/openid-configuration")
def openid_configuration():
    """The platform's OpenID configuration, with its registration endpoint (LTI-DR §3.4)."""
    return jsonify(platform_openid_configuration())


@bp.post("/lti/register")
def register():
    """The registration endpoint: the tool POSTs its client registration with the registration token (LTI-DR §3.5)."""
    answer = register_tool(request.headers.get("Authorization"), request.get_json(silent=True))
    return jsonify(answer), 201


@bp.get("/admin/tools")
def tools():
    """The LMS admin's tools: the configured one, those that registered themselves, and the Register form."""
    return render_template("tools/tools.html", default_tool=default_tool(), tools=registered_tools())


@bp.post("/admin/tools/register")
def start():
    """Open the tool's registration URL in an iframe, with our configuration URL and a fresh registration token."""
    registration_url = request.form.get("registration_url", "")
    frame_url = start_registration(registration_url)
    return render_template("tools/register.html", frame_url=frame_url,
                           tool_origin=registration_url_origin(registration_url))


@bp.post("/admin/tools/<client_id>/approve")
def approve(client_id: str):
    """Activate a pending tool: its launches are offered from now on."""
    approve_tool(client_id)
    return redirect(url_for("tools.tools"))
