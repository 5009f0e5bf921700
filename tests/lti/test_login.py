"""OIDC login initiation: what the LMS must send, the signed state it gets, and the cookie that survives an LMS
iframe. A login writes nothing: its state carries what the launch checks, signed with the tool's key."""
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from app.extensions import db
from app.lti.login import started_login
from tests.support.factories import make_registration
from tests.support.queries import counted_queries

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
    started = started_login(query["state"])
    assert started.nonce == query["nonce"] and started.registration_id == registration.id


def test_a_login_writes_nothing_and_its_state_carries_what_the_launch_checks(client, registration, clock):
    login(client)  # the process's first login may give registrations their version (app/tenancy/registration_cache)
    with counted_queries() as statements:
        response = login(client, lti_storage_target="_parent")

    assert [statement for statement in statements if not statement.startswith(("SELECT", "SAVEPOINT", "RELEASE"))
            ] == []
    state = response.headers["Set-Cookie"].split("=", 1)[0].removeprefix("lti-state-")
    started = started_login(state)
    assert started.registration_id == registration.id
    assert started.expires_at == clock.now().replace(microsecond=0) + timedelta(seconds=600)
    assert started.storage_target == "_parent" and len(started.storage_secret_hash) == 64


@pytest.mark.parametrize("change", ["a character of the signature", "a character of the values", "all of it"])
def test_a_state_the_tool_did_not_sign_is_no_login(client, registration, change):
    state = login(client).headers["Set-Cookie"].split("=", 1)[0].removeprefix("lti-state-")
    values, signature = state.rsplit(".", 1)
    forged = {
        "a character of the signature": f"{values}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}",
        "a character of the values": f"{'A' if values[0] != 'A' else 'B'}{values[1:]}.{signature}",
        "all of it": "a-state-this-tool-never-signed",
    }[change]

    assert started_login(forged) is None


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


# Anyone may start a login: each parameter is capped, so the redirect to the LMS stays a URL every browser takes
# (uncapped, a login once stored 1.4 MB per anonymous request). The limits: LTI_LOGIN_PARAMETER_MAX_LENGTH (2,048),
# LTI_MESSAGE_HINT_MAX_LENGTH (8,192), target_link_uri 2,000 and lti_storage_target 200.
LIMITS = {"iss": 2048, "login_hint": 2048, "client_id": 2048, "lti_deployment_id": 2048, "lti_message_hint": 8192,
          "target_link_uri": 2000, "lti_storage_target": 200}


def _of_length(name: str, length: int) -> str:
    start = "http://127.0.0.1:5000/lti/launch?x=" if name == "target_link_uri" else ""
    return start + "a" * (length - len(start))


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_a_login_parameter_over_its_limit_is_refused_with_no_state(client, registration, name):
    response = login(client, **{name: _of_length(name, LIMITS[name] + 1)})

    assert response.status_code == 400
    assert (f"The LMS&#39;s login request has a `{name}` of {LIMITS[name] + 1} characters; "
            f"at most {LIMITS[name]} are accepted.") in response.text
    assert "lti-state-" not in response.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("name", ["login_hint", "lti_message_hint", "target_link_uri", "lti_deployment_id",
                                  "lti_storage_target"])
def test_a_login_parameter_at_its_limit_is_accepted(client, registration, name):
    response = login(client, **{name: _of_length(name, LIMITS[name])})

    assert response.status_code in (200, 302), response.text[:500]
    assert "lti-state-" in response.headers["Set-Cookie"]


def test_a_login_request_over_1_mib_gets_a_413_page(client, registration):
    response = login(client, login_hint="a" * (1024 * 1024))

    assert response.status_code == 413
    assert "The request is too large" in response.text
    assert "lti-state-" not in response.headers.get("Set-Cookie", "")
