"""LTI Dynamic Registration, the tool's side: an LMS admin registers REX VET Path from the LMS's admin page with a
one-time registration URL (an invitation) and the new client_id launches; without an invitation the tool calls
nothing and says how to get one; an invitation works once; Moodle's "Update" (the same client_id again) is accepted,
its changed key set or endpoints held for the installation admin; a second registration of a known LMS waits for
the admin's choice of organisation; every refusal says what was wrong.

Decided here: an invitation for a new organisation makes an active one (the admin vouched for it by making the URL),
unless the installation requires approval of new registrations; then the registration and its organisation are
`pending` and launches get the "waiting for approval" page until the admin approves it.
"""
import re
from datetime import timedelta

import pytest
import requests
from flask import Flask, jsonify, request
from sqlalchemy import select

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
from app.lti.models import RegistrationInvitation
from app.lti.registrations import approve_registration
from app.lti.tool_urls import ToolUrls
from app.tenancy.models import Deployment, Organisation, Registration
from app.tenancy.settings import set_registration_approval_required
from tests.support.live_server import LiveServer
from tests.support.registrations import invite, invited

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
def sites(unregistered_lti_world):
    """The tool and the development LMS, each on its own site, which the tool does not know yet."""
    return unregistered_lti_world


@pytest.fixture
def devlms_admin(sites) -> DevLmsAdmin:
    return DevLmsAdmin(sites.devlms.url)


@pytest.fixture
def registration_url(sites) -> str:
    return sites.tool.url + "/lti/register"


# The whole flow through the development LMS ------------------------------------------------------------------

def test_lms_admin_registers_the_tool_with_an_invitation_and_after_activation_the_new_client_id_launches(
        sites, devlms_admin, registration_url):
    page = devlms_admin.register(invited(registration_url, invite(sites.app)))

    assert page.status_code == 200, page.text[:1000]
    assert "REX VET Path is registered with your LMS" in page.text
    assert "lti_registration_close.js" in page.text
    assert page.headers["Content-Security-Policy"] == "frame-ancestors *"  # shown in the LMS's iframe
    client_id = client_id_on(page)
    assert devlms_admin.tool_status(client_id) == "pending"
    refused = sites.browser.session.get(f"{sites.devlms.url}/launch/{LINK}",
                                        params={"user": "learner", "tool": client_id}, timeout=30)
    assert refused.status_code == 403  # the LMS offers no pending tool

    devlms_admin.activate(client_id)
    response = sites.browser.launch(LINK, "learner", tool=client_id)

    assert response.status_code == 200, response.text[:1000]
    assert "Laura Learner" in response.text
    with sites.app.app_context():
        registration = db.session.scalars(select(Registration).where(Registration.client_id == client_id)).one()
        assert registration.status == Registration.ACTIVE
        assert registration.issuer == sites.devlms.url
        assert registration.auth_login_url == sites.devlms.url + "/lti/auth"
        assert registration.key_set_url == sites.devlms.url + "/lti/jwks"
        assert registration.registration_endpoint == sites.devlms.url + "/lti/register"
        assert registration.allowed_algorithms == ["RS256"]
        organisation = registration.default_organisation
        assert organisation.status == "active"  # the admin vouched for it by making the invitation
        assert organisation.name == f"New LMS at {sites.devlms.url.split('//')[1]}"
        [deployment] = registration.deployments
        assert deployment.deployment_id.startswith("devlms-deployment-")
        assert deployment.status == Deployment.ACTIVE
        assert deployment.organisation_id == organisation.id
        assert deployment.frame_ancestors == [sites.devlms.url]


def test_success_page_says_what_the_lms_admin_does_next_and_waits_for_done(sites, devlms_admin, registration_url):
    page = devlms_admin.register(invited(registration_url, invite(sites.app, new_organisation="Stadin AO")))

    assert "activates it in its list of external tools" in page.text
    assert "they belong to the organisation “Stadin AO”" in page.text
    # The page stays until the LMS admin has read it: "Done" sends the close message, nothing sends it by itself.
    assert re.search(r'<button type="button" id="registration-done"[^>]*>Done</button>', page.text)


def test_close_script_posts_the_close_message_only_when_done_is_pressed(sites):
    script = requests.get(sites.tool.url + "/static/lti_registration_close.js", timeout=10).text

    assert "window.opener" in script and "window.parent" in script
    assert 'postMessage({ subject: "org.imsglobal.lti.close" }, "*")' in script
    assert 'getElementById("registration-done")' in script
    # the message is posted inside the click handler, not when the page loads
    assert script.index('addEventListener("click"') < script.index("postMessage(")


def test_with_approval_required_launches_wait_until_the_tool_admin_approves(sites, devlms_admin, registration_url):
    with sites.app.app_context():
        set_registration_approval_required(True)
        db.session.commit()
    page = devlms_admin.register(invited(registration_url, invite(sites.app)))
    assert "must also approve this registration" in page.text
    client_id = client_id_on(page)
    devlms_admin.activate(client_id)

    waiting = sites.browser.launch(LINK, "learner", tool=client_id)

    assert waiting.status_code == 403
    assert "waiting for approval" in waiting.text
    with sites.app.app_context():
        assert registration_row(sites.app, client_id).default_organisation_id is not None
        approve_registration(registration_row(sites.app, client_id).id)
        db.session.commit()
    assert sites.new_browser().launch(LINK, "learner", tool=client_id).status_code == 200


def test_invitation_url_attaches_the_lms_to_an_existing_organisation_once(sites, devlms_admin, registration_url):
    invitation_url = invited(registration_url, invite(sites.app, organisation="Omnia"))

    page = devlms_admin.register(invitation_url)
    again = devlms_admin.register(invitation_url)

    assert page.status_code == 200, page.text[:1000]
    assert "they belong to the organisation “Omnia”" in page.text
    registration = registration_row(sites.app, client_id_on(page))
    with sites.app.app_context():
        omnia = db.session.scalars(select(Organisation).where(Organisation.name == "Omnia")).one()
        assert registration.default_organisation_id == omnia.id
        assert omnia.status == "active"
        assert len(db.session.scalars(select(Registration)).all()) == 1  # the second try registered nothing
    assert again.status_code == 403
    assert "already used" in again.text
    devlms_admin.activate(registration.client_id)
    assert sites.browser.launch(LINK, "learner", tool=registration.client_id).status_code == 200


def test_expired_invitation_is_refused_before_the_lms_is_asked(sites, devlms_admin, registration_url):
    token = invite(sites.app, organisation="Omnia", now=SystemClock().now() - timedelta(days=8))

    page = devlms_admin.register(invited(registration_url, token))

    assert page.status_code == 403
    assert "has expired" in page.text
    assert sites.devlms.requests["/.well-known/openid-configuration"] == 0


def test_invitation_made_with_the_command_line_works_once(sites, devlms_admin):
    result = sites.app.test_cli_runner().invoke(args=["lti", "invitation", "create", "--new-organisation", "Omnia"])

    assert result.exit_code == 0, result.output
    url = result.stdout.strip()
    assert url.startswith(sites.tool.url + "/lti/register?invitation=")
    assert "works once" in result.stderr
    first, second = devlms_admin.register(url), devlms_admin.register(url)
    assert first.status_code == 200, first.text[:1000]
    assert "they belong to the organisation “Omnia”" in first.text
    assert second.status_code == 403 and "already used" in second.text


def test_a_second_registration_of_a_known_lms_waits_for_the_admin_to_choose_its_organisation(lti_world):
    """The development LMS is registered (lti_config/devlms.json); its admin registers the tool again, as Moodle's
    "Register as a new external tool" does: a new client_id for the same issuer."""
    admin = DevLmsAdmin(lti_world.devlms.url)

    page = admin.register(invited(lti_world.tool.url + "/lti/register", invite(lti_world.app, organisation="Omnia")))

    assert page.status_code == 200, page.text[:1000]
    assert 'data-outcome="choice_held">This registration waits for the REX VET Path administrator</h1>' in page.text
    assert "already knows this LMS under another client ID" in page.text
    assert "<select" not in page.text and "<form" not in page.text  # the LMS admin is never offered the choice
    client_id = client_id_on(page)
    registration = registration_row(lti_world.app, client_id)
    assert registration.status == Registration.PENDING
    assert registration.default_organisation_id is None
    with lti_world.app.app_context():
        [deployment] = db.session.scalars(select(Deployment).where(Deployment.registration_id == registration.id))
        assert (deployment.status, deployment.organisation_id) == (Deployment.PENDING, None)
        assert db.session.scalars(select(Organisation).where(Organisation.name == "Omnia")).one().status == "active"
    admin.session.post(f"{lti_world.devlms.url}/admin/tools/{client_id}/approve", timeout=30)
    waiting = lti_world.browser.launch(LINK, "learner", tool=client_id)
    assert waiting.status_code == 403 and "waiting for approval" in waiting.text


# Refusals ------------------------------------------------------------------------------------------------------

def test_registration_url_opened_without_an_invitation_explains_how_to_get_one(registration_url):
    page = requests.get(registration_url, timeout=10)

    assert page.status_code == 403
    assert "registers an LMS only through a one-time registration URL" in page.text
    assert "Ask the REX VET Path administrator for a one-time registration URL" in page.text
    assert "Manage tools" in page.text
    assert page.headers["Content-Security-Policy"] == "frame-ancestors *"  # readable in the LMS's frame
    assert 'id="registration-done"' in page.text


def test_invited_url_opened_without_the_lms_parameters_explains_where_to_paste_it(sites, registration_url):
    page = requests.get(invited(registration_url, invite(sites.app)), timeout=10)

    assert page.status_code == 400
    assert "opened without the LMS" in page.text and "openid_configuration parameter" in page.text
    assert "Manage tools" in page.text


def test_registration_token_the_lms_did_not_issue_shows_the_status_and_error_code_not_the_body(sites, registration_url):
    query = {"openid_configuration": sites.devlms.url + "/.well-known/openid-configuration",
             "registration_token": "not-issued-by-the-lms", "invitation": invite(sites.app)}

    page = requests.get(registration_url, params=query, timeout=30)

    assert page.status_code == 502
    assert "HTTP 401 (invalid_token)" in page.text
    assert "not one this platform issued" not in page.text  # the error_description: body, from an unvetted host
    assert "registration token" in page.text  # the hint: start again from the LMS


def test_missing_registration_token_shows_the_lms_refusal_and_keeps_the_invitation(sites, registration_url):
    query = {"openid_configuration": sites.devlms.url + "/.well-known/openid-configuration",
             "invitation": invite(sites.app)}

    page = requests.get(registration_url, params=query, timeout=30)

    assert page.status_code == 502
    assert "HTTP 401" in page.text
    with sites.app.app_context():
        assert db.session.scalars(select(Registration)).all() == []
        assert db.session.scalars(select(RegistrationInvitation)).one().used_at is None  # usable again


class FakePlatform:
    """A platform whose configuration and registration answer each test sets: the LMS bugs devlms never has, and
    Moodle's Update (the same client_id again). It counts every request it gets (server.requests)."""

    def __init__(self):
        self.server = LiveServer("127.0.0.1")
        self.url = self.server.url
        self.configuration: dict = {}
        self.answer: tuple[dict | str, int] = ({}, 201)
        app = Flask("fake_platform")
        app.add_url_rule("/.well-known/openid-configuration", "configuration", lambda: jsonify(self.configuration))
        app.add_url_rule("/register", "register", lambda: self.answer, methods=["POST"])
        self.received = []
        app.before_request(
            lambda: self.received.append(request.get_json(silent=True)) if request.method == "POST" else None
        )
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
def platform(sites):
    fake = FakePlatform()
    yield fake
    fake.server.stop()


@pytest.fixture
def invitation(sites) -> dict:
    """The invitation parameter of a one-time registration URL, for the organisation Omnia."""
    return {"invitation": invite(sites.app, organisation="Omnia")}


def test_plain_registration_url_makes_no_outgoing_call(platform, registration_url):
    platform.configuration = platform.valid_configuration()
    platform.answer = ({"client_id": "moodle-client-1"}, 200)

    pages = [requests.get(registration_url, params=platform.registration_query(), timeout=30) for _ in range(3)]

    assert [page.status_code for page in pages] == [403, 403, 403]
    assert "registers an LMS only through a one-time registration URL" in pages[0].text
    assert sum(platform.server.requests.values()) == 0  # neither the configuration nor the registration endpoint


def test_an_unknown_invitation_makes_no_outgoing_call(platform, registration_url):
    platform.configuration = platform.valid_configuration()

    page = requests.get(registration_url, params={**platform.registration_query(), "invitation": "made-up"}, timeout=30)

    assert page.status_code == 403
    assert "invitation is not known" in page.text
    assert sum(platform.server.requests.values()) == 0


def test_an_admin_session_does_not_vouch_for_a_registration(sites, platform):
    """In the LMS's cross-site frame a SameSite=Lax admin cookie would not even be sent; a session never counts."""
    from app.admin import accounts
    from tests.support.admin import ADMIN_PASSWORD, ADMIN_USERNAME, log_in

    with sites.app.app_context():
        accounts.create_admin_user(ADMIN_USERNAME, ADMIN_PASSWORD)
        db.session.commit()
    admin_browser = sites.app.test_client()
    admin_browser.environ_base.update({"wsgi.url_scheme": "https", "HTTP_REFERER": "https://localhost/"})
    assert log_in(admin_browser).status_code == 302
    platform.configuration = platform.valid_configuration()

    page = admin_browser.get("/lti/register", query_string=platform.registration_query())

    assert page.status_code == 403
    assert sum(platform.server.requests.values()) == 0


def test_configuration_whose_issuer_is_another_host_is_refused(platform, registration_url, invitation):
    platform.configuration = platform.valid_configuration(issuer="https://lms.example.org")

    page = requests.get(registration_url, params={**platform.registration_query(), **invitation}, timeout=30)

    assert page.status_code == 502
    assert "the issuer https://lms.example.org is not on the same scheme, host and port" in page.text
    assert platform.received == []  # nothing was registered


def test_configuration_missing_required_fields_is_refused_naming_each(platform, registration_url, invitation):
    configuration = platform.valid_configuration()
    del configuration["jwks_uri"], configuration["registration_endpoint"]
    configuration["id_token_signing_alg_values_supported"] = ["HS256"]
    del configuration[PLATFORM_CONFIGURATION]["product_family_code"]
    platform.configuration = configuration

    page = requests.get(registration_url, params={**platform.registration_query(), **invitation}, timeout=30)

    assert page.status_code == 502
    for problem in ("`jwks_uri` is missing", "`registration_endpoint` is missing", "must contain RS256",
                    "`product_family_code` is missing"):
        assert problem in page.text


def test_platform_answering_400_is_shown_by_status_and_oauth_error_code_never_by_its_body(
    platform, registration_url, invitation, caplog
):
    platform.configuration = platform.valid_configuration()
    platform.answer = ({"error": "invalid_client_metadata", "error_description": "logo_uri is required here"}, 400)

    page = requests.get(registration_url, params={**platform.registration_query(), **invitation}, timeout=30)

    assert page.status_code == 502
    assert "HTTP 400 (invalid_client_metadata)" in page.text
    assert 'id="registration-done"' in page.text  # a refusal ends the registration too: "Done" closes the frame
    # Until the LMS is registered its host is not vetted: what it answers never reaches the page or the log.
    assert "logo_uri is required here" not in page.text
    assert "logo_uri is required here" not in caplog.text


def test_moodle_registration_sends_the_bearer_token_and_tells_the_moodle_admin_what_to_set(platform, registration_url,
                                                                                          invitation):
    platform.configuration = platform.valid_configuration()
    platform.answer = ({"client_id": "moodle-client-1", TOOL_CONFIGURATION: {"deployment_id": "7"}}, 200)

    page = requests.get(registration_url, params={**platform.registration_query(), **invitation}, timeout=30)

    assert page.status_code == 200, page.text[:1000]
    assert "Site administration → Plugins → Activity modules → External tool → Manage tools" in page.text
    # Moodle 4.5 saves a registered tool as "preconfigured" only: teachers would not find it in the activity chooser.
    assert "“Show in activity chooser and as a preconfigured tool”" in page.text
    [sent] = platform.received
    assert sent["scope"] == AGS_SCORE  # only what the platform supports
    assert sent[TOOL_CONFIGURATION]["messages"][1]["type"] == "LtiDeepLinkingRequest"


# Moodle's "Update": the same issuer and client_id again -------------------------------------------------------

@pytest.fixture
def registered_moodle(sites, platform, registration_url):
    """A Moodle registered through an invitation (client_id moodle-client-1, site 7), with a person in its
    organisation."""
    platform.configuration = platform.valid_configuration()
    platform.answer = ({"client_id": "moodle-client-1", TOOL_CONFIGURATION: {"deployment_id": "7"}}, 200)
    page = requests.get(registration_url, params={**platform.registration_query(), **invite_query(sites)}, timeout=30)
    assert page.status_code == 200, page.text[:1000]
    with sites.app.app_context():
        from app.tenancy.models import Person

        registration = db.session.scalars(select(Registration)).one()
        db.session.add(Person(organisation_id=registration.default_organisation_id, issuer=registration.issuer,
                              subject="u1", name="Laura"))
        db.session.commit()
    return registration_row(sites.app, "moodle-client-1")


def invite_query(sites) -> dict:
    return {"invitation": invite(sites.app, organisation="Omnia")}


def update(sites, platform, registration_url) -> requests.Response:
    """The Moodle admin presses "Update": Moodle registers again and answers with the same client_id."""
    return requests.get(registration_url, params={**platform.registration_query("second-token"), **invite_query(sites)},
                        timeout=30)


def test_update_with_the_same_values_is_accepted_and_changes_nothing(
    sites, platform, registration_url, registered_moodle
):
    page = update(sites, platform, registration_url)

    assert page.status_code == 200, page.text[:1000]  # not 409: Moodle has already stored its side
    assert 'data-outcome="updated">REX VET Path&#39;s registration is up to date</h1>' in page.text
    assert "nothing changed, and launches go on as before" in page.text
    after = registration_row(sites.app, "moodle-client-1")
    assert (after.id, after.key_set_url, after.proposed_values) == (
        registered_moodle.id,
        registered_moodle.key_set_url,
        None,
    )
    with sites.app.app_context():
        assert len(db.session.scalars(select(Registration)).all()) == 1
        assert len(db.session.scalars(select(Deployment)).all()) == 1
        assert all(invitation.used_at for invitation in db.session.scalars(select(RegistrationInvitation)))


def test_update_claiming_a_known_issuer_and_client_id_with_another_jwks_uri_changes_nothing_until_approved(
        sites, platform, registration_url, registered_moodle):
    from app.lti.registrations import apply_proposed_values
    from app.tenancy.models import Person

    platform.configuration = {**platform.valid_configuration(), "jwks_uri": "https://attacker.example/jwks",
                              "token_endpoint": f"{platform.url}/token2"}

    page = update(sites, platform, registration_url)

    assert page.status_code == 200, page.text[:1000]
    assert 'data-outcome="update_held">Your LMS&#39;s changes wait for the REX VET Path administrator</h1>' in page.text
    assert "Launches go on with the values REX VET Path had" in page.text
    held = registration_row(sites.app, "moodle-client-1")
    assert held.key_set_url == registered_moodle.key_set_url  # still in force
    assert held.auth_token_url == registered_moodle.auth_token_url
    assert held.proposed_values == {"key_set_url": "https://attacker.example/jwks",
                                    "auth_token_url": f"{platform.url}/token2"}
    assert (held.status, held.default_organisation_id) == (
        registered_moodle.status,
        registered_moodle.default_organisation_id,
    )

    with sites.app.app_context():
        apply_proposed_values(held.id)
        db.session.commit()
        applied = db.session.get(Registration, held.id)
        assert applied.key_set_url == "https://attacker.example/jwks" and applied.proposed_values is None
        # the organisation and its people are kept
        assert db.session.scalars(select(Person.name).where(
            Person.organisation_id == registered_moodle.default_organisation_id)).all() == ["Laura"]


def test_update_needs_an_invitation_too(sites, platform, registration_url, registered_moodle):
    page = requests.get(registration_url, params=platform.registration_query("second-token"), timeout=30)

    assert page.status_code == 403
    assert platform.received == [platform.received[0]]  # only the first registration's POST


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
def test_no_invitation_is_refused_before_anything_else(app, clock):
    from app.lti.exceptions import InvitationRequired

    with (
        app.test_request_context(),
        pytest.raises(InvitationRequired, match="only through a one-time registration URL"),
    ):
        find_usable_invitation(None, now=clock.now())


@pytest.mark.sqlite
def test_invitation_for_a_new_organisation_keeps_its_name(app, clock):
    invitation, _ = create_invitation(None, organisation_name="  Stadin AO ", now=clock.now())

    assert invitation.organisation_id is None and invitation.organisation_name == "Stadin AO"


@pytest.mark.sqlite
def test_invitation_expires_after_a_week(app, clock):
    organisation = Organisation(name="Omnia")
    db.session.add(organisation)
    _, token = create_invitation(organisation, now=clock.now())

    with app.test_request_context(), pytest.raises(InvalidRegistrationRequest, match="expired"):
        find_usable_invitation(token, now=clock.now() + timedelta(days=7, seconds=1))
