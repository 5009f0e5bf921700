"""The launch as a real platform runs it: login initiation, a strict OIDC authentication endpoint, the id_token."""

import html

import jwt
import pytest

from devlms.lti.constants import (
    AGS_ENDPOINT,
    AGS_SCOPES,
    CONTEXT,
    CONTEXT_ADMINISTRATOR,
    COURSE_OFFERING,
    CUSTOM,
    DEEP_LINKING_REQUEST,
    DEEP_LINKING_SETTINGS,
    DEPLOYMENT_ID,
    INSTITUTION_ADMINISTRATOR,
    INSTRUCTOR,
    LAUNCH_PRESENTATION,
    LEARNER,
    MENTOR,
    MESSAGE_TYPE,
    NRPS_SERVICE,
    RESOURCE_LINK,
    RESOURCE_LINK_REQUEST,
    ROLE_SCOPE_MENTOR,
    ROLES,
    TARGET_LINK_URI,
    TOOL_PLATFORM,
    VERSION,
)
from tests.support.devlms import BASE_URL, CLIENT_ID, NOW, TOOL_BASE_URL, TOOL_LAUNCH_URL, posted_form

# --- login initiation -----------------------------------------------------------------------------------------


def test_launch_page_posts_the_third_party_initiated_login_to_the_tools_login_url(client):
    response = client.get("/launch/intl-skills-path?user=learner")
    action, fields = posted_form(response)

    assert action == TOOL_BASE_URL + "/lti/login"
    assert fields["iss"] == BASE_URL
    assert fields["login_hint"] == "learner"
    assert fields["target_link_uri"] == TOOL_LAUNCH_URL
    assert fields["client_id"] == CLIENT_ID
    assert fields["lti_deployment_id"] == "devlms-site-1"
    assert fields["lti_message_hint"]
    assert "autosubmit.js" in response.get_data(as_text=True)
    assert "<button type=\"submit\">Continue</button>" in response.get_data(as_text=True)


def test_message_hint_is_opaque(lms):
    hint = lms.login_initiation()["lti_message_hint"]

    assert "learner" not in hint and "intl-skills" not in hint


def test_launch_of_a_user_who_is_not_a_member_of_the_course_is_refused(client):
    response = client.get("/launch/intl-skills-path?user=learner-it&deployment=devlms-site-2")
    assert response.status_code == 200  # a member of intl-skills

    response = client.get("/launch/second-college-path?user=learner-it")
    assert response.status_code == 403
    assert "not an active member" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/launch/no-such-link?user=learner", "/launch/intl-skills-path?user=nobody",
                                 "/launch/intl-skills-path"])
def test_launch_of_an_unknown_link_or_user_is_not_found(client, url):
    assert client.get(url).status_code == 404


# --- the authentication endpoint's checks ---------------------------------------------------------------------


@pytest.mark.parametrize("parameter, value, explanation", [
    ("scope", "profile", "scope must be 'openid'"),
    ("scope", None, "scope must be 'openid'"),
    ("response_type", "code", "response_type must be 'id_token'"),
    ("response_mode", "query", "response_mode must be 'form_post'"),
    ("response_mode", None, "response_mode must be 'form_post'"),
    ("prompt", "login", "prompt must be 'none'"),
    ("client_id", "another-tool", "client_id 'another-tool' is not a registered tool"),
    ("redirect_uri", TOOL_BASE_URL + "/lti/launch/", "is not registered"),
    ("redirect_uri", "https://attacker.example/lti/launch", "is not registered"),
    ("nonce", None, "nonce is missing"),
    ("nonce", "", "nonce is missing"),
    ("login_hint", None, "login_hint is missing"),
    ("login_hint", "instructor", "login_hint 'instructor' is not the user of this launch ('learner')"),
    ("lti_message_hint", None, "lti_message_hint is missing"),
    ("lti_message_hint", "forged.hint", "lti_message_hint was not issued by this platform, or was altered"),
])
def test_authentication_request_breaking_a_rule_is_refused_with_the_reason(lms, parameter, value, explanation):
    params = lms.auth_params(lms.login_initiation(), **{parameter: value})
    if value is None:
        params.pop(parameter, None)

    response = lms.authorize(params)

    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert explanation in page
    assert 'name="id_token"' not in page


def test_altered_message_hint_is_refused(lms):
    initiation = lms.login_initiation()
    hint = initiation["lti_message_hint"]
    altered = hint[:-2] + ("A" if hint[-2] != "A" else "B") + hint[-1]

    response = lms.authorize(lms.auth_params(initiation, lti_message_hint=altered))

    assert response.status_code == 400
    assert "was not issued by this platform, or was altered" in response.get_data(as_text=True)


def test_message_hint_expires_after_five_minutes(lms, frozen_clock):
    initiation = lms.login_initiation()
    frozen_clock.advance(301)

    response = lms.authorize(lms.auth_params(initiation))

    assert response.status_code == 400
    assert "lti_message_hint has expired" in response.get_data(as_text=True)


def test_every_problem_of_a_request_is_listed(lms):
    params = lms.auth_params(lms.login_initiation(), prompt="login", response_type="code")

    page = lms.authorize(params).get_data(as_text=True)

    assert "prompt must be" in page and "response_type must be" in page


def test_valid_request_answers_with_a_form_posting_id_token_and_state_to_the_redirect_uri(lms):
    response = lms.authorize(lms.auth_params(lms.login_initiation(), state="opaque-state-123"))
    action, fields = posted_form(response)

    assert response.status_code == 200
    assert action == TOOL_LAUNCH_URL
    assert set(fields) == {"id_token", "state"}
    assert fields["state"] == "opaque-state-123"


def test_authentication_request_may_also_be_a_form_post(lms, client):
    response = client.post("/lti/auth", data=lms.auth_params(lms.login_initiation()))

    assert response.status_code == 200
    assert "id_token" in posted_form(response)[1]


# --- the id_token ---------------------------------------------------------------------------------------------


def test_learner_id_token_carries_every_claim_of_a_resource_link_launch(lms):
    claims = lms.launch("intl-skills-path", "learner")

    assert claims["iss"] == BASE_URL
    assert claims["sub"] == "learner"
    assert claims["aud"] == CLIENT_ID and claims["azp"] == CLIENT_ID
    assert claims["iat"] == NOW and claims["exp"] == NOW + 300
    assert claims["nonce"] == "nonce-from-the-tool"
    assert claims[MESSAGE_TYPE] == RESOURCE_LINK_REQUEST
    assert claims[VERSION] == "1.3.0"
    assert claims[DEPLOYMENT_ID] == "devlms-site-1"
    assert claims[TARGET_LINK_URI] == TOOL_LAUNCH_URL
    assert claims[RESOURCE_LINK] == {"id": "intl-skills-path", "title": "REX VET Path: from a rookie to an expert"}
    assert claims[ROLES] == [LEARNER]
    assert claims[CONTEXT] == {"id": "intl-skills", "label": "INTL-SKILLS",
                               "title": "International skills for VET staff", "type": [COURSE_OFFERING]}
    assert claims[TOOL_PLATFORM]["product_family_code"] == "devlms"
    assert claims[TOOL_PLATFORM]["name"] == "Development College"
    assert claims[TOOL_PLATFORM]["guid"] and claims[TOOL_PLATFORM]["version"]
    assert claims[LAUNCH_PRESENTATION] == {"locale": "en", "document_target": "iframe",
                                           "return_url": BASE_URL + "/courses/intl-skills/return"}
    assert claims[CUSTOM] == {}
    assert (claims["name"], claims["given_name"], claims["family_name"], claims["email"]) == (
        "Laura Learner", "Laura", "Learner", "laura.learner@devlms.example")
    assert claims[AGS_ENDPOINT] == {
        "scope": AGS_SCOPES,
        "lineitems": BASE_URL + "/lti/courses/intl-skills/lineitems",
        "lineitem": BASE_URL + "/lti/courses/intl-skills/lineitems/1",
    }
    assert claims[NRPS_SERVICE] == {"context_memberships_url": BASE_URL + "/lti/courses/intl-skills/memberships",
                                    "service_versions": ["2.0"]}


def test_id_token_header_names_the_key_and_type(lms):
    header = jwt.get_unverified_header(lms.id_token())

    assert header["alg"] == "RS256" and header["typ"] == "JWT" and header["kid"]


def test_anonymous_learner_has_no_name_and_no_email_claims(lms):
    claims = lms.launch("intl-skills-path", "anonymous")

    assert claims["sub"] == "anonymous"
    assert claims[ROLES] == [LEARNER]
    assert not {"name", "given_name", "family_name", "email"} & set(claims)


def test_link_without_a_line_item_has_only_the_line_items_container(lms):
    claims = lms.launch("intl-skills-mobility", "learner")

    assert "lineitem" not in claims[AGS_ENDPOINT]
    assert claims[CUSTOM] == {"focus": "learner-mobility"}


def test_unsupported_substitution_arrives_as_literal_text_like_itslearning(lms):
    claims = lms.launch("second-college-path", "learner-et")

    assert claims[CUSTOM] == {"learner_name": "$Person.name.full"}
    assert claims[DEPLOYMENT_ID] == "devlms-site-2"
    assert claims[TOOL_PLATFORM]["name"] == "Second Development College"


def test_each_site_is_a_platform_instance_of_its_own(lms):
    first = lms.launch("intl-skills-path", "learner")[TOOL_PLATFORM]["guid"]
    second = lms.launch("second-college-path", "learner")[TOOL_PLATFORM]["guid"]

    assert first != second


@pytest.mark.parametrize("user, roles, locale", [
    ("instructor", [INSTRUCTOR], "fi"),
    ("orgadmin", [INSTITUTION_ADMINISTRATOR, INSTRUCTOR], "fi"),
    ("courseadmin", [CONTEXT_ADMINISTRATOR], "en"),
    ("mentor", [MENTOR], "en"),
    ("learner-et", [LEARNER], "et"),
    ("learner-it", [LEARNER], "it"),
    ("learner-nl", [LEARNER], "nl"),
    ("learner-es", [LEARNER], "es"),
])
def test_sample_users_launch_with_their_roles_and_locales(lms, user, roles, locale):
    claims = lms.launch("intl-skills-path", user)

    assert claims[ROLES] == roles
    assert claims[LAUNCH_PRESENTATION]["locale"] == locale


def test_mentor_launch_names_the_mentored_users(lms):
    assert lms.launch("intl-skills-path", "mentor")[ROLE_SCOPE_MENTOR] == ["learner"]
    assert ROLE_SCOPE_MENTOR not in lms.launch("intl-skills-path", "learner")


def test_locale_option_overrides_the_users_locale(lms):
    assert lms.launch("intl-skills-path", "instructor", locale="nl")[LAUNCH_PRESENTATION]["locale"] == "nl"


def test_deployment_option_launches_as_any_site(lms):
    initiation = lms.login_initiation(deployment="devlms-site-new")
    claims = lms.launch(deployment="devlms-site-new")

    assert initiation["lti_deployment_id"] == "devlms-site-new"
    assert claims[DEPLOYMENT_ID] == "devlms-site-new"
    assert claims[TOOL_PLATFORM]["name"] == "Development LMS"


def test_deep_linking_request_has_settings_and_no_resource_link(lms):
    claims = lms.deep_linking_launch("intl-skills", "instructor")
    settings = claims[DEEP_LINKING_SETTINGS]

    assert claims[MESSAGE_TYPE] == DEEP_LINKING_REQUEST
    assert RESOURCE_LINK not in claims
    assert claims[TARGET_LINK_URI] == TOOL_LAUNCH_URL
    assert claims[ROLES] == [INSTRUCTOR]
    assert settings["deep_link_return_url"] == BASE_URL + "/lti/deep-link/return"
    assert settings["accept_types"] == ["ltiResourceLink"]
    assert settings["accept_presentation_document_targets"] == ["iframe", "window"]
    assert settings["accept_multiple"] is True and settings["auto_create"] is True
    assert isinstance(settings["data"], str) and settings["data"]


def test_each_deep_linking_request_gets_its_own_data(lms):
    first = lms.deep_linking_launch()[DEEP_LINKING_SETTINGS]["data"]
    second = lms.deep_linking_launch()[DEEP_LINKING_SETTINGS]["data"]

    assert first != second


@pytest.mark.parametrize("user", ["learner", "mentor", "anonymous"])
def test_only_course_editors_may_start_deep_linking(client, user):
    response = client.get(f"/deep-link/intl-skills?user={user}")

    assert response.status_code == 403
    assert "only instructors may" in response.get_data(as_text=True)


@pytest.mark.parametrize("user", ["instructor", "orgadmin", "courseadmin"])
def test_instructors_and_course_administrators_may_start_deep_linking(lms, user):
    assert lms.deep_linking_initiation("intl-skills", user)["target_link_uri"] == TOOL_LAUNCH_URL
