"""Tamper options: each breaks exactly one thing in the id_token, and only when tampering is allowed."""

import base64
import hashlib
import hmac

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from devlms import create_devlms_app
from devlms.lti.constants import DEPLOYMENT_ID, MESSAGE_TYPE, RESOURCE_LINK, ROLES, VERSION
from devlms.lti.tampering import TAMPER_OPTIONS
from tests.support.devlms import CLIENT_ID, NOW, LmsActions, posted_form

# What each claim-level option changes, compared with the same launch untampered.
CLAIM_CHANGES = {
    "expired": {"iat": NOW - 600, "exp": NOW - 300},
    "iat_future": {"iat": NOW + 600},
    "aud_other": {"aud": "someone-else"},
    "aud_list_no_azp": {"aud": [CLIENT_ID, "other-client"], "azp": None},
    "aud_list_wrong_azp": {"aud": [CLIENT_ID, "other-client"], "azp": "other-client"},
    "wrong_version": {VERSION: "1.1"},
    "unknown_message_type": {MESSAGE_TYPE: "LtiUnknownRequest"},
    "missing_roles": {ROLES: None},
    "missing_resource_link": {RESOURCE_LINK: None},
    "missing_deployment_id": {DEPLOYMENT_ID: None},
    "missing_sub": {"sub": None},
    "unknown_issuer": {"iss": "https://unknown.example"},
    "unknown_client_id": {"aud": "unknown-client", "azp": "unknown-client"},
    "unknown_deployment": {DEPLOYMENT_ID: "devlms-site-unknown"},
}
SIGNATURE_OPTIONS = ("bad_signature", "unknown_kid", "alg_none", "alg_hs256")


def payload(token: str) -> dict:
    """The claims of a token, unverified."""
    return jwt.decode(token, options={"verify_signature": False})


def changes(baseline: dict, tampered: dict) -> dict:
    """Every claim that differs: its new value, or None when it was removed."""
    names = set(baseline) | set(tampered)
    return {name: tampered.get(name) for name in names if baseline.get(name) != tampered.get(name)}


def platform_public_key(lms: LmsActions):
    """The platform's one public key."""
    return jwt.PyJWK(lms.client.get("/lti/jwks").json["keys"][0]).key


def test_every_tamper_option_is_covered_here():
    assert set(CLAIM_CHANGES) | set(SIGNATURE_OPTIONS) | {"nonce_mismatch"} == set(TAMPER_OPTIONS)


@pytest.mark.parametrize("option, expected", CLAIM_CHANGES.items())
def test_claim_tamper_option_changes_exactly_its_claims_and_keeps_a_valid_signature(lms, option, expected):
    baseline = payload(lms.id_token())

    token = lms.id_token(tamper=option)

    jwt.decode(token, platform_public_key(lms), algorithms=["RS256"],
               options={"verify_aud": False, "verify_exp": False, "verify_iat": False, "verify_iss": False})
    assert changes(baseline, payload(token)) == expected


def test_nonce_mismatch_sends_a_nonce_the_tool_did_not_ask_for(lms):
    claims = payload(lms.id_token(tamper="nonce_mismatch"))

    assert claims["nonce"] != "nonce-from-the-tool"
    assert changes(payload(lms.id_token()), claims).keys() == {"nonce"}


@pytest.mark.parametrize("option", SIGNATURE_OPTIONS)
def test_signature_tamper_option_keeps_the_claims(lms, option):
    assert payload(lms.id_token(tamper=option)) == payload(lms.id_token())


def test_bad_signature_does_not_verify_with_the_platform_key(lms):
    token = lms.id_token(tamper="bad_signature")

    assert jwt.get_unverified_header(token)["kid"] == lms.client.get("/lti/jwks").json["keys"][0]["kid"]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, platform_public_key(lms), algorithms=["RS256"], audience=CLIENT_ID)


def test_unknown_kid_is_signed_by_a_key_the_platform_does_not_publish(lms):
    token = lms.id_token(tamper="unknown_kid")
    published = {key["kid"] for key in lms.client.get("/lti/jwks").json["keys"]}

    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    assert header["kid"] not in published
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, platform_public_key(lms), algorithms=["RS256"], audience=CLIENT_ID)


def test_alg_none_is_unsigned(lms):
    token = lms.id_token(tamper="alg_none")

    assert jwt.get_unverified_header(token)["alg"] == "none"
    assert token.endswith(".")


def test_alg_hs256_is_an_hmac_keyed_with_the_public_key_pem(lms):
    token = lms.id_token(tamper="alg_hs256")
    pem = platform_public_key(lms).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    signing_input, signature = token.rsplit(".", 1)
    expected = base64.urlsafe_b64encode(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest())
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert signature == expected.rstrip(b"=").decode()


def test_tamper_options_combine(lms):
    claims = payload(lms.id_token(tamper="missing_roles,wrong_version"))

    assert ROLES not in claims and claims[VERSION] == "1.1"


def test_unknown_tamper_option_is_refused_with_the_known_ones(client):
    response = client.get("/launch/intl-skills-path?user=learner&tamper=sign_with_crayons")

    assert response.status_code == 400
    assert "sign_with_crayons" in response.get_data(as_text=True)
    assert "alg_none" in response.get_data(as_text=True)


def test_tampering_is_ignored_unless_allowed(devlms_settings, fake_tool, frozen_clock):
    app = create_devlms_app({**devlms_settings, "DEVLMS_ALLOW_TAMPERING": False})
    lms = LmsActions(app, app.test_client(), fake_tool)

    claims = lms.launch(tamper="expired,missing_roles,aud_other")

    assert claims["exp"] == NOW + 300 and claims[ROLES] and claims["aud"] == CLIENT_ID


def test_tamper_options_travel_inside_the_signed_hint(lms):
    """A tamper option cannot be added after the login initiation: the hint carries it, signed."""
    params = lms.auth_params(lms.login_initiation(), tamper="expired")

    token = posted_form(lms.authorize(params))[1]["id_token"]

    assert payload(token)["exp"] == NOW + 300
