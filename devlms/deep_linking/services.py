"""Deep Linking 2.0 on the platform side: start a content selection, and accept the tool's response."""

import secrets
from dataclasses import dataclass, field

from devlms import clock
from devlms.ags.models import LineItem
from devlms.ags.values import is_number
from devlms.courses.models import Course, ResourceLink
from devlms.courses.services import get_course, get_user, require_content_editor
from devlms.deep_linking.models import DeepLinkingRequest
from devlms.errors import InvalidDeepLinkingResponse
from devlms.extensions import db
from devlms.lti.constants import (
    CONTENT_ITEMS,
    DEEP_LINKING_DATA,
    DEEP_LINKING_ERRORLOG,
    DEEP_LINKING_ERRORMSG,
    DEEP_LINKING_LOG,
    DEEP_LINKING_MSG,
    DEEP_LINKING_REQUEST,
    DEEP_LINKING_RESPONSE,
    DEPLOYMENT_ID,
    LTI_VERSION,
    MESSAGE_TYPE,
    RESOURCE_LINK_ITEM,
    VERSION,
)
from devlms.lti.launch import FormPost, login_initiation
from devlms.lti.message_hint import LaunchRequest
from devlms.lti.registration import find_tool, tool_launch_url
from devlms.lti.tampering import allowed_tampering
from devlms.lti.tool_keys import InvalidToolJwt, verify_tool_jwt
from devlms.urls import issuer, origin


@dataclass
class DeepLinkingOutcome:
    """What a Deep Linking response added to a course, and the messages the tool sent with it."""

    course: Course
    links: list[ResourceLink] = field(default_factory=list)
    line_items: list[LineItem] = field(default_factory=list)
    tool_messages: dict[str, str] = field(default_factory=dict)


def start_deep_linking(
    course_id: str, user_id: str | None, *, tamper: str | None = None,
    deployment_id: str | None = None, locale: str | None = None, accept_multiple: bool = True,
) -> FormPost:
    """The login initiation of an LtiDeepLinkingRequest, for an instructor of the course."""
    course, user = get_course(course_id), get_user(user_id)
    require_content_editor(course, user)
    launch = LaunchRequest(
        message_type=DEEP_LINKING_REQUEST,
        user_id=user.id,
        course_id=course.id,
        deployment_id=deployment_id or course.deployment_id,
        locale=locale or None,
        tamper=allowed_tampering(tamper),
        accept_multiple=accept_multiple,
    )
    return login_initiation(launch, target_link_uri=tool_launch_url())


def receive_response(token: str | None) -> DeepLinkingOutcome:
    """Verify the tool's LtiDeepLinkingResponse and add its resource links (and line items) to the course."""
    if not token:
        raise InvalidDeepLinkingResponse("The form parameter JWT is missing.")
    try:
        claims = verify_tool_jwt(token, audience=issuer())
    except InvalidToolJwt as error:
        raise InvalidDeepLinkingResponse(f"The Deep Linking response JWT was rejected: {error}.") from None

    problems = _message_problems(claims)
    answered = _answered_request(claims, problems)
    items = claims.get(CONTENT_ITEMS, [])
    if not isinstance(items, list):
        problems.append("content_items must be an array")
        items = []
    if answered is not None and not answered.accept_multiple and len(items) > 1:
        problems.append(f"the request's accept_multiple was false: at most one content item (got {len(items)})")
    tool_origin = find_tool(claims.get("iss")).origin
    for number, item in enumerate(items, start=1):
        problems.extend(f"content item {number}: {problem}" for problem in _item_problems(item, tool_origin))
    if problems:
        raise InvalidDeepLinkingResponse("The Deep Linking response was rejected.", problems)

    answered.used_at = clock.now()
    outcome = DeepLinkingOutcome(course=answered.course, tool_messages=_tool_messages(claims))
    for item in items:
        _add_item(outcome, item)
    return outcome


def _message_problems(claims: dict) -> list[str]:
    """Problems with the response's own claims (Deep Linking 2.0 section 4.5)."""
    problems = []
    if claims.get(MESSAGE_TYPE) != DEEP_LINKING_RESPONSE:
        problems.append(f"message_type must be {DEEP_LINKING_RESPONSE!r} (got {claims.get(MESSAGE_TYPE)!r})")
    if claims.get(VERSION) != LTI_VERSION:
        problems.append(f"version must be {LTI_VERSION!r} (got {claims.get(VERSION)!r})")
    if not claims.get("nonce"):
        problems.append("nonce is missing")
    return problems


def _answered_request(claims: dict, problems: list[str]) -> DeepLinkingRequest | None:
    """The open request the response answers, found by its echoed `data`; problems are added to the list."""
    data = claims.get(DEEP_LINKING_DATA)
    request = db.session.get(DeepLinkingRequest, data) if isinstance(data, str) else None
    if request is None:
        problems.append(f"data {data!r} is not the data of a Deep Linking request this platform sent "
                        "(it must be echoed unchanged)")
    elif request.used_at is not None:
        problems.append("this Deep Linking request was already answered")
    elif request.expires_at < clock.now():
        problems.append("this Deep Linking request has expired")
    elif claims.get(DEPLOYMENT_ID) != request.deployment_id:
        problems.append(f"deployment_id {claims.get(DEPLOYMENT_ID)!r} is not the request's "
                        f"({request.deployment_id!r})")
    return request


def _item_problems(item, tool_origin: str) -> list[str]:
    """Problems with one content item; only ltiResourceLink items are accepted, as itslearning does."""
    if not isinstance(item, dict):
        return ["must be a JSON object"]
    if "type" not in item:
        return ["type is required"]
    if item["type"] != RESOURCE_LINK_ITEM:
        return [f"type {item['type']!r} is not accepted: only {RESOURCE_LINK_ITEM!r}"]
    problems = []
    for name in ("title", "url", "text"):
        if name in item and not isinstance(item[name], str):
            problems.append(f"{name} must be a string")
    if isinstance(item.get("url"), str) and not item["url"].startswith(("https://", "http://")):
        problems.append(f"url {item['url']!r} is not an http(s) URL")
    elif isinstance(item.get("url"), str) and origin(item["url"]) != tool_origin:
        # Moodle launches an item's url with the tool whose URL matches it; on another site it finds no tool.
        problems.append(f"url {item['url']!r} is not on the tool's site ({tool_origin})")
    custom = item.get("custom", {})
    if not isinstance(custom, dict) or not all(isinstance(value, str) for value in custom.values()):
        problems.append("custom must be an object whose values are strings")
    if "lineItem" in item:
        problems.extend(f"lineItem: {problem}" for problem in _line_item_problems(item["lineItem"]))
    return problems


def _line_item_problems(line_item) -> list[str]:
    """Problems with a content item's lineItem."""
    if not isinstance(line_item, dict):
        return ["must be a JSON object"]
    score_maximum = line_item.get("scoreMaximum")
    problems = []
    if not is_number(score_maximum) or score_maximum <= 0:
        problems.append("scoreMaximum is required and must be a number greater than 0")
    for name in ("label", "resourceId", "tag"):
        if name in line_item and not isinstance(line_item[name], str):
            problems.append(f"{name} must be a string")
    return problems


def _add_item(outcome: DeepLinkingOutcome, item: dict) -> None:
    """Create the resource link of one content item, and its line item when the item has one."""
    course = outcome.course
    link = ResourceLink(
        id=f"dl-{secrets.token_hex(6)}",
        course=course,
        title=item.get("title") or "Untitled activity",
        # Like Moodle and itslearning: without a url, the link launches the tool's launch URL.
        url=item.get("url"),
        custom=dict(item.get("custom", {})),
        position=len(course.resource_links),
    )
    db.session.add(link)
    outcome.links.append(link)
    if "lineItem" in item:
        spec = item["lineItem"]
        line_item = LineItem(
            course_id=course.id,
            resource_link_id=link.id,
            label=spec.get("label") or link.title,
            score_maximum=float(spec["scoreMaximum"]),
            resource_id=spec.get("resourceId"),
            tag=spec.get("tag"),
        )
        db.session.add(line_item)
        outcome.line_items.append(line_item)


def _tool_messages(claims: dict) -> dict[str, str]:
    """The msg, log, errormsg and errorlog the tool sent back, by name."""
    names = {"msg": DEEP_LINKING_MSG, "log": DEEP_LINKING_LOG,
             "errormsg": DEEP_LINKING_ERRORMSG, "errorlog": DEEP_LINKING_ERRORLOG}
    return {name: str(claims[claim]) for name, claim in names.items() if claims.get(claim)}
