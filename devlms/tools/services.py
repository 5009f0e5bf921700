"""LTI Dynamic Registration 1.0, the platform's side: the OpenID configuration, registration tokens, and the
registration endpoint that turns a tool's client registration into a pending tool (as Moodle does)."""

import hashlib
import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from devlms import clock
from devlms.errors import ApiError, InvalidBearerToken, NotFound, PageError
from devlms.extensions import db
from devlms.lti.constants import DEEP_LINKING_REQUEST, RESOURCE_LINK_REQUEST, TOOL_SCOPES
from devlms.tools.models import RegisteredTool, RegistrationToken
from devlms.urls import issuer, platform_url

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PRODUCT_FAMILY_CODE = "devlms"
PRODUCT_VERSION = "1.0"
REGISTRATION_TOKEN_LIFETIME_SECONDS = 3600
SUPPORTED_CLAIMS = ["iss", "sub", "name", "given_name", "family_name", "email"]


class InvalidClientMetadata(ApiError):
    """A client registration the endpoint refuses (RFC 7591 §3.2.2 error code)."""

    error = "invalid_client_metadata"


def openid_configuration() -> dict:
    """The platform's OpenID configuration with its LTI platform configuration (LTI-DR §3.4)."""
    return {
        "issuer": issuer(),
        "authorization_endpoint": platform_url("lti.authorize"),
        "token_endpoint": platform_url("lti.token"),
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "jwks_uri": platform_url("lti.jwks"),
        "registration_endpoint": platform_url("tools.register"),
        "scopes_supported": ["openid", *TOOL_SCOPES],
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": SUPPORTED_CLAIMS,
        PLATFORM_CONFIGURATION: {
            "product_family_code": PRODUCT_FAMILY_CODE,
            "version": PRODUCT_VERSION,
            "messages_supported": [
                {"type": RESOURCE_LINK_REQUEST},
                {"type": DEEP_LINKING_REQUEST, "placements": ["ContentArea"]},
            ],
        },
    }


def start_registration(registration_url: str) -> str:
    """The URL the admin page opens in an iframe: the tool's registration URL plus our configuration and a fresh
    token."""
    parts = urlsplit((registration_url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PageError("Paste the tool's registration URL: an http(s) URL such as https://tool.example/lti/register.")
    token = secrets.token_urlsafe(32)
    db.session.add(RegistrationToken(
        token_hash=_hash(token), registration_url=registration_url,
        expires_at=clock.now() + REGISTRATION_TOKEN_LIFETIME_SECONDS,
    ))
    # Keep the tool's own query (an invitation, say): tools are told to expect the platform to add to it.
    query = parse_qsl(parts.query, keep_blank_values=True) + [
        ("openid_configuration", platform_url("tools.openid_configuration")), ("registration_token", token),
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def register_tool(authorization: str | None, body) -> dict:
    """The registration endpoint: a valid, unused token and a valid client registration make a pending tool."""
    token = _usable_token(authorization)
    _check_client_registration(body)
    configuration = body[TOOL_CONFIGURATION]
    deep_linking = next((message for message in configuration.get("messages") or []
                         if isinstance(message, dict) and message.get("type") == DEEP_LINKING_REQUEST), None)
    tool = RegisteredTool(
        client_id=f"devlms-{secrets.token_hex(8)}",
        deployment_id=f"devlms-deployment-{secrets.token_hex(4)}",
        name=body["client_name"],
        status=RegisteredTool.PENDING,
        initiate_login_uri=body["initiate_login_uri"],
        redirect_uris=list(body["redirect_uris"]),
        jwks_uri=body["jwks_uri"],
        target_link_uri=configuration["target_link_uri"],
        deep_linking_uri=(deep_linking.get("target_link_uri") or configuration["target_link_uri"])
        if deep_linking
        else None,
        scopes=[scope for scope in (body.get("scope") or "").split() if scope in TOOL_SCOPES],
        registration={},
        created_at=clock.now(),
    )
    answer = {
        **body,
        "client_id": tool.client_id,
        "scope": " ".join(tool.scopes),
        TOOL_CONFIGURATION: {**configuration, "deployment_id": tool.deployment_id},
    }
    tool.registration = answer
    token.used_at = clock.now()
    db.session.add(tool)
    return answer


def _usable_token(authorization: str | None) -> RegistrationToken:
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise InvalidBearerToken("the registration endpoint needs 'Authorization: Bearer <registration_token>'",
                                 error="invalid_request")
    token = db.session.get(RegistrationToken, _hash(value.strip()))
    if token is None:
        raise InvalidBearerToken("the registration token is not one this platform issued")
    if token.used_at is not None:
        raise InvalidBearerToken("the registration token was already used: start the registration again")
    if token.expires_at <= clock.now():
        raise InvalidBearerToken("the registration token has expired: start the registration again")
    return token


def _check_client_registration(body) -> None:
    """Refuse, naming the field, what Moodle's registration endpoint refuses (and a little more)."""
    if not isinstance(body, dict):
        raise InvalidClientMetadata("the client registration must be a JSON object")
    for name in ("client_name", "initiate_login_uri", "jwks_uri", "redirect_uris", "response_types",
                 "token_endpoint_auth_method", TOOL_CONFIGURATION):
        if not body.get(name):
            raise InvalidClientMetadata(f"missing required field: {name}")
    if body.get("application_type", "web") != "web":
        raise InvalidClientMetadata("application_type must be 'web'")
    if "id_token" not in body["response_types"]:
        raise InvalidClientMetadata("response_types must contain 'id_token'")
    if not {"implicit", "client_credentials"} <= set(body.get("grant_types") or []):
        raise InvalidClientMetadata("grant_types must contain 'implicit' and 'client_credentials'")
    if body["token_endpoint_auth_method"] != "private_key_jwt":
        raise InvalidClientMetadata("token_endpoint_auth_method must be 'private_key_jwt'")
    redirect_uris = body["redirect_uris"]
    if not isinstance(redirect_uris, list) or not all(_is_url(uri) for uri in redirect_uris):
        raise InvalidClientMetadata("redirect_uris must be a list of http(s) URLs")
    for name in ("initiate_login_uri", "jwks_uri"):
        if not _is_url(body[name]):
            raise InvalidClientMetadata(f"{name} must be an http(s) URL")
    configuration = body[TOOL_CONFIGURATION]
    if not isinstance(configuration, dict):
        raise InvalidClientMetadata(f"{TOOL_CONFIGURATION} must be an object")
    for name in ("domain", "target_link_uri"):
        if not configuration.get(name):
            raise InvalidClientMetadata(f"missing required field: {TOOL_CONFIGURATION}.{name}")
    target = urlsplit(configuration["target_link_uri"])
    if not _is_url(configuration["target_link_uri"]):
        raise InvalidClientMetadata(f"{TOOL_CONFIGURATION}.target_link_uri must be an http(s) URL")
    if configuration["domain"] not in (target.netloc, target.hostname):
        raise InvalidClientMetadata(
            f"{TOOL_CONFIGURATION}.target_link_uri {configuration['target_link_uri']!r} is not on the tool's "
            f"domain {configuration['domain']!r}"
        )


def registered_tools() -> list[RegisteredTool]:
    """Every tool registered through Dynamic Registration, newest first."""
    return db.session.scalars(
        db.select(RegisteredTool).order_by(RegisteredTool.created_at.desc(), RegisteredTool.client_id)
    ).all()


def approve_tool(client_id: str) -> RegisteredTool:
    """Activate a pending tool, as Moodle's admin does in Manage tools."""
    tool = db.session.get(RegisteredTool, client_id)
    if tool is None:
        raise NotFound(f"No tool is registered with client_id {client_id!r}.")
    tool.status = RegisteredTool.ACTIVE
    return tool


def _is_url(value) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return bool(parts and parts.scheme in ("http", "https") and parts.netloc)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def registration_url_origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"

