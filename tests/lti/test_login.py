"""OIDC login initiation: what the LMS must send, what we remember, and the cookie that survives an LMS iframe."""
from urllib.parse import parse_qs, urlsplit

import pytest

from app.extensions import db
from app.lti.models import LoginState
from tests.support.factories import make_registration

pytestmark = pytest.mark.sqlite


@pytest.fixture
def registration(app):
    registration = make_registration(issuer="https://moodle.example.org", client_id="abc")
    db.session.flush()
    return registration


def login(client, **params):
    values = {
        "iss": "https://moodle.example.org", "login_hint": "user-1", "client_id": "abc",
        "target_link_uri": "http://127.0.0.1:5000/lti/launch", "lti_message_hint": "opaque",
        "lti_deployment_id": "1",
    }
    values.update(params)
    return client.post("/lti/login", data={k: v for k, v in values.items() if v is not None})


def test_login_redirects_to_the_platform_with_state_and_nonce(client, registration):
    response = login(client)

    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert f"{target.scheme}://{target.netloc}{target.path}" == registration.auth_login_url
    assert query["scope"] == "openid" and query["response_type"] == "id_token"
    assert query["response_mode"] == "form_post" and query["prompt"] == "none"
    assert query["client_id"] == "abc" and query["login_hint"] == "user-1"
    assert query["lti_message_hint"] == "opaque"
    assert query["redirect_uri"] == "http://127.0.0.1:5000/lti/launch"
    stored = db.session.get(LoginState, query["state"])
    assert stored.nonce == query["nonce"] and stored.registration_id == registration.id


def test_state_cookie_is_partitioned_so_it_survives_an_lms_iframe(client, registration):
    response = login(client)

    cookie = response.headers["Set-Cookie"]
    for attribute in ("Secure", "HttpOnly", "SameSite=None", "Partitioned", "Path=/lti/"):
        assert attribute in cookie


@pytest.mark.parametrize("missing", ["iss", "login_hint", "target_link_uri"])
def test_login_without_a_required_parameter_is_explained(client, registration, missing):
    response = login(client, **{missing: None})

    assert response.status_code == 400
    assert f"no `{missing}`" in response.text


def test_login_from_an_unknown_platform_is_refused(client, registration):
    response = login(client, iss="https://unknown.example")

    assert response.status_code == 401
    assert "not registered" in response.text


def test_login_with_a_target_outside_the_tool_is_refused(client, registration):
    response = login(client, target_link_uri="https://evil.example/phish")

    assert response.status_code == 400
    assert "not on this tool" in response.text


def test_login_without_client_id_needs_an_unambiguous_issuer(client, registration):
    make_registration(issuer="https://moodle.example.org", client_id="second")
    db.session.flush()

    response = login(client, client_id=None)

    assert response.status_code == 400
    assert "several registrations" in response.text


def test_a_second_registration_waiting_for_approval_does_not_break_the_lms_logins_without_client_id(
    client, registration
):
    """A Dynamic Registration claiming a known LMS's issuer is held pending; that LMS's logins go on."""
    from app.tenancy.models import Registration

    make_registration(issuer="https://moodle.example.org", client_id="attacker", status=Registration.PENDING)
    db.session.flush()

    response = login(client, client_id=None)

    assert response.status_code == 302, response.text


def test_jwks_publishes_the_tools_public_key_only(client, app):
    from app.lti.keys import ensure_active_tool_key

    key = ensure_active_tool_key()
    db.session.flush()

    keys = client.get("/lti/jwks.json").get_json()["keys"]

    assert [k["kid"] for k in keys] == [key.kid]
    assert "d" not in keys[0] and keys[0]["alg"] == "RS256"


# Anyone may start a login, and a login stores its parameters: each is capped (uncapped, 1.4 MB were stored per
# anonymous request). The limits: LTI_LOGIN_PARAMETER_MAX_LENGTH (2,048), LTI_MESSAGE_HINT_MAX_LENGTH (8,192),
# and the columns of target_link_uri (2,000) and lti_storage_target (200).
LIMITS = {"iss": 2048, "login_hint": 2048, "client_id": 2048, "lti_deployment_id": 2048, "lti_message_hint": 8192,
          "target_link_uri": 2000, "lti_storage_target": 200}


def _of_length(name: str, length: int) -> str:
    start = "http://127.0.0.1:5000/lti/launch?x=" if name == "target_link_uri" else ""
    return start + "a" * (length - len(start))


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_a_login_parameter_over_its_limit_is_refused_and_nothing_is_stored(client, registration, name):
    response = login(client, **{name: _of_length(name, LIMITS[name] + 1)})

    assert response.status_code == 400
    assert (f"The LMS&#39;s login request has a `{name}` of {LIMITS[name] + 1} characters; "
            f"at most {LIMITS[name]} are accepted.") in response.text
    assert db.session.query(LoginState).count() == 0


@pytest.mark.parametrize("name", ["login_hint", "lti_message_hint", "target_link_uri", "lti_deployment_id",
                                  "lti_storage_target"])
def test_a_login_parameter_at_its_limit_is_accepted(client, registration, name):
    response = login(client, **{name: _of_length(name, LIMITS[name])})

    assert response.status_code in (200, 302), response.text[:500]
    assert db.session.query(LoginState).count() == 1


def test_a_login_request_over_1_mib_gets_a_413_page(client, registration):
    response = login(client, login_hint="a" * (1024 * 1024))

    assert response.status_code == 413
    assert "The request is too large" in response.text
    assert db.session.query(LoginState).count() == 0
