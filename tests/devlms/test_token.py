"""The OAuth 2.0 token endpoint (client credentials with a JWT assertion) and the bearer checks of the services."""

import json

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from devlms import create_devlms_app
from devlms.lti import tool_keys
from devlms.lti.constants import (
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    SCOPE_MEMBERSHIP_READONLY,
    SCOPE_RESULT_READONLY,
    SCOPE_SCORE,
)
from devlms.lti.models import AccessToken
from tests.support.devlms import BASE_URL, NOW, TOOL_BASE_URL, FakeTool, LmsActions

ALL_SCOPES = [SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE, SCOPE_MEMBERSHIP_READONLY]
MEMBERSHIPS = BASE_URL + "/lti/courses/intl-skills/memberships"


def test_good_assertion_gets_an_opaque_bearer_token_for_the_requested_scopes(lms):
    response = lms.request_token(scope=" ".join(ALL_SCOPES))

    assert response.status_code == 200
    assert response.json["token_type"] == "Bearer"
    assert response.json["expires_in"] == 3600
    assert response.json["scope"].split() == ALL_SCOPES
    assert len(response.json["access_token"]) >= 32 and "." not in response.json["access_token"]
    assert response.headers["Cache-Control"] == "no-store"


def test_only_scopes_the_tool_is_allowed_are_granted(lms):
    response = lms.request_token(scope=f"{SCOPE_SCORE} https://purl.imsglobal.org/spec/lti-ags/scope/everything")

    assert response.json["scope"] == SCOPE_SCORE


def test_request_for_no_allowed_scope_is_invalid_scope(lms):
    response = lms.request_token(scope="https://example.com/scope/admin")

    assert response.status_code == 400
    assert response.json["error"] == "invalid_scope"


def assertion_with_flipped_signature(tool: FakeTool) -> str:
    signing_input, signature = tool.client_assertion().rsplit(".", 1)
    return f"{signing_input}.{signature[:10]}{'A' if signature[10] != 'A' else 'B'}{signature[11:]}"


def assertion_signed_with_hs256(tool: FakeTool) -> str:
    claims = jwt.decode(tool.client_assertion(), options={"verify_signature": False})
    return jwt.encode(claims, "a shared secret of at least thirty-two bytes", algorithm="HS256",
                      headers={"kid": tool.kid})


@pytest.mark.parametrize("make_assertion, explanation", [
    (assertion_with_flipped_signature, "the signature does not verify"),
    (lambda tool: tool.client_assertion(key=rsa.generate_private_key(public_exponent=65537, key_size=2048)),
     "the signature does not verify"),
    (lambda tool: tool.client_assertion(headers={"kid": "not-the-tools-kid"}),
     "has no key with kid 'not-the-tools-kid'"),
    (assertion_signed_with_hs256, "alg 'HS256' is not allowed"),
    (lambda tool: tool.client_assertion(exp=NOW - 1), "expired"),
    (lambda tool: tool.client_assertion(exp=None), "exp is missing"),
    (lambda tool: tool.client_assertion(iat=NOW + 600, exp=NOW + 660), "is in the future"),
    (lambda tool: tool.client_assertion(iat=None), "iat is missing"),
    (lambda tool: tool.client_assertion(aud=BASE_URL + "/lti/auth"),
     "does not contain 'http://localhost:5001/lti/token'"),
    (lambda tool: tool.client_assertion(aud=None), "does not contain"),
    (lambda tool: tool.client_assertion(iss="another-tool", sub="another-tool"), "is not the tool's client_id"),
    (lambda tool: tool.client_assertion(sub="someone"), "sub 'someone' must equal iss"),
    (lambda tool: tool.client_assertion(jti=None), "jti is missing"),
    (lambda tool: "not-a-jwt", "not a JWT"),
])
def test_bad_client_assertion_is_invalid_client_saying_why(lms, make_assertion, explanation):
    response = lms.request_token(make_assertion(lms.tool), scope=SCOPE_SCORE)

    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"
    assert explanation in response.json["error_description"]


def test_assertion_whose_aud_list_contains_the_token_url_is_accepted(lms):
    assertion = lms.tool.client_assertion(aud=["https://other.example", BASE_URL + "/lti/token"])

    assert lms.request_token(assertion, scope=SCOPE_SCORE).status_code == 200


def test_assertion_issued_a_little_in_the_future_is_accepted_within_the_clock_skew(lms):
    assert lms.request_token(lms.tool.client_assertion(iat=NOW + 30), scope=SCOPE_SCORE).status_code == 200


def test_replayed_assertion_is_refused(lms):
    assertion = lms.tool.client_assertion()
    assert lms.request_token(assertion, scope=SCOPE_SCORE).status_code == 200

    response = lms.request_token(assertion, scope=SCOPE_SCORE)

    assert response.status_code == 401
    assert "already used" in response.json["error_description"]


def test_assertion_refused_for_its_scope_does_not_use_up_its_jti(lms):
    assertion = lms.tool.client_assertion(jti="same-jti")
    assert lms.request_token(assertion, scope="https://example.com/unknown").status_code == 400

    assert lms.request_token(assertion, scope=SCOPE_SCORE).status_code == 200


@pytest.mark.parametrize("form, error", [
    ({"grant_type": "password"}, "unsupported_grant_type"),
    ({"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"}, "invalid_request"),
    ({"grant_type": None}, "invalid_request"),
    ({"client_assertion_type": None}, "invalid_request"),
])
def test_malformed_token_request_is_refused(lms, form, error):
    response = lms.request_token(scope=SCOPE_SCORE, **form)

    assert response.status_code == 400
    assert response.json["error"] == error


def test_token_request_without_scope_is_refused(lms):
    response = lms.request_token(scope=None)

    assert response.status_code == 400
    assert "scope" in response.json["error_description"]


def test_token_request_must_be_a_form_post(lms, client):
    response = client.post("/lti/token", json={"grant_type": "client_credentials"})

    assert response.status_code == 400
    assert "application/x-www-form-urlencoded" in response.json["error_description"]


# --- the tool's JWKS, fetched and cached ----------------------------------------------------------------------


class FakeJwksServer:
    """Stands in for `requests.get` of the tool's JWKS URL, serving whatever keys it holds now."""

    def __init__(self, jwks: dict):
        self.jwks, self.calls = jwks, []

    def get(self, url, timeout=None):
        self.calls.append((url, timeout))
        response = requests.Response()
        response.status_code, response._content = 200, json.dumps(self.jwks).encode()
        return response


@pytest.fixture
def fetching_lms(devlms_settings, fake_tool, frozen_clock, monkeypatch):
    """An LMS that fetches the tool's JWKS from its URL (through a fake `requests.get`)."""
    server = FakeJwksServer(fake_tool.jwks)
    monkeypatch.setattr(tool_keys.requests, "get", server.get)
    app = create_devlms_app({**devlms_settings, "DEVLMS_TOOL_JWKS": None})
    return LmsActions(app, app.test_client(), fake_tool), server


def test_tool_jwks_is_fetched_with_timeouts_and_cached(fetching_lms):
    lms, server = fetching_lms

    assert lms.request_token(scope=SCOPE_SCORE).status_code == 200
    assert lms.request_token(scope=SCOPE_SCORE).status_code == 200

    assert server.calls == [(TOOL_BASE_URL + "/lti/jwks.json", (3.05, 10))]


def test_tool_jwks_is_fetched_again_for_an_unknown_kid(fetching_lms):
    lms, server = fetching_lms
    assert lms.request_token(scope=SCOPE_SCORE).status_code == 200
    rotated = FakeTool(rsa.generate_private_key(public_exponent=65537, key_size=2048), kid="rotated-key")
    server.jwks = {"keys": server.jwks["keys"] + rotated.jwks["keys"]}

    assert lms.request_token(rotated.client_assertion(), scope=SCOPE_SCORE).status_code == 200
    assert len(server.calls) == 2


def test_unreachable_tool_jwks_is_explained(fetching_lms, monkeypatch):
    lms, _ = fetching_lms

    def refuse(url, timeout=None):
        raise requests.ConnectionError("connection refused")

    monkeypatch.setattr(tool_keys.requests, "get", refuse)

    response = lms.request_token(scope=SCOPE_SCORE)

    assert response.status_code == 401
    assert "could not be fetched from http://127.0.0.1:5000/lti/jwks.json" in response.json["error_description"]


# --- bearer tokens on the services ----------------------------------------------------------------------------


def test_service_call_without_a_token_is_refused(client):
    response = client.get("/lti/courses/intl-skills/memberships")

    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json["error_description"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_service_call_with_an_unknown_token_is_refused(lms):
    response = lms.service("GET", MEMBERSHIPS, "made-up-token")

    assert response.status_code == 401
    assert response.json["error"] == "invalid_token"


def test_service_call_with_an_expired_token_is_refused(lms, frozen_clock):
    token = lms.access_token(SCOPE_MEMBERSHIP_READONLY)
    frozen_clock.advance(3600)

    response = lms.service("GET", MEMBERSHIPS, token)

    assert response.status_code == 401
    assert "expired" in response.json["error_description"]


def test_service_call_with_a_token_for_another_scope_is_refused(lms):
    token = lms.access_token(SCOPE_SCORE)

    response = lms.service("GET", MEMBERSHIPS, token)

    assert response.status_code == 401
    assert response.json["error"] == "insufficient_scope"
    assert SCOPE_MEMBERSHIP_READONLY in response.json["error_description"]


def test_access_token_is_kept_only_as_a_hash(lms):
    token = lms.access_token(SCOPE_SCORE)

    stored = lms.rows(AccessToken)
    assert [row.scopes for row in stored] == [SCOPE_SCORE]
    assert token not in {row.token_hash for row in stored}

