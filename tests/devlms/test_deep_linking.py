"""Deep Linking return: the platform verifies the tool's signed response and adds what it chose to the course."""

import html

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from devlms.ags.models import LineItem
from devlms.courses.models import ResourceLink
from devlms.lti.constants import (
    AGS_ENDPOINT,
    CONTENT_ITEMS,
    CUSTOM,
    DEEP_LINKING_DATA,
    DEEP_LINKING_ERRORMSG,
    DEEP_LINKING_MSG,
    DEEP_LINKING_SETTINGS,
    DEPLOYMENT_ID,
    MESSAGE_TYPE,
    TARGET_LINK_URI,
    VERSION,
)
from tests.support.devlms import BASE_URL, NOW, TOOL_BASE_URL, TOOL_LAUNCH_URL

MODULE_ITEM = {
    "type": "ltiResourceLink",
    "title": "Module: learner mobility",
    "url": TOOL_BASE_URL + "/lti/launch?module=learner-mobility",
    "custom": {"module": "learner-mobility"},
    "lineItem": {"scoreMaximum": 100, "label": "Learner mobility", "resourceId": "module-lm", "tag": "module"},
}
PATH_ITEM = {"type": "ltiResourceLink", "title": "The whole path"}


@pytest.fixture
def settings(lms) -> dict:
    """The deep_linking_settings of a request an instructor of intl-skills started."""
    return lms.deep_linking_launch("intl-skills", "instructor")[DEEP_LINKING_SETTINGS]


def respond(lms, token: str):
    """The tool's auto-submitted form post to the deep_link_return_url."""
    return lms.client.post("/lti/deep-link/return", data={"JWT": token})


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_response_creates_resource_links_and_line_items_in_the_course(lms, settings):
    token = lms.tool.deep_linking_response(settings, "devlms-site-1", [MODULE_ITEM, PATH_ITEM])

    response = respond(lms, token)

    assert response.status_code == 200
    assert "Module: learner mobility" in page_text(response) and "The whole path" in page_text(response)
    links = lms.rows(ResourceLink, course_id="intl-skills")
    created = {link.title: link for link in links if link.id.startswith("dl-")}
    assert created["Module: learner mobility"].url == MODULE_ITEM["url"]
    assert created["Module: learner mobility"].custom == {"module": "learner-mobility"}
    assert created["The whole path"].url is None
    line_item = lms.rows(LineItem, resource_link_id=created["Module: learner mobility"].id)[0]
    assert (line_item.label, line_item.score_maximum, line_item.resource_id, line_item.tag) == (
        "Learner mobility", 100.0, "module-lm", "module")
    assert lms.rows(LineItem, resource_link_id=created["The whole path"].id) == []


def test_created_links_launch_with_their_url_custom_and_line_item(lms, settings):
    respond(lms, lms.tool.deep_linking_response(settings, "devlms-site-1", [MODULE_ITEM, PATH_ITEM]))
    created = {link.title: link.id for link in lms.rows(ResourceLink, course_id="intl-skills")}

    module = lms.launch(created["Module: learner mobility"], "learner")
    path = lms.launch(created["The whole path"], "learner")

    assert module[TARGET_LINK_URI] == MODULE_ITEM["url"]
    assert module[CUSTOM] == {"module": "learner-mobility"}
    assert module[AGS_ENDPOINT]["lineitem"].startswith(BASE_URL + "/lti/courses/intl-skills/lineitems/")
    assert path[TARGET_LINK_URI] == TOOL_LAUNCH_URL
    assert "lineitem" not in path[AGS_ENDPOINT]


def test_line_item_label_defaults_to_the_item_title(lms, settings):
    item = {**PATH_ITEM, "lineItem": {"scoreMaximum": 5}}

    respond(lms, lms.tool.deep_linking_response(settings, "devlms-site-1", [item]))

    assert [line_item.label for line_item in lms.rows(LineItem)][-1] == "The whole path"


def test_response_with_no_items_adds_nothing_and_shows_the_tools_message(lms, settings):
    links_before = len(lms.rows(ResourceLink))
    token = lms.tool.deep_linking_response(settings, "devlms-site-1", [], **{DEEP_LINKING_MSG: "Nothing chosen"})

    response = respond(lms, token)

    assert response.status_code == 200
    assert "Nothing chosen" in page_text(response) and "nothing was added" in page_text(response)
    assert len(lms.rows(ResourceLink)) == links_before


def test_tool_error_message_is_shown(lms, settings):
    token = lms.tool.deep_linking_response(settings, "devlms-site-1", [], **{DEEP_LINKING_ERRORMSG: "No modules"})

    assert "No modules" in page_text(respond(lms, token))


def test_same_response_cannot_be_used_twice(lms, settings):
    token = lms.tool.deep_linking_response(settings, "devlms-site-1", [PATH_ITEM])
    assert respond(lms, token).status_code == 200

    response = respond(lms, token)

    assert response.status_code == 400
    assert "already answered" in page_text(response)


def another_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def answer(items=(PATH_ITEM,), deployment_id="devlms-site-1", **claims):
    """A token maker: the tool's response to the request, with these items and claims."""
    return lambda tool, settings: tool.deep_linking_response(settings, deployment_id, list(items), **claims)


@pytest.mark.parametrize("make_token, explanation", [
    (lambda tool, s: tool.sign(jwt_claims(tool, s), key=another_key()), "the signature does not verify"),
    (lambda tool, s: tool.sign(jwt_claims(tool, s), headers={"kid": "unknown"}), "has no key with kid 'unknown'"),
    (answer(aud="https://other.example"), "does not contain 'http://localhost:5001'"),
    (answer(iss="someone-else"), "is not the tool's client_id"),
    (answer(exp=NOW - 1), "expired"),
    (answer(iat=NOW + 3600), "in the future"),
    (answer(nonce=None), "nonce is missing"),
    (answer(**{MESSAGE_TYPE: "LtiResourceLinkRequest"}), "message_type must be 'LtiDeepLinkingResponse'"),
    (answer(**{VERSION: "1.1"}), "version must be '1.3.0'"),
    (answer(deployment_id="devlms-site-2"), "deployment_id 'devlms-site-2' is not the request's ('devlms-site-1')"),
    (answer(**{DEPLOYMENT_ID: None}), "deployment_id None is not the request's"),
    (answer(**{DEEP_LINKING_DATA: "data-the-platform-never-sent"}),
     "is not the data of a Deep Linking request this platform sent"),
    (answer(**{DEEP_LINKING_DATA: None}), "data None is not the data of a Deep Linking request"),
    (answer([{"type": "link", "url": "https://x.example"}]),
     "content item 1: type 'link' is not accepted: only 'ltiResourceLink'"),
    (answer([PATH_ITEM, {"title": "No type"}]), "content item 2: type is required"),
    (answer([{**PATH_ITEM, "custom": {"n": 1}}]), "custom must be an object whose values are strings"),
    (answer([{**PATH_ITEM, "url": "javascript:alert(1)"}]), "is not an http(s) URL"),
    (answer([{**PATH_ITEM, "url": "https://elsewhere.example/lti/launch"}]),
     "content item 1: url 'https://elsewhere.example/lti/launch' is not on the tool's site (http://127.0.0.1:5000)"),
    (answer([{**PATH_ITEM, "lineItem": {"label": "x"}}]),
     "lineItem: scoreMaximum is required and must be a number greater than 0"),
    (answer(**{CONTENT_ITEMS: {"type": "ltiResourceLink"}}), "content_items must be an array"),
    (lambda tool, s: "not-a-jwt", "not a JWT"),
])
def test_invalid_response_is_rejected_saying_why_and_adds_nothing(lms, settings, make_token, explanation):
    links_before = len(lms.rows(ResourceLink))

    response = respond(lms, make_token(lms.tool, settings))

    assert response.status_code == 400
    assert explanation in page_text(response)
    assert len(lms.rows(ResourceLink)) == links_before


def jwt_claims(tool, settings) -> dict:
    """The claims of a valid response, to sign in some wrong way."""
    return jwt.decode(tool.deep_linking_response(settings, "devlms-site-1", [PATH_ITEM]),
                      options={"verify_signature": False})


def test_response_without_the_jwt_parameter_is_rejected(client):
    response = client.post("/lti/deep-link/return", data={"jwt": "lower-case name"})

    assert response.status_code == 400
    assert "JWT is missing" in page_text(response)


def test_expired_request_cannot_be_answered(lms, settings, frozen_clock):
    frozen_clock.advance(3601)
    token = lms.tool.deep_linking_response(settings, "devlms-site-1", [PATH_ITEM])

    response = respond(lms, token)

    assert response.status_code == 400
    assert "has expired" in page_text(response)


def test_request_started_for_another_deployment_expects_that_deployment_back(lms):
    claims = lms.deep_linking_launch("intl-skills", "instructor", deployment="devlms-site-new")
    settings = claims[DEEP_LINKING_SETTINGS]

    assert respond(lms, lms.tool.deep_linking_response(settings, "devlms-site-new", [PATH_ITEM])).status_code == 200



def test_a_request_for_one_item_refuses_a_response_with_two(lms):
    settings = lms.deep_linking_launch("intl-skills", "instructor", accept_multiple="false")[DEEP_LINKING_SETTINGS]
    links_before = len(lms.rows(ResourceLink))

    refused = respond(lms, lms.tool.deep_linking_response(settings, "devlms-site-1", [MODULE_ITEM, PATH_ITEM]))

    assert settings["accept_multiple"] is False
    assert refused.status_code == 400
    assert "the request's accept_multiple was false: at most one content item (got 2)" in page_text(refused)
    assert len(lms.rows(ResourceLink)) == links_before
    assert respond(lms, lms.tool.deep_linking_response(settings, "devlms-site-1", [MODULE_ITEM])).status_code == 200


def test_a_request_accepts_several_items_unless_asked_otherwise(lms, settings):
    assert settings["accept_multiple"] is True and settings["accept_types"] == ["ltiResourceLink"]
