"""Both sides of the registration: the tool's endpoints as this platform knows them, and the
platform's values in the tool's `lti_config/` file format."""

from flask import current_app

from devlms.courses.models import Deployment
from devlms.extensions import db
from devlms.urls import issuer, origin, platform_url


def tool_login_url() -> str:
    """The tool's OIDC login initiation URL."""
    return _tool_base() + "/lti/login"


def tool_launch_url() -> str:
    """The tool's launch URL: its redirect URI and target link URI, for Deep Linking too."""
    return _tool_base() + "/lti/launch"


def tool_jwks_url() -> str:
    """Where the tool publishes the keys of its client assertions and Deep Linking responses."""
    return _tool_base() + "/lti/jwks.json"


def tool_origin() -> str:
    """The tool's web origin."""
    return origin(_tool_base())


def tool_redirect_uris() -> list[str]:
    """The redirect URIs registered for the tool; the auth endpoint accepts no others."""
    return [tool_launch_url()]


def client_id() -> str:
    """The client_id the platform gave the tool."""
    return current_app.config["DEVLMS_CLIENT_ID"]


def tool_registration() -> dict:
    """This platform as the tool registers it (the `lti_config/devlms.json` shape)."""
    deployments = db.session.scalars(db.select(Deployment).order_by(Deployment.id)).all()
    return {
        "name": "Development LMS",
        "issuer": issuer(),
        "client_id": client_id(),
        "auth_login_url": platform_url("lti.authorize"),
        "auth_token_url": platform_url("lti.token"),
        "auth_audience": None,
        "key_set_url": platform_url("lti.jwks"),
        "allowed_algorithms": ["RS256"],
        "new_deployment_policy": "new_organisation",
        "deployments": [
            {"deployment_id": deployment.id, "organisation": deployment.organisation,
             "frame_ancestors": [origin(issuer())]}
            for deployment in deployments
        ],
    }


def _tool_base() -> str:
    """The tool's base URL."""
    return current_app.config["DEVLMS_TOOL_BASE_URL"]
