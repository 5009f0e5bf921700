"""LTI 1.3 and LTI Advantage vocabulary: claim names, message types, roles, scopes and media types."""

LTI_VERSION = "1.3.0"

# Message types (LTI 1.3 core section 5.3.1; Deep Linking 2.0 sections 4.4 and 4.5).
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"

_LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = _LTI + "message_type"
VERSION = _LTI + "version"
DEPLOYMENT_ID = _LTI + "deployment_id"
TARGET_LINK_URI = _LTI + "target_link_uri"
RESOURCE_LINK = _LTI + "resource_link"
ROLES = _LTI + "roles"
ROLE_SCOPE_MENTOR = _LTI + "role_scope_mentor"
CONTEXT = _LTI + "context"
TOOL_PLATFORM = _LTI + "tool_platform"
LAUNCH_PRESENTATION = _LTI + "launch_presentation"
CUSTOM = _LTI + "custom"

AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_SERVICE = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"

_DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
DEEP_LINKING_SETTINGS = _DL + "deep_linking_settings"
CONTENT_ITEMS = _DL + "content_items"
DEEP_LINKING_DATA = _DL + "data"
DEEP_LINKING_MSG = _DL + "msg"
DEEP_LINKING_LOG = _DL + "log"
DEEP_LINKING_ERRORMSG = _DL + "errormsg"
DEEP_LINKING_ERRORLOG = _DL + "errorlog"
RESOURCE_LINK_ITEM = "ltiResourceLink"

COURSE_OFFERING = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"

# Roles (LTI 1.3 core appendix A.2).
_MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
LEARNER = _MEMBERSHIP + "Learner"
INSTRUCTOR = _MEMBERSHIP + "Instructor"
MENTOR = _MEMBERSHIP + "Mentor"
CONTEXT_ADMINISTRATOR = _MEMBERSHIP + "Administrator"
CONTENT_DEVELOPER = _MEMBERSHIP + "ContentDeveloper"
INSTITUTION_ADMINISTRATOR = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"

# Context roles that may add content to a course through Deep Linking.
CONTENT_EDITOR_ROLES = {INSTRUCTOR, CONTEXT_ADMINISTRATOR, CONTENT_DEVELOPER}

# Service scopes (AGS 2.0 section 3.1; NRPS 2.0 section 3.4).
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_MEMBERSHIP_READONLY = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS_SCOPES = [SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE]
TOOL_SCOPES = [*AGS_SCOPES, SCOPE_MEMBERSHIP_READONLY]

# Media types of the service documents.
LINE_ITEM_CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
LINE_ITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
RESULT_CONTAINER_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
MEMBERSHIP_CONTAINER_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"

# OAuth 2.0 client credentials with a JWT assertion (LTI Security Framework 1.0 section 4.1; RFC 7523).
CLIENT_CREDENTIALS = "client_credentials"
JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
