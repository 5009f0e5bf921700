"""The floor: a Flask tool that does nothing but the two HTTP steps of a launch.

Login answers 302 to the platform's authorization URL with a fresh state and nonce (and a state cookie);
launch accepts the id_token POST whose state cookie came back and answers 303 to a page of plain text (the first page
the driver fetches, as a browser would). No validation, no storage:
whatever any Flask tool under the same gunicorn costs per launch, this costs too.
"""
import os
import secrets
from urllib.parse import urlencode

from flask import Flask, abort, redirect, request

AUTH_URL = os.environ["BENCH_AUTH_URL"]
BASE_URL = os.environ["BASE_URL"].rstrip("/")
STATE_COOKIE_PREFIX = "floor-state-"

app = Flask(__name__)


@app.route("/login", methods=["GET", "POST"])
def login():
    """OIDC login initiation: a state and a nonce, then off to the platform."""
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    query = {
        "scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
        "client_id": request.values.get("client_id", ""), "redirect_uri": BASE_URL + "/launch",
        "login_hint": request.values.get("login_hint", ""), "state": state, "nonce": nonce,
    }
    response = redirect(AUTH_URL + "?" + urlencode(query), 302)
    response.set_cookie(STATE_COOKIE_PREFIX + state, state, max_age=600, httponly=True, path="/")
    return response


@app.post("/launch")
def launch():
    """The id_token POST: only that its state cookie came back."""
    state = request.form.get("state", "")
    if not request.form.get("id_token") or request.cookies.get(STATE_COOKIE_PREFIX + state) != state:
        abort(400)
    return redirect("/done", 303)


@app.get("/done")
def done():
    """The page the launch opens: the driver follows the 303 here, as a browser does."""
    return "launched"
