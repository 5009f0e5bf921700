"""Claim names and fixed values of LTI 1.3 Core, Deep Linking, AGS and NRPS, named once."""

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = LTI + "message_type"
VERSION = LTI + "version"
DEPLOYMENT_ID = LTI + "deployment_id"
TARGET_LINK_URI = LTI + "target_link_uri"
RESOURCE_LINK = LTI + "resource_link"
ROLES = LTI + "roles"
CONTEXT = LTI + "context"
# The users a Mentor launch is about (LTI 1.3 Core, "Role-scope mentor claims"): their user ids (`sub`).
ROLE_SCOPE_MENTOR = LTI + "role_scope_mentor"
TOOL_PLATFORM = LTI + "tool_platform"
LAUNCH_PRESENTATION = LTI + "launch_presentation"
CUSTOM = LTI + "custom"
LTI_DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
DEEP_LINKING_SETTINGS = LTI_DL + "deep_linking_settings"
CONTENT_ITEMS = LTI_DL + "content_items"
DATA = LTI_DL + "data"
MSG = LTI_DL + "msg"
ERRORMSG = LTI_DL + "errormsg"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_SERVICE = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
# Dynamic Registration 1.0: the LMS's part of its OpenID configuration, and ours in the client registration.
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"

AGS_SCOPE_LINE_ITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
AGS_SCOPE_LINE_ITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
AGS_SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
AGS_SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
AGS_LINE_ITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
AGS_LINE_ITEM_CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
AGS_SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
NRPS_MEMBERSHIP_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
# What the tool asks the LMS for: AGS (LTI AGS 2.0 §3.1) to send completion as a score, NRPS (§3.1) for rosters.
AGS_SCOPES = (AGS_SCOPE_LINE_ITEM, AGS_SCOPE_RESULT_READONLY, AGS_SCOPE_SCORE)
NRPS_SCOPES = (NRPS_SCOPE,)

# LTI Dynamic Registration 1.0: the platform's and the tool's configuration objects (§3.6, §3.5.2), the message
# that closes the registration window (§4).
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
CLOSE_SUBJECT = "org.imsglobal.lti.close"  # posted by static/lti_registration_close.js

# The custom parameter a resource link sets to open one module; ids are the `id` of each file in modules/.
MODULE_PARAMETER = "module"

LTI_VERSION = "1.3.0"
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"
RESOURCE_LINK_ITEM = "ltiResourceLink"  # the content item type of a resource link (Deep Linking 2.0 §3.1)

# Claims every message must carry (LTI 1.3 Core §5.3 and §5.4), and those per message type.
REQUIRED_CLAIMS = {
    RESOURCE_LINK_REQUEST: (MESSAGE_TYPE, VERSION, DEPLOYMENT_ID, TARGET_LINK_URI, ROLES, RESOURCE_LINK, "sub"),
    DEEP_LINKING_REQUEST: (MESSAGE_TYPE, VERSION, DEPLOYMENT_ID, ROLES, DEEP_LINKING_SETTINGS, "sub"),
}
SUPPORTED_MESSAGE_TYPES = tuple(REQUIRED_CLAIMS)

# Algorithms a registration may allow: asymmetric only (never `none`, never HS*: the key set is public).
SUPPORTED_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "PS256")

# The longest AGS URLs a launch may carry (a longer one is refused at launch). The grades feature sizes
# its columns from these; a line item found in a container is keyed "<lineitems URL>#resource=<resource id>".
LINE_ITEM_URL_MAX_LENGTH = 1000
RESOURCE_ID_MAX_LENGTH = 200
LINE_ITEMS_URL_MAX_LENGTH = LINE_ITEM_URL_MAX_LENGTH - len("#resource=") - RESOURCE_ID_MAX_LENGTH
