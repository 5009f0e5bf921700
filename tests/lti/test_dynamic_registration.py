"""LTI Dynamic Registration, the tool's side: an LMS admin registers REX VET Path from the LMS's admin page, and
the new client_id launches; what the plain public URL makes waits for the installation admin; invitation URLs
attach an LMS to an existing organisation once; every refusal says what was wrong.

Decided here: the plain URL always makes a new organisation marked `pending` (for the installation admin's
attention), but launches work at once unless the installation requires approval of new registrations; then the
registration itself is `pending` and launches get the "waiting for approval" page until the admin approves it.
"""
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import requests
from flask import Flask, jsonify, request
from sqlalchemy import select

from app.admin.services import approve_registration
from app.admin.settings import set_registration_approval_required
from app.clock import SystemClock
from app.extensions import db
from app.lti.dynamic_registration import (
    build_client_registration,
    create_invitation,
    find_usable_invitation,
    issuer_matches_configuration_url,
    platform_configuration_problems,
)
from app.lti.exceptions import InvalidRegistrationRequest
from app.lti.tool_urls import ToolUrls
from app.tenancy.models import Deployment, Organisation, Registration
from tests.support.live_server import LiveServer

LINK = "intl-skills-path"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
AGS_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


class DevLmsAdmin:
    """The development LMS's admin, at its Tools page."""

    def __init__(self, devlms_url: str):
        self.devlms_url = devlms_url
        self.session = requests.Session()

    def frame_url(self, registration_url: str) -> str:
        """Paste the tool's registration URL into "Register a tool"; the URL the LMS then opens in its iframe."""
        page = self.session.post(f"{self.devlms_url}/admin/tools/register",
                                 data={"registration_url": registration_url}, timeout=30)
        assert page.status_code == 200, page.text[:500]
        return re.search(r'<iframe[^>]*src="([^"]+)"', page.text).group(1).replace("&amp;", "&")

    def register(self, registration_url: str) -> requests.Response:
        """The whole registration as the LMS admin's browser runs it: the tool's page in the iframe."""
        return self.session.get(self.frame_url(registration_url), timeout=30)

    def tool_status(self, client_id: str) -> str:
        page = self.session.get(f"{self.devlms_url}/admin/tools", timeout=30).text
        row = re.search(rf'<tr data-client-id="{re.escape(client_id)}">(.*?)</tr>', page, re.S).group(1)
        return "pending" if "pending" in row else "active"

    def activate(self, client_id: str) -> None:
        response = self.session.post(f"{self.devlms_url}/admin/tools/{client_id}/approve", timeout=30)
        assert response.status_code == 200, response.text[:500]


def client_id_on(page: requests.Response) -> str:
    return re.search(r'data-testid="client-id">([^<]+)<', page.text).group(1)


def registration_row(app, client_id: str) -> Registration:
    with app.app_context():
        registration = db.session.scalars(select(Registration).where(Registration.client_id == client_id)).one()
        db.session.expunge(registration)
        return registration


@pytest.fixture
def devlms_admin(lti_world) -> DevLmsAdmin:
    return DevLmsAdmin(lti_world.devlms.url)


@pytest.fixture
def registration_url(lti_world) -> str:
    return lti_world.tool.url + "/lti/register"


# The whole flow through the development LMS ------------------------------------------------------------------

def test_lms_admin_registers_the_tool_and_after_activation_the_new_client_id_launches(lti_world, devlms_admin, registration_url):
    page = devlms_admin.register(registration_url)

    assert page.status_code == 200, page.text[:1000]
    assert "REX VET Path is registered with your LMS" in page.text
    assert "lti_registration_close.js" in page.text
    assert page.headers["Content-Security-Policy"] == "frame-ancestors *"  # shown in the LMS's iframe
    client_id = client_id_on(page)
    assert devlms_admin.tool_status(client_id) == "pending"
    refused = lti_world.browser.session.get(f"{lti_world.devlms.url}/launch/{LINK}",
                                            params={"user": "learner", "tool": client_id}, timeout=30)
    assert refused.status_code == 403  # the LMS offers no pending tool

    devlms_admin.activate(client_id)
    response = lti_world.browser.launch(LINK, "learner", tool=client_id)

    assert response.status_code == 200, response.text[:1000]
    assert "Laura Learner" in response.text
    with lti_world.app.app_context():
        registration = db.session.scalars(select(Registration).where(Registration.client_id == client_id)).one()
        assert registration.status == Registration.ACTIVE
        assert registration.issuer == lti_world.devlms.url
        assert registration.auth_login_url == lti_world.devlms.url + "/lti/auth"
        assert registration.key_set_url == lti_world.devlms.url + "/lti/jwks"
        assert registration.allowed_algorithms == ["RS256"]
        organisation = registration.default_organisation
        assert organisation.status == "pending"  # for the installation admin's attention; launches still work
        [deployment] = registration.deployments
        assert deployment.deployment_id.startswith("devlms-deployment-")
        assert deployment.status == Deployment.ACTIVE
        assert deployment.organisation_id == organisation.id
        assert deployment.frame_ancestors == [lti_world.devlms.url]


def test_success_page_says_what_the_lms_admin_does_next(devlms_admin, registration_url):
    page = devlms_admin.register(registration_url)

    assert "activates it in its list of external tools" in page.text
    assert "will review the new organisation" in page.text


def test_close_script_posts_the_close_message_to_opener_or_parent(lti_world):
    script = requests.get(lti_world.tool.url + "/static/lti_registration_close.js", timeout=10).text

    assert "window.opener" in script and "window.parent" in script
    assert 'postMessage({ subject: "org.imsglobal.lti.close" }, "*")' in script


def test_with_approval_required_launches_wait_until_the_tool_admin_approves(lti_world, devlms_admin, registration_url):
    with lti_world.app.app_context():
        set_registration_approval_required(True)
        db.session.commit()
    page = devlms_admin.register(registration_url)
    assert "must also approve this registration" in page.text
    client_id = client_id_on(page)
    devlms_admin.activate(client_id)

    waiting = lti_world.browser.launch(LINK, "learner", tool=client_id)

    assert waiting.status_code == 403
    assert "waiting for approval" in waiting.text
    with lti_world.app.app_context():
        approve_registration(registration_row(lti_world.app, client_id).id)
        db.session.commit()
    assert lti_world.new_browser().launch(LINK, "learner", tool=client_id).status_code == 200


def test_invitation_url_attaches_the_lms_to_an_existing_organisation_once(lti_world, devlms_admin, registration_url):
    with lti_world.app.app_context():
        organisation = Organisation(name="Omnia")
        db.session.add(organisation)
        _, token = create_invitation(organisation, now=SystemClock().now())
        db.session.commit()
        organisation_id = organisation.id
    invitation_url = f"{registration_url}?{urlencode({'invitation': token})}"

    page = devlms_admin.register(invitation_url)
    again = devlms_admin.register(invitation_url)

    assert page.status_code == 200, page.text[:1000]
    assert "they belong to the organisation “Omnia”" in page.text
    registration = registration_row(lti_world.app, client_id_on(page))
    assert registration.default_organisation_id == organisation_id
    assert again.status_code == 403
    assert "already used" in again.text
    with lti_world.app.app_context():
        assert len(db.session.scalars(select(Registration).where(Registration.issuer == lti_world.devlms.url)).all()) == 2
        assert db.session.get(Organisation, organisation_id).status == "active"
    devlms_admin.activate(registration.client_id)
    assert lti_world.browser.launch(LINK, "learner", tool=registration.client_id).status_code == 200


def test_expired_invitation_is_refused_before_the_lms_is_asked(lti_world, devlms_admin, registration_url):
    with lti_world.app.app_context():
        organisation = Organisation(name="Omnia")
        db.session.add(organisation)
        _, token = create_invitation(organisation, now=SystemClock().now() - timedelta(days=8))
        db.session.commit()

    page = devlms_admin.register(f"{registration_url}?invitation={token}")

    assert page.status_code == 403
    assert "has expired" in page.text
    assert lti_world.devlms.requests["/.well-known/openid-configuration"] == 0


# Refusals ------------------------------------------------------------------------------------------------------

def test_registration_url_opened_without_the_lms_parameters_explains_where_to_paste_it(registration_url):
    page = requests.get(registration_url, timeout=10)

    assert page.status_code == 400
    assert "opened without the LMS" in page.text and "openid_configuration parameter" in page.text
    assert "Manage tools" in page.text


def test_registration_token_the_lms_did_not_issue_shows_the_status_and_error_code_not_the_body(lti_world, registration_url):
    query = {"openid_configuration": lti_world.devlms.url + "/.well-known/openid-configuration",
             "registration_token": "not-issued-by-the-lms"}

    page = requests.get(registration_url, params=query, timeout=30)

    assert page.status_code == 502
    assert "HTTP 401 (invalid_token)" in page.text
    assert "not one this platform issued" not in page.text  # the error_description: body, from an unvetted host
    assert "registration token" in page.text  # the hint: start again from the LMS


def test_missing_registration_token_shows_the_lms_refusal(lti_world, registration_url):
    query = {"openid_configuration": lti_world.devlms.url + "/.well-known/openid-configuration"}

    page = requests.get(registration_url, params=query, timeout=30)

    assert page.status_code == 502
    assert "HTTP 401" in page.text
    with lti_world.app.app_context():
        assert db.session.scalars(select(Registration).where(Registration.client_id != "rexvet-dev-tool")).all() == []


class FakePlatform:
    """A platform whose configuration and registration answer each test sets: the LMS bugs devlms never has."""

    def __init__(self):
        self.server = LiveServer("127.0.0.1")
        self.url = self.server.url
        self.configuration: dict = {}
        self.answer: tuple[dict | str, int] = ({}, 201)
        app = Flask("fake_platform")
        app.add_url_rule("/.well-known/openid-configuration", "configuration", lambda: jsonify(self.configuration))
        app.add_url_rule("/register", "register", lambda: self.answer, methods=["POST"])
        self.received = []
        app.before_request(lambda: self.received.append(request.get_json(silent=True)) if request.method == "POST" else None)
        self.server.start(app)

    def valid_configuration(self, issuer: str | None = None) -> dict:
        issuer = issuer or self.url
        return {
            "issuer": issuer, "authorization_endpoint": f"{issuer}/auth", "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks", "registration_endpoint": f"{self.url}/register",
            "scopes_supported": ["openid", AGS_SCORE], "id_token_signing_alg_values_supported": ["RS256"],
            PLATFORM_CONFIGURATION: {"product_family_code": "moodle", "version": "4.5",
                                     "messages_supported": ["LtiResourceLinkRequest", "LtiDeepLinkingRequest"]},
        }

    def registration_query(self, token: str = "platform-token") -> dict:
        return {"openid_configuration": f"{self.url}/.well-known/openid-configuration", "registration_token": token}


@pytest.fixture
def platform(lti_world):
    fake = FakePlatform()
    yield fake
    fake.server.stop()


def test_configuration_whose_issuer_is_another_host_is_refused(platform, registration_url):
    platform.configuration = platform.valid_configuration(issuer="https://lms.example.org")

    page = requests.get(registration_url, params=platform.registration_query(), timeout=30)

    assert page.status_code == 502
    assert "the issuer https://lms.example.org is not on the same scheme, host and port" in page.text
    assert platform.received == []  # nothing was registered


def test_configuration_missing_required_fields_is_refused_naming_each(platform, registration_url):
    configuration = platform.valid_configuration()
    del configuration["jwks_uri"], configuration["registration_endpoint"]
    configuration["id_token_signing_alg_values_supported"] = ["HS256"]
    del configuration[PLATFORM_CONFIGURATION]["product_family_code"]
    platform.configuration = configuration

    page = requests.get(registration_url, params=platform.registration_query(), timeout=30)

    assert page.status_code == 502
    for problem in ("`jwks_uri` is missing", "`registration_endpoint` is missing", "must contain RS256",
                    "`product_family_code` is missing"):
        assert problem in page.text


def test_platform_answering_400_is_shown_by_status_and_oauth_error_code_never_by_its_body(
    platform, registration_url, caplog
):
    platform.configuration = platform.valid_configuration()
    platform.answer = ({"error": "invalid_client_metadata", "error_description": "logo_uri is required here"}, 400)

    page = requests.get(registration_url, params=platform.registration_query(), timeout=30)

    assert page.status_code == 502
    assert "HTTP 400 (invalid_client_metadata)" in page.text
    # Until the LMS is registered its host is not vetted: what it answers never reaches the page or the log.
    assert "logo_uri is required here" not in page.text
    assert "logo_uri is required here" not in caplog.text


def test_moodle_registration_sends_the_bearer_token_and_says_moodle_keeps_the_tool_pending(platform, registration_url):
    platform.configuration = platform.valid_configuration()
    platform.answer = ({"client_id": "moodle-client-1", TOOL_CONFIGURATION: {"deployment_id": "7"}}, 200)

    page = requests.get(registration_url, params=platform.registration_query(), timeout=30)

    assert page.status_code == 200, page.text[:1000]
    assert "Site administration → Plugins → Activity modules → External tool → Manage tools" in page.text
    [sent] = platform.received
    assert sent["scope"] == AGS_SCORE  # only what the platform supports
    assert sent[TOOL_CONFIGURATION]["messages"][1]["type"] == "LtiDeepLinkingRequest"


# The rules, without HTTP ---------------------------------------------------------------------------------------

@pytest.mark.sqlite
@pytest.mark.parametrize("issuer, configuration_url, matches", [
    ("https://lms.example.org", "https://lms.example.org/mod/lti/openid-configuration.php", True),
    ("https://lms.example.org/moodle", "https://lms.example.org/moodle/mod/lti/openid-configuration.php", True),
    ("https://lms.example.org/moodle/", "https://lms.example.org/moodle/mod/lti/openid-configuration.php", True),
    ("https://lms.example.org:443", "https://lms.example.org/.well-known/openid-configuration", True),
    ("https://lms.example.org/moodle", "https://lms.example.org/moodle2/openid-configuration", False),
    ("https://lms.example.org/moodle", "https://lms.example.org/openid-configuration", False),
    ("https://lms.example.org", "https://evil.example.org/openid-configuration", False),
    ("https://lms.example.org", "http://lms.example.org/openid-configuration", False),
    ("https://lms.example.org", "https://lms.example.org:8443/openid-configuration", False),
])
def test_issuer_must_be_where_the_configuration_is_served(issuer, configuration_url, matches):
    assert issuer_matches_configuration_url(issuer, configuration_url) is matches


@pytest.mark.sqlite
def test_configuration_problems_are_listed_together(app):
    with app.test_request_context():
        problems = platform_configuration_problems({"issuer": "https://lms.example.org"},
                                                   "https://lms.example.org/openid-configuration")

    assert any("authorization_endpoint" in problem for problem in problems)
    assert any("scopes_supported" in problem for problem in problems)
    assert any(PLATFORM_CONFIGURATION in problem for problem in problems)


@pytest.mark.sqlite
def test_client_registration_asks_only_for_supported_scopes_and_messages(app):
    configuration = {"scopes_supported": [AGS_SCORE, NRPS, "https://other/scope"],
                     PLATFORM_CONFIGURATION: {"messages_supported": [{"type": "LtiResourceLinkRequest"}]}}
    with app.test_request_context():
        body = build_client_registration(configuration, ToolUrls.for_base("https://rexvet.example"))

    assert body["scope"].split() == [AGS_SCORE, NRPS]
    assert body["initiate_login_uri"] == "https://rexvet.example/lti/login"
    assert body["redirect_uris"] == ["https://rexvet.example/lti/launch"]
    assert body["jwks_uri"] == "https://rexvet.example/lti/jwks.json"
    assert body["token_endpoint_auth_method"] == "private_key_jwt"
    assert body["grant_types"] == ["implicit", "client_credentials"]
    tool = body[TOOL_CONFIGURATION]
    assert tool["domain"] == "rexvet.example"
    assert tool["claims"] == ["iss", "sub", "name", "given_name", "family_name", "email"]
    assert [message["type"] for message in tool["messages"]] == ["LtiResourceLinkRequest"]


@pytest.mark.sqlite
def test_invitation_is_single_use_and_stored_only_as_a_hash(app, clock):
    organisation = Organisation(name="Omnia")
    db.session.add(organisation)
    invitation, token = create_invitation(organisation, now=clock.now())

    assert token not in invitation.token_hash
    assert find_usable_invitation(token, now=clock.now()) is invitation
    invitation.used_at = clock.now()
    with app.test_request_context(), pytest.raises(InvalidRegistrationRequest, match="already used"):
        find_usable_invitation(token, now=clock.now())


@pytest.mark.sqlite
def test_invitation_expires_after_a_week(app, clock):
    organisation = Organisation(name="Omnia")
    db.session.add(organisation)
    _, token = create_invitation(organisation, now=clock.now())

    with app.test_request_context(), pytest.raises(InvalidRegistrationRequest, match="expired"):
        find_usable_invitation(token, now=clock.now() + timedelta(days=7, seconds=1))
