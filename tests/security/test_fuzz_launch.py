"""Fuzzing the launch parser: whatever an LMS or an attacker POSTs to /lti/launch, the answer is a clear 4xx.

Two levels: the HTTP endpoint with arbitrary forms and JWT-shaped tokens (stops at format, registration,
algorithm or signature), and the claims of a correctly signed token (the signature, time, nonce and state
checks are replaced by "passed" there: they have their own table in tests/lti/test_launch_validation.py), so
every claim an LMS could send garbage in reaches the parser and the recording of the launch.
"""
import base64
import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given
from hypothesis import strategies as st

from app.clock import current_clock
from app.errors import AppError
from app.extensions import db
from app.lti.launch import record_launch, validate_launch
from tests.support.factories import count_launches_as_signed, make_world

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def b64(value) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwt_shaped(header, body, signature=b"sig"):
    return f"{b64(header)}.{b64(body)}.{b64(signature)}"


@pytest.fixture
def launch_app(app):
    app.config["LTI_RATE_LIMIT"] = "1000000 per minute"
    return app


@given(fields=st.dictionaries(st.sampled_from(["id_token", "state", "lti_storage_checked", "lti_storage_secret",
                                               "lti_continuation", "utf8", "x"]), st.text(max_size=60), max_size=5))
def test_any_form_posted_to_the_launch_url_gets_a_clear_4xx(launch_app, fields):
    client = launch_app.test_client()

    response = client.post("/lti/launch", data=fields, environ_base={"wsgi.url_scheme": "https"})

    assert 400 <= response.status_code < 500, (fields, response.status_code)


@given(header=st.dictionaries(st.sampled_from(["alg", "kid", "typ", "x"]), JSON, max_size=4),
       body=st.dictionaries(
           st.sampled_from(["iss", "aud", "azp", "sub", "nonce", "exp", "iat", "x"]), JSON, max_size=7),
       registered_issuer=st.booleans())
def test_any_jwt_shaped_id_token_gets_a_clear_4xx(launch_app, header, body, registered_issuer):
    world = getattr(launch_app, "_fuzz_world", None) or make_world()
    launch_app._fuzz_world = world
    if registered_issuer:
        body["iss"] = world.registration.issuer
    client = launch_app.test_client()

    response = client.post("/lti/launch", data={"id_token": jwt_shaped(header, body), "state": "s"},
                           environ_base={"wsgi.url_scheme": "https"}, headers={"Cookie": "lti1p3-state-s=s"})

    assert 400 <= response.status_code < 500, (header, body, response.status_code)


# --- the claims of a signed token ---------------------------------------------------------------------------

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _valid_claims(world):
    return {
        "iss": world.registration.issuer, "aud": world.registration.client_id, "sub": "fuzz-user",
        "nonce": "n", "iat": 0, "exp": 2**31,
        LTI + "version": "1.3.0", LTI + "message_type": "LtiResourceLinkRequest",
        LTI + "deployment_id": world.deployment.deployment_id, LTI + "roles": [],
        LTI + "resource_link": {"id": "link"}, LTI + "target_link_uri": "https://localhost/",
    }


CLAIMS = st.sampled_from([
    "sub", "name", "given_name", "family_name", "email", "aud", "azp", LTI + "roles", LTI + "resource_link",
    LTI + "deployment_id", LTI + "context", LTI + "tool_platform", LTI + "launch_presentation", LTI + "custom",
    LTI + "version", LTI + "message_type", LTI + "target_link_uri", "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint",
    "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice", "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings",
])
ROLE = st.sampled_from(["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
                        "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
                        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator", "Learner", ""])


@pytest.fixture
def signature_checks_passed(app, monkeypatch):
    """The token's signature, times, nonce and state count as checked: the claims are what is fuzzed here."""
    count_launches_as_signed(monkeypatch, KEY)
    world = make_world()
    db.session.commit()  # the launch commits as it validates; each example's own writes are rolled back
    return world


@given(changes=st.dictionaries(CLAIMS, JSON | st.lists(ROLE, max_size=3) | st.dictionaries(
    st.sampled_from(["id", "title", "label", "name", "locale", "module", "return_url"]), JSON, max_size=3), max_size=4),
    removed=st.sets(CLAIMS, max_size=2))
def test_any_claims_of_a_signed_token_are_parsed_or_refused_clearly(app, signature_checks_passed, changes, removed):
    world = signature_checks_passed
    body = {**_valid_claims(world), **changes}
    for name in removed:
        body.pop(name, None)
    token = jwt.encode(body, KEY, algorithm="RS256", headers={"kid": "k"})

    try:
        validated = validate_launch({"id_token": token, "state": "s"}, {}, now=current_clock().now())
        record_launch(validated, now=current_clock().now())
        db.session.flush()
    except AppError as error:
        assert error.message, "a refusal must say what was wrong"
    finally:
        db.session.rollback()
