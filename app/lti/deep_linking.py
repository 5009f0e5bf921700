"""Deep Linking 2.0 on the tool's side: what the LMS's request allows (§4.4.1), the content items we may send
(§3.1) and the signed LtiDeepLinkingResponse that carries them back (§4.5).

Which modules become which items is the picker's business (app/deep_linking/); this module only knows the
protocol, so every response the tool sends passes the same checks.
"""
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from app.lti import constants as claims
from app.lti.exceptions import InvalidDeepLinkingRequest
from app.lti.keys import sign_tool_jwt
from app.lti.models import Launch

RESPONSE_LIFETIME_SECONDS = 300


@dataclass(frozen=True)
class DeepLinkingSettings:
    """The deep_linking_settings claim of a request: where to answer and what the LMS takes back."""

    return_url: str
    accept_types: tuple[str, ...]
    accept_multiple: bool
    accept_lineitem: bool | None
    data: object = None

    @property
    def accepts_resource_links(self) -> bool:
        return claims.RESOURCE_LINK_ITEM in self.accept_types


def deep_linking_settings(launch: Launch) -> DeepLinkingSettings:
    """The settings of a Deep Linking launch, or a clear error when the LMS's request is not one we can answer."""
    if launch.message_type != claims.DEEP_LINKING_REQUEST:
        raise InvalidDeepLinkingRequest(
            _("This page opens only when you add REX VET Path to a course from your LMS."),
            hint=_("In your course, add an activity or external tool and choose REX VET Path."),
            status=403,
        )
    settings = (launch.claims or {}).get(claims.DEEP_LINKING_SETTINGS)
    if not isinstance(settings, dict):
        raise InvalidDeepLinkingRequest(_("Your LMS's request to add content has no deep_linking_settings."))
    return_url = settings.get("deep_link_return_url")
    if not isinstance(return_url, str) or not return_url.startswith(("https://", "http://")):
        raise InvalidDeepLinkingRequest(
            _("Your LMS's request to add content has no valid return URL (deep_link_return_url)."),
            hint=_("The LMS must send an http(s) deep_link_return_url; its administrator can check the tool's setup."),
        )
    accept_types = settings.get("accept_types")
    # Deep Linking 2.0 §4.4.1 makes accept_types required; an LMS that leaves it out gets the one type every
    # platform takes (itslearning takes nothing else).
    if not isinstance(accept_types, list) or not accept_types:
        accept_types = [claims.RESOURCE_LINK_ITEM]
    accept_lineitem = settings.get("accept_lineitem")
    return DeepLinkingSettings(
        return_url=return_url,
        accept_types=tuple(str(kind) for kind in accept_types),
        # The spec gives no default; one item is what every platform takes, so absent means one.
        accept_multiple=settings.get("accept_multiple") is True,
        accept_lineitem=accept_lineitem if isinstance(accept_lineitem, bool) else None,
        data=settings.get("data"),
    )


def resource_link_item(*, title: str, text: str, url: str, custom: dict[str, str], line_item: dict | None) -> dict:
    """An ltiResourceLink content item (§3.2). `url` is always set: Moodle and others launch it, and an item
    without one is launched at whatever URL the LMS guesses."""
    item = {"type": claims.RESOURCE_LINK_ITEM, "title": title, "text": text, "url": url}
    if custom:
        item["custom"] = {name: str(value) for name, value in custom.items()}
    if line_item is not None:
        item["lineItem"] = line_item
    return item


def line_item(*, label: str, score_maximum: float, resource_id: str, tag: str) -> dict:
    """The lineItem of a resource link (§3.2.4): the LMS makes a gradebook column from it."""
    return {"label": label, "scoreMaximum": score_maximum, "resourceId": resource_id, "tag": tag}


def deep_linking_response(
    launch: Launch, items: list[dict], *, now: datetime, message: str | None = None, error_message: str | None = None,
) -> tuple[str, str]:
    """The return URL and the signed response carrying these content items (none = cancelled)."""
    settings = deep_linking_settings(launch)
    refused = sorted({item.get("type") for item in items} - set(settings.accept_types), key=str)
    if refused:
        raise ValueError(
            f"the LMS does not accept content items of type {refused} (accept_types {settings.accept_types})"
        )
    if len(items) > 1 and not settings.accept_multiple:
        raise ValueError(f"the LMS accepts one content item, not {len(items)} (accept_multiple is not true)")
    registration = launch.deployment.registration
    issued = int(now.timestamp())
    response = {
        "iss": registration.client_id,
        "aud": registration.issuer,
        "iat": issued,
        "exp": issued + RESPONSE_LIFETIME_SECONDS,
        "nonce": secrets.token_urlsafe(24),
        claims.MESSAGE_TYPE: claims.DEEP_LINKING_RESPONSE,
        claims.VERSION: claims.LTI_VERSION,
        claims.DEPLOYMENT_ID: launch.deployment.deployment_id,
        claims.CONTENT_ITEMS: items,
    }
    if settings.data is not None:
        response[claims.DATA] = settings.data  # echoed unchanged, as §4.4.1 requires
    if message:
        response[claims.MSG] = message
    if error_message:
        response[claims.ERRORMSG] = error_message
    return settings.return_url, sign_tool_jwt(response)
