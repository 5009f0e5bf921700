"""Deep Linking responses (LTI Deep Linking 2.0 §4.2): the signed message that answers the LMS's request."""
import secrets
from datetime import datetime

from app.lti import constants as claims
from app.lti.keys import sign_tool_jwt
from app.lti.models import Launch

DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"
CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"


def deep_linking_response(launch: Launch, items: list[dict], *, now: datetime) -> tuple[str, str]:
    """The return URL and the signed response carrying these content items (none = cancelled)."""
    settings = launch.claims[claims.DEEP_LINKING_SETTINGS]
    registration = launch.deployment.registration
    issued = int(now.timestamp())
    message = {
        "iss": registration.client_id,
        "aud": registration.issuer,
        "iat": issued,
        "exp": issued + 300,
        "nonce": secrets.token_urlsafe(24),
        claims.MESSAGE_TYPE: DEEP_LINKING_RESPONSE,
        claims.VERSION: claims.LTI_VERSION,
        claims.DEPLOYMENT_ID: launch.deployment.deployment_id,
        CONTENT_ITEMS: items,
    }
    if settings.get("data") is not None:
        message[DATA] = settings["data"]  # echoed unchanged, as the spec requires
    return settings["deep_link_return_url"], sign_tool_jwt(message)
