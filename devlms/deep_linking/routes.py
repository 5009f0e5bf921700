"""Deep Linking: starting a content selection, and the return URL that takes the tool's answer."""

from flask import Blueprint, render_template, request

from devlms.deep_linking import services

bp = Blueprint("deep_linking", __name__)


@bp.get("/deep-link/<course_id>")
def start(course_id: str):
    """Send an LtiDeepLinkingRequest (through the tool's login) as an instructor of the course."""
    form = services.start_deep_linking(
        course_id, request.args.get("user"), tamper=request.args.get("tamper"),
        deployment_id=request.args.get("deployment"), locale=request.args.get("locale"),
        accept_multiple=request.args.get("accept_multiple", "true") != "false",
    )
    return render_template("lti/autopost.html", form=form)


@bp.post("/lti/deep-link/return")
def receive_response():
    """Take the tool's LtiDeepLinkingResponse and show what it added to the course."""
    return render_template("deep_linking/result.html", outcome=services.receive_response(request.form.get("JWT")))
