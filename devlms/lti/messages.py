"""The claims of the id_token the platform sends: LtiResourceLinkRequest and LtiDeepLinkingRequest."""

import uuid

from devlms import clock
from devlms.ags.line_items import endpoint_claim
from devlms.courses.models import Course, ResourceLink, User
from devlms.courses.services import organisation_name, require_enrolment
from devlms.deep_linking.settings import deep_linking_settings_claim
from devlms.errors import InvalidAuthRequest
from devlms.extensions import db
from devlms.lti.constants import (
    AGS_ENDPOINT,
    CONTEXT,
    COURSE_OFFERING,
    CUSTOM,
    DEEP_LINKING_SETTINGS,
    DEPLOYMENT_ID,
    LAUNCH_PRESENTATION,
    LTI_VERSION,
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
from devlms.lti.message_hint import LaunchRequest
from devlms.lti.registration import find_tool
from devlms.nrps.services import service_claim
from devlms.urls import issuer, platform_url

ID_TOKEN_LIFETIME_SECONDS = 300
PRODUCT_FAMILY_CODE = "devlms"
PRODUCT_VERSION = "1.0"


def message_claims(launch: LaunchRequest, nonce: str) -> dict:
    """Every claim of the id_token for this launch, for the nonce the tool sent."""
    course, user = db.session.get(Course, launch.course_id), db.session.get(User, launch.user_id)
    if course is None or user is None:
        raise InvalidAuthRequest("The course or user of this launch no longer exists.")
    enrolment = require_enrolment(course, user)
    tool = find_tool(launch.client_id)
    now = clock.now()
    claims = {
        "iss": issuer(),
        "sub": user.id,
        "aud": tool.client_id,
        "azp": tool.client_id,
        "exp": now + ID_TOKEN_LIFETIME_SECONDS,
        "iat": now,
        "nonce": nonce,
        MESSAGE_TYPE: launch.message_type,
        VERSION: LTI_VERSION,
        DEPLOYMENT_ID: launch.deployment_id,
        ROLES: [*user.institution_roles, *enrolment.roles],
        CONTEXT: {"id": course.id, "label": course.label, "title": course.title, "type": [COURSE_OFFERING]},
        TOOL_PLATFORM: _tool_platform_claim(launch.deployment_id),
        LAUNCH_PRESENTATION: {
            "locale": launch.locale or user.locale,
            "document_target": "iframe",
            "return_url": platform_url("courses.tool_return", course_id=course.id),
        },
        AGS_ENDPOINT: endpoint_claim(course.id, launch.link_id),
        NRPS_SERVICE: service_claim(course.id),
        **_identity_claims(user),
    }
    if enrolment.mentees:
        claims[ROLE_SCOPE_MENTOR] = list(enrolment.mentees)
    if launch.message_type == RESOURCE_LINK_REQUEST:
        link = db.session.get(ResourceLink, launch.link_id)
        if link is None:
            raise InvalidAuthRequest(f"The resource link {launch.link_id!r} no longer exists.")
        claims[TARGET_LINK_URI] = link.url or tool.launch_url
        claims[RESOURCE_LINK] = {"id": link.id, "title": link.title}
        claims[CUSTOM] = dict(link.custom)
    else:
        claims[TARGET_LINK_URI] = tool.deep_linking_url or tool.launch_url
        claims[DEEP_LINKING_SETTINGS] = deep_linking_settings_claim(launch)
    return claims


def _identity_claims(user: User) -> dict:
    """Name and email claims, only those the user has (none for an anonymous user)."""
    claims = {"name": user.name, "given_name": user.given_name, "family_name": user.family_name, "email": user.email}
    return {name: value for name, value in claims.items() if value}


def _tool_platform_claim(deployment_id: str) -> dict:
    """The platform instance; like itslearning, each customer site is an instance of its own."""
    return {
        "guid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{issuer()}#{deployment_id}")),
        "name": organisation_name(deployment_id) or "Development LMS",
        "product_family_code": PRODUCT_FAMILY_CODE,
        "version": PRODUCT_VERSION,
    }
