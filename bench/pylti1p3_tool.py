"""The baseline: a minimal LTI 1.3 tool written the way pylti1p3's README shows for Flask.

FlaskOIDCLogin and FlaskMessageLaunch with a ToolConfDict rebuilt in each route and pylti1p3's default
launch data storage (Flask's cookie session); no public-key caching, so the platform's JWKS is fetched on
every launch, as the README's example does. Only deviation: `enable_check_cookies()` is left off, because
its JavaScript page cannot be driven without a browser; the login answers pylti1p3's plain 302.

Its first page is as the library's example game has it: one Jinja template (bench/templates/pylti1p3_page.html,
autoescaped) filled from the launch, which the page reads back from pylti1p3's cache by its launch id. So a
launch here, as ours, is the id_token POST, one 303, and a rendered page: the same shape the ratio compares.
"""
import os

from flask import Flask, abort, redirect, render_template, request, url_for
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.tool_config import ToolConfDict

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]

SETTINGS = {
    os.environ["BENCH_ISSUER"]: [{
        "default": True,
        "client_id": os.environ["BENCH_CLIENT_ID"],
        "auth_login_url": os.environ["BENCH_AUTH_URL"],
        "auth_token_url": os.environ["BENCH_AUTH_URL"] + "/token",
        "key_set_url": os.environ["BENCH_JWKS_URL"],
        "key_set": None,
        "deployment_ids": [os.environ["BENCH_DEPLOYMENT_ID"]],
    }]
}


def tool_conf() -> ToolConfDict:
    return ToolConfDict(SETTINGS)


@app.route("/login/", methods=["GET", "POST"])
def login():
    flask_request = FlaskRequest()
    target_link_uri = flask_request.get_param("target_link_uri")
    oidc_login = FlaskOIDCLogin(flask_request, tool_conf())
    return oidc_login.redirect(target_link_uri)


@app.route("/launch/", methods=["POST"])
def launch():
    flask_request = FlaskRequest()
    message_launch = FlaskMessageLaunch(flask_request, tool_conf())
    message_launch.get_launch_data()  # validates the launch and saves its data in the session
    return redirect(url_for("home", launch_id=message_launch.get_launch_id()), 303)


@app.get("/")
def home():
    launch_id = request.args.get("launch_id")
    if not launch_id:
        return "REX VET bench: pylti1p3 minimal tool"  # the bench's "is it up?" probe
    message_launch = FlaskMessageLaunch.from_cache(launch_id, FlaskRequest(), tool_conf())
    if not message_launch:
        abort(404)
    launch_data = message_launch.get_launch_data()
    context = launch_data.get("https://purl.imsglobal.org/spec/lti/claim/context", {})
    return render_template("pylti1p3_page.html", name=launch_data.get("name", ""), course=context.get("title", ""),
                           roles=launch_data.get("https://purl.imsglobal.org/spec/lti/claim/roles", []))
