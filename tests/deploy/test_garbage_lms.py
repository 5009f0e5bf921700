"""An LMS answering garbage to the tool's calls (token, AGS, NRPS, JWKS): not JSON, JSON of the wrong shape, the
wrong content type, huge bodies (declared, chunked, or a gzip bomb), or a slow drip. Each costs one clear error
saying which call and what was wrong, within the time and size limits; nothing crashes, nothing hangs."""
import gzip
import json
import time

import pytest
from flask import Flask, Response

from app.lti.ags import find_or_create_line_item
from app.lti.constants import AGS_SCOPE_LINE_ITEM
from app.lti.exceptions import PlatformKeysUnavailable
from app.lti.keys import ensure_active_tool_key
from app.lti.nrps import course_members
from app.lti.platform_keys import fetch_keyset
from app.lti.platform_services import PlatformUnavailable
from app.lti.service_auth import PlatformRefusedToken, access_token
from app.tenancy.models import Registration
from tests.support.factories import make_registration
from tests.support.live_server import LiveServer

LIMIT = 64 * 1024  # the tests' LMS_ANSWER_MAX_BYTES
DEADLINE = 1.0  # the tests' LMS_ANSWER_DEADLINE_SECONDS


def garbage_lms() -> Flask:
    """/<kind>/<anything>: the answer of that kind, whatever was asked; /good/token: a proper token."""
    lms = Flask("garbage-lms")

    @lms.route("/<kind>/<path:_>", methods=["GET", "POST"])
    def answer(kind, _):
        if kind == "good":
            return {"access_token": "good-token", "token_type": "Bearer", "expires_in": 3600, "scope": "x"}
        if kind == "html":
            return Response("<html><body><h1>Down for maintenance</h1></body></html>", content_type="text/html")
        if kind == "text-json":  # JSON-looking text that is not JSON, labelled text/plain
            return Response("{'keys': [}", content_type="text/plain")
        if kind == "string":  # valid JSON, wrong shape for every call
            return Response(json.dumps("ok"), content_type="application/json")
        if kind == "bad-members":
            return {"members": [{"user_id": "u1", "roles": "Learner"}]}
        if kind == "bad-keys":
            return {"keys": ["not-a-key", 42]}
        if kind == "useless-key":
            return {"keys": [{"kid": "k1", "kty": "RSA", "n": "!!", "e": "??"}]}
        if kind == "huge-declared":
            body = b"x" * (LIMIT * 4)
            return Response(body, content_type="application/json", headers={"Content-Length": str(len(body))})
        if kind == "huge-chunked":
            return Response((b"[" + b" " * 8191 for _ in range(LIMIT // 8192 * 4)), content_type="application/json")
        if kind == "gzip-bomb":
            bomb = gzip.compress(b" " * (LIMIT * 50))
            return Response(bomb, content_type="application/json", headers={"Content-Encoding": "gzip"})
        if kind == "drip":
            def drip():
                for _ in range(100):
                    yield b" "
                    time.sleep(0.1)
            return Response(drip(), content_type="application/json")
        return Response("unknown kind", status=404)

    return lms


@pytest.fixture
def lms(app):
    app.config.update(LMS_ANSWER_MAX_BYTES=LIMIT, LMS_ANSWER_DEADLINE_SECONDS=DEADLINE, HTTP_TIMEOUT=(1.0, 3.0))
    ensure_active_tool_key()
    server = LiveServer("127.0.0.1").start(garbage_lms())
    yield server.url
    server.stop()


def registration(lms_url: str, token_kind: str = "good") -> Registration:
    made = make_registration(issuer=lms_url)
    made.auth_token_url = f"{lms_url}/{token_kind}/token"
    return made


def quickly(call, seconds: float = DEADLINE + 3.5):
    """Run call; it must raise, and within the time limit."""
    started = time.monotonic()
    with pytest.raises(Exception) as raised:
        call()
    assert time.monotonic() - started < seconds, f"took {time.monotonic() - started:.1f} s"
    return raised.value


def said(error) -> str:
    return " ".join(str(part) for part in (error, getattr(error, "message", ""), getattr(error, "hint", "")))


TOO_BIG = {"huge-declared": "announced", "huge-chunked": "more than", "gzip-bomb": "more than"}


@pytest.mark.parametrize("kind, expected", [
    ("html", "not JSON (text/html"), ("text-json", "not JSON (text/plain"), ("string", "must be a JSON object"),
    ("huge-declared", "AnswerTooLarge"), ("huge-chunked", "AnswerTooLarge"), ("gzip-bomb", "AnswerTooLarge"),
    ("drip", "AnswerTooSlow"),
])
def test_a_token_endpoint_answering_garbage_is_a_clear_refusal_to_try_again_later(app, lms, kind, expected):
    error = quickly(
        lambda: access_token(registration(lms, kind), [AGS_SCOPE_LINE_ITEM], now=app.extensions["clock"].now())
    )

    assert isinstance(error, PlatformRefusedToken) and error.unavailable
    assert expected in said(error) and f"{lms}/{kind}/token" in said(error)


@pytest.mark.parametrize("kind, expected", [
    ("html", "not JSON (text/html"), ("text-json", "not JSON (text/plain"), ("string", "must be a JSON list"),
    ("huge-chunked", "AnswerTooLarge"), ("gzip-bomb", "AnswerTooLarge"), ("drip", "AnswerTooSlow"),
])
def test_an_ags_line_item_container_answering_garbage_is_unavailable_with_what_came(app, lms, kind, expected):
    error = quickly(lambda: find_or_create_line_item(
        registration(lms), f"{lms}/{kind}/lineitems", resource_id="m", label="M", tag="t", resource_link_id=None,
        now=app.extensions["clock"].now()))

    assert isinstance(error, PlatformUnavailable)  # the grade job retries later, nothing is lost
    assert expected in str(error) and f"{lms}/{kind}/lineitems" in str(error)


@pytest.mark.parametrize("kind, expected", [
    ("html", "not JSON (text/html"), ("string", "must be a JSON object"),
    ("bad-members", "`roles` must be a list of strings"), ("huge-declared", "AnswerTooLarge"),
    ("drip", "AnswerTooSlow"),
])
def test_an_nrps_membership_answering_garbage_is_unavailable_with_what_came(app, lms, kind, expected):
    error = quickly(lambda: course_members(registration(lms), f"{lms}/{kind}/memberships",
                                           now=app.extensions["clock"].now()))

    assert isinstance(error, PlatformUnavailable)
    assert expected in str(error)


@pytest.mark.parametrize("kind, expected", [
    ("html", "not JSON (text/html"), ("text-json", "not JSON (text/plain"), ("string", "must be a JSON object"),
    ("bad-keys", "every entry of 'keys' must be a JSON object"), ("huge-declared", "AnswerTooLarge"),
    ("gzip-bomb", "AnswerTooLarge"), ("drip", "AnswerTooSlow"),
])
def test_a_jwks_answering_garbage_explains_what_the_key_set_url_must_return(app, lms, kind, expected):
    error = quickly(lambda: fetch_keyset(f"{lms}/{kind}/jwks"))

    assert isinstance(error, PlatformKeysUnavailable) and error.status == 502
    assert expected in said(error) and f"{lms}/{kind}/jwks" in said(error)


def test_a_launch_from_an_lms_whose_jwks_is_garbage_gets_the_explanation_not_a_crash(lti_world, tmp_path):
    from app.extensions import db

    server = LiveServer("127.0.0.1").start(garbage_lms())
    try:
        with lti_world.app.app_context():
            for registration_row in db.session.query(Registration):
                registration_row.key_set_url = f"{server.url}/html/jwks"
            db.session.commit()
        response = lti_world.browser.launch("intl-skills-path", "learner")
    finally:
        server.stop()

    assert response.status_code == 502
    assert "The LMS&#39;s key set is not a JSON Web Key Set." in response.text or \
        "The LMS's key set is not a JSON Web Key Set." in response.text
    assert "Traceback" not in response.text


def test_a_published_key_that_is_not_a_usable_key_refuses_the_launch_with_the_reason(app, lms):
    from app.lti.platform_keys import platform_signing_key

    made = registration(lms)
    made.key_set_url = f"{lms}/useless-key/jwks"
    app.config["JWKS_REFRESH_INTERVAL"] = 0

    error = quickly(lambda: platform_signing_key(made, "k1", "RS256"))

    assert isinstance(error, PlatformKeysUnavailable)
    assert "key 'k1' is not a usable public key" in said(error)
