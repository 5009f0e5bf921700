"""The LtiDeepLinkingResponse (Deep Linking 2.0 §4.5): signed with the tool's key, verifiable through its JWKS,
addressed to the LMS, echoing `data`, and never carrying what the LMS said it does not take."""
import jwt
import pytest

from app.lti import constants as claims
from app.lti.constants import CONTENT_ITEMS, DATA, ERRORMSG, MSG
from app.lti.deep_linking import deep_linking_response, deep_linking_settings, line_item, resource_link_item
from app.lti.exceptions import InvalidDeepLinkingRequest
from app.lti.keys import ensure_active_tool_key
from tests.support.deep_linking import LMS_SETTINGS, RETURN_URL, deep_linking_launch
from tests.support.factories import INSTRUCTOR_ROLE, make_launch

pytestmark = pytest.mark.sqlite

MODULE_ITEM = resource_link_item(
    title="Mobility basics", text="Learner mobility, Rookie level, 15 minutes.", url="https://tool.example/lti/launch",
    custom={"module": "mobility-basics"},
    line_item=line_item(label="Mobility basics", score_maximum=100, resource_id="mobility-basics", tag="rexvet-module"),
)
PATH_ITEM = resource_link_item(title="The path", text="The whole path.", url="https://tool.example/lti/launch",
                               custom={}, line_item=None)


@pytest.fixture(autouse=True)
def tool_key(request):
    """Deep Linking answers are signed with the tool's key: every test with a `world` has one."""
    if "world" in request.fixturenames:
        request.getfixturevalue("app")
        ensure_active_tool_key()


def request_of(world, clock, **settings):
    return deep_linking_launch(world, world.instructor, [INSTRUCTOR_ROLE], now=clock.now(), settings=settings)


def verified(client, token: str, world) -> dict:
    """The response's claims, verified as an LMS does: the key named by kid, taken from the tool's JWKS URL
    (times are checked against the test's frozen clock by the caller)."""
    kid = jwt.get_unverified_header(token)["kid"]
    jwks = client.get("/lti/jwks.json").get_json()
    key = jwt.PyJWKSet.from_dict(jwks)[kid]
    return jwt.decode(token, key.key, algorithms=["RS256"], audience=world.registration.issuer,
                      issuer=world.registration.client_id, options={"verify_exp": False, "verify_iat": False})


def test_response_verifies_with_the_tools_published_jwks_and_carries_the_required_claims(app, client, clock, world):
    launch = request_of(world, clock)

    return_url, token = deep_linking_response(launch, [MODULE_ITEM, PATH_ITEM], now=clock.now())
    message = verified(client, token, world)

    assert return_url == RETURN_URL
    assert message["iss"] == world.registration.client_id and message["aud"] == world.registration.issuer
    assert message[claims.MESSAGE_TYPE] == "LtiDeepLinkingResponse"
    assert message[claims.VERSION] == "1.3.0"
    assert message[claims.DEPLOYMENT_ID] == world.deployment.deployment_id
    assert message["iat"] == int(clock.now().timestamp()) and message["exp"] == message["iat"] + 300
    assert len(message["nonce"]) >= 24
    assert message[CONTENT_ITEMS] == [MODULE_ITEM, PATH_ITEM]
    assert message[DATA] == "request-42"


def test_a_response_signed_with_another_key_does_not_verify(app, client, clock, world):
    from cryptography.hazmat.primitives.asymmetric import rsa

    launch = request_of(world, clock)
    _, token = deep_linking_response(launch, [], now=clock.now())
    forged = jwt.encode(jwt.decode(token, options={"verify_signature": False}),
                        rsa.generate_private_key(public_exponent=65537, key_size=2048),
                        algorithm="RS256", headers={"kid": jwt.get_unverified_header(token)["kid"]})

    with pytest.raises(jwt.InvalidSignatureError):
        verified(client, forged, world)


def test_two_responses_never_share_a_nonce(app, clock, world):
    launch = request_of(world, clock)
    nonces = {
        jwt.decode(deep_linking_response(launch, [], now=clock.now())[1], options={"verify_signature": False})["nonce"]
        for _ in range(3)
    }

    assert len(nonces) == 3


@pytest.mark.parametrize("data", ["opaque-string", {"course": "c-1", "nested": [1, 2]}])
def test_data_is_echoed_unchanged(app, clock, world, data):
    _, token = deep_linking_response(request_of(world, clock, data=data), [], now=clock.now())

    assert jwt.decode(token, options={"verify_signature": False})[DATA] == data


def test_a_request_without_data_gets_a_response_without_data(app, clock, world):
    _, token = deep_linking_response(request_of(world, clock, data=None), [], now=clock.now())

    assert DATA not in jwt.decode(token, options={"verify_signature": False})


def test_a_cancelled_selection_is_an_empty_list_of_items_and_messages_travel_as_msg_and_errormsg(app, clock, world):
    launch = request_of(world, clock)

    _, cancelled = deep_linking_response(launch, [], now=clock.now())
    _, refused = deep_linking_response(
        launch, [], now=clock.now(), message="Nothing added", error_message="Learners cannot"
    )

    assert jwt.decode(cancelled, options={"verify_signature": False})[CONTENT_ITEMS] == []
    refusal = jwt.decode(refused, options={"verify_signature": False})
    assert (refusal[MSG], refusal[ERRORMSG]) == ("Nothing added", "Learners cannot")


def test_several_items_are_never_sent_to_an_lms_that_accepts_one(app, clock, world):
    launch = request_of(world, clock, accept_multiple=False)

    with pytest.raises(ValueError, match="accepts one content item, not 2"):
        deep_linking_response(launch, [MODULE_ITEM, PATH_ITEM], now=clock.now())
    assert deep_linking_response(launch, [MODULE_ITEM], now=clock.now())


def test_item_types_the_lms_does_not_accept_are_never_sent(app, clock, world):
    launch = request_of(world, clock, accept_types=["file", "html"])

    with pytest.raises(ValueError, match="does not accept content items of type"):
        deep_linking_response(launch, [MODULE_ITEM], now=clock.now())


def test_settings_read_from_the_request(app, clock, world):
    settings = deep_linking_settings(request_of(world, clock))
    silent = deep_linking_settings(
        request_of(world, clock, accept_multiple=None, accept_types=None, accept_lineitem=None)
    )

    assert (settings.return_url, settings.accept_multiple, settings.accept_lineitem, settings.data) == (
        RETURN_URL, True, True, "request-42")
    assert settings.accepts_resource_links
    # No accept_multiple: one item (the spec gives no default). No accept_types: resource links, which all LMSs take.
    assert (silent.accept_multiple, silent.accept_types, silent.accept_lineitem) == (False, ("ltiResourceLink",), None)


@pytest.mark.parametrize("return_url", [None, "", "javascript:alert(1)", 42])
def test_a_request_without_a_usable_return_url_is_refused_clearly(app, clock, world, return_url):
    launch = request_of(world, clock, deep_link_return_url=return_url)
    if return_url is None:
        launch.claims = {
            claims.DEEP_LINKING_SETTINGS: {k: v for k, v in LMS_SETTINGS.items() if k != "deep_link_return_url"}
        }

    with pytest.raises(InvalidDeepLinkingRequest, match="no valid return URL"):
        deep_linking_response(launch, [], now=clock.now())


def test_a_resource_link_launch_cannot_answer_as_deep_linking(app, clock, world):
    launch = make_launch(world, world.instructor, [INSTRUCTOR_ROLE], now=clock.now())

    with pytest.raises(InvalidDeepLinkingRequest) as refused:
        deep_linking_response(launch, [], now=clock.now())
    assert refused.value.status == 403


def test_resource_link_item_always_names_the_launch_url(app):
    assert PATH_ITEM == {"type": "ltiResourceLink", "title": "The path", "text": "The whole path.",
                         "url": "https://tool.example/lti/launch"}
    assert MODULE_ITEM["custom"] == {"module": "mobility-basics"}
    assert MODULE_ITEM["lineItem"] == {"label": "Mobility basics", "scoreMaximum": 100, "resourceId": "mobility-basics",
                                       "tag": "rexvet-module"}
