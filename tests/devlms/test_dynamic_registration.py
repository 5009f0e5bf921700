"""The development LMS as a Dynamic Registration platform (LTI-DR 1.0): its configuration, the admin's Register
form, a registration endpoint that wants a single-use token and a complete client registration, and tools
that stay pending (like Moodle's) until the LMS admin activates them."""

import re
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from tests.support.devlms import BASE_URL, posted_form

TOOL_BASE = "http://127.0.0.1:5000"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"


def client_registration(**overrides) -> dict:
    """What REX VET Path sends to the registration endpoint; a value of None leaves the field out."""
    body = {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": f"{TOOL_BASE}/lti/login",
        "redirect_uris": [f"{TOOL_BASE}/lti/launch"],
        "client_name": "REX VET Path",
        "jwks_uri": f"{TOOL_BASE}/lti/jwks.json",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": "https://purl.imsglobal.org/spec/lti-ags/scope/score",
        TOOL_CONFIGURATION: {
            "domain": "127.0.0.1:5000",
            "target_link_uri": f"{TOOL_BASE}/lti/launch",
            "claims": ["iss", "sub", "name"],
            "messages": [{"type": "LtiDeepLinkingRequest", "target_link_uri": f"{TOOL_BASE}/lti/launch"}],
        },
    }
    body.update(overrides)
    return {name: value for name, value in body.items() if value is not None}


def start_registration(client, registration_url: str = f"{TOOL_BASE}/lti/register") -> str:
    """Submit the admin's Register-a-tool form; return the URL the page opens in its iframe."""
    page = client.post("/admin/tools/register", data={"registration_url": registration_url})
    assert page.status_code == 200, page.get_data(as_text=True)
    return re.search(r'<iframe[^>]*src="([^"]+)"', page.get_data(as_text=True)).group(1).replace("&amp;", "&")


def registration_token(client) -> str:
    return parse_qs(urlsplit(start_registration(client)).query)["registration_token"][0]


def register(client, token: str | None, body) -> object:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/lti/register", json=body, headers=headers)


@pytest.fixture
def registered(client):
    """A tool registered through the endpoint: the endpoint's answer."""
    response = register(client, registration_token(client), client_registration())
    assert response.status_code == 201, response.json
    return response.json


def test_openid_configuration_names_the_issuer_and_the_registration_endpoint(client):
    configuration = client.get("/.well-known/openid-configuration").json

    assert configuration["issuer"] == BASE_URL
    assert configuration["registration_endpoint"] == BASE_URL + "/lti/register"
    assert configuration["authorization_endpoint"] == BASE_URL + "/lti/auth"
    assert configuration["token_endpoint"] == BASE_URL + "/lti/token"
    assert configuration["jwks_uri"] == BASE_URL + "/lti/jwks"
    assert "RS256" in configuration["id_token_signing_alg_values_supported"]
    assert configuration[PLATFORM_CONFIGURATION]["product_family_code"] == "devlms"


def test_register_form_opens_the_tool_url_with_configuration_and_token_keeping_its_own_query(client):
    frame_url = start_registration(client, f"{TOOL_BASE}/lti/register?invitation=abc")

    parts = urlsplit(frame_url)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{TOOL_BASE}/lti/register"
    assert query["invitation"] == ["abc"]
    assert query["openid_configuration"] == [BASE_URL + "/.well-known/openid-configuration"]
    assert len(query["registration_token"][0]) > 30


def test_registration_page_listens_for_the_close_message_from_the_tool_origin_only(client):
    page = client.post("/admin/tools/register", data={"registration_url": f"{TOOL_BASE}/lti/register"})

    assert 'data-tool-origin="http://127.0.0.1:5000"' in page.get_data(as_text=True)
    assert "org.imsglobal.lti.close" in client.get("/static/tool_registration.js").get_data(as_text=True)


def test_registration_without_a_bearer_token_is_refused_with_401(client):
    response = register(client, None, client_registration())

    assert response.status_code == 401
    assert "Bearer" in response.json["error_description"]


def test_registration_with_a_token_the_platform_never_issued_is_refused_with_401(client):
    response = register(client, "made-up-token", client_registration())

    assert response.status_code == 401
    assert "not one this platform issued" in response.json["error_description"]


def test_registration_token_works_only_once(client):
    token = registration_token(client)
    assert register(client, token, client_registration()).status_code == 201

    again = register(client, token, client_registration())

    assert again.status_code == 401
    assert "already used" in again.json["error_description"]


def test_registration_token_expires_after_an_hour(client, frozen_clock):
    token = registration_token(client)
    frozen_clock.advance(3601)

    response = register(client, token, client_registration())

    assert response.status_code == 401
    assert "expired" in response.json["error_description"]


@pytest.mark.parametrize("overrides, named", [
    ({"redirect_uris": None}, "redirect_uris"),
    ({"initiate_login_uri": None}, "initiate_login_uri"),
    ({"jwks_uri": None}, "jwks_uri"),
    ({TOOL_CONFIGURATION: None}, TOOL_CONFIGURATION),
    ({TOOL_CONFIGURATION: {"target_link_uri": f"{TOOL_BASE}/lti/launch"}}, "domain"),
    ({TOOL_CONFIGURATION: {"domain": "127.0.0.1:5000"}}, "target_link_uri"),
    ({TOOL_CONFIGURATION: {"domain": "tool.example", "target_link_uri": f"{TOOL_BASE}/lti/launch"}}, "domain"),
    ({"token_endpoint_auth_method": "client_secret_basic"}, "private_key_jwt"),
    ({"response_types": ["code"]}, "id_token"),
    ({"grant_types": ["implicit"]}, "client_credentials"),
    ({"redirect_uris": "http://127.0.0.1:5000/lti/launch"}, "redirect_uris"),
])
def test_incomplete_client_registration_is_refused_with_400_naming_the_field(client, overrides, named):
    token = registration_token(client)

    response = register(client, token, client_registration(**overrides))

    assert response.status_code == 400
    assert response.json["error"] == "invalid_client_metadata"
    assert named in response.json["error_description"]
    assert register(client, token, client_registration()).status_code == 201  # a refusal does not spend the token


def test_registration_answers_with_a_new_client_id_and_a_deployment_id(registered):
    assert registered["client_id"].startswith("devlms-")
    assert registered["client_id"] != "rexvet-dev-tool"
    assert registered[TOOL_CONFIGURATION]["deployment_id"].startswith("devlms-deployment-")
    assert registered[TOOL_CONFIGURATION]["target_link_uri"] == f"{TOOL_BASE}/lti/launch"
    assert registered["initiate_login_uri"] == f"{TOOL_BASE}/lti/login"


def test_new_tool_is_pending_on_the_tools_page_with_an_activate_button(client, registered):
    page = client.get("/admin/tools").get_data(as_text=True)

    row = re.search(rf'<tr data-client-id="{registered["client_id"]}">.*?</tr>', page, re.S).group(0)
    assert "pending" in row
    assert "Activate REX VET Path" in row


def test_launch_of_a_pending_tool_is_refused_with_a_clear_page(client, registered):
    response = client.get("/launch/intl-skills-path", query_string={"user": "learner", "tool": registered["client_id"]})

    assert response.status_code == 403
    assert "pending" in response.get_data(as_text=True)
    assert "/admin/tools" in response.get_data(as_text=True)


def test_activated_tool_is_launched_with_its_own_client_id_and_deployment(client, lms, registered):
    client.post(f"/admin/tools/{registered['client_id']}/approve")

    initiation = lms.login_initiation(tool=registered["client_id"])
    response = lms.authorize(lms.auth_params(initiation))

    assert initiation["client_id"] == registered["client_id"]
    assert initiation["lti_deployment_id"] == registered[TOOL_CONFIGURATION]["deployment_id"]
    assert response.status_code == 200, response.get_data(as_text=True)
    claims = jwt.decode(posted_form(response)[1]["id_token"], options={"verify_signature": False})
    assert claims["aud"] == claims["azp"] == registered["client_id"]
    assert (
        claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"]
        == registered[TOOL_CONFIGURATION]["deployment_id"]
    )


def test_authentication_request_of_another_tool_than_the_launch_names_is_refused(client, lms, registered):
    client.post(f"/admin/tools/{registered['client_id']}/approve")
    initiation = lms.login_initiation(tool=registered["client_id"])

    response = lms.authorize(lms.auth_params(initiation, client_id="rexvet-dev-tool"))

    assert response.status_code == 400
    assert "is not a registered tool" in response.get_data(as_text=True)


def test_the_configured_tool_still_launches_as_before(lms):
    claims = lms.launch()

    assert claims["aud"] == "rexvet-dev-tool"
    assert claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == "devlms-site-1"
