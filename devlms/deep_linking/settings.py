"""The deep_linking_settings claim of an LtiDeepLinkingRequest, and the request it opens."""

import secrets

from devlms import clock
from devlms.deep_linking.models import DeepLinkingRequest
from devlms.extensions import db
from devlms.lti.constants import RESOURCE_LINK_ITEM
from devlms.lti.message_hint import LaunchRequest
from devlms.urls import platform_url

# An instructor may browse the tool for a while before choosing content.
DEEP_LINKING_REQUEST_LIFETIME_SECONDS = 3600


def deep_linking_settings_claim(launch: LaunchRequest) -> dict:
    """Open a Deep Linking request for this launch and describe what the platform accepts back."""
    opened = DeepLinkingRequest(
        id=secrets.token_urlsafe(24),
        course_id=launch.course_id,
        user_id=launch.user_id,
        deployment_id=launch.deployment_id,
        expires_at=clock.now() + DEEP_LINKING_REQUEST_LIFETIME_SECONDS,
        accept_multiple=launch.accept_multiple,
    )
    db.session.add(opened)
    return {
        "deep_link_return_url": platform_url("deep_linking.receive_response"),
        # Like itslearning: only LTI resource links can be added to a course.
        "accept_types": [RESOURCE_LINK_ITEM],
        "accept_presentation_document_targets": ["iframe", "window"],
        # True like Moodle; `accept_multiple=false` on /deep-link/… asks for one item, as some placements do.
        "accept_multiple": launch.accept_multiple,
        "accept_lineitem": True,
        "auto_create": True,
        # Opaque to the tool, which must echo it unchanged; it names the request opened here.
        "data": opened.id,
    }
