"""Both sides of the registration: the tool's endpoints as this platform knows them, and the
platform's values in the tool's `lti_config/` file format.

The default tool comes from the settings (`DEVLMS_CLIENT_ID`, `DEVLMS_TOOL_BASE_URL`); tools registered
through Dynamic Registration (`devlms/tools/`) are rows, and a launch names its tool by client_id."""

from dataclasses import dataclass

from flask import current_app

from devlms.courses.models import Deployment
from devlms.errors import Forbidden, NotFound
from devlms.extensions import db
from devlms.tools.models import RegisteredTool
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


@dataclass(frozen=True)
class Tool:
    """A tool this platform launches: its client_id and endpoints, whichever way it was registered."""

    client_id: str
    name: str
    status: str
    login_url: str
    launch_url: str
    redirect_uris: tuple[str, ...]
    jwks_url: str
    # The deployment_id its launches carry; None: the course's site (the default tool, like itslearning).
    deployment_id: str | None = None
    deep_linking_url: str | None = None

    @property
    def origin(self) -> str:
        return origin(self.login_url)

    @property
    def is_active(self) -> bool:
        return self.status == "active"


def default_tool() -> Tool:
    """The tool configured in the settings, always active."""
    return Tool(
        client_id=client_id(), name="REX VET Path (configured)", status="active", login_url=tool_login_url(),
        launch_url=tool_launch_url(), redirect_uris=tuple(tool_redirect_uris()), jwks_url=tool_jwks_url(),
        deep_linking_url=tool_launch_url(),
    )


def find_tool(tool_client_id: str | None) -> Tool:
    """The tool with this client_id (None: the default tool), or a 404 page."""
    if not tool_client_id or tool_client_id == client_id():
        return default_tool()
    row = db.session.get(RegisteredTool, tool_client_id)
    if row is None:
        raise NotFound(f"No tool is registered with client_id {tool_client_id!r}.")
    return Tool(
        client_id=row.client_id, name=row.name, status=row.status, login_url=row.initiate_login_uri,
        launch_url=row.target_link_uri, redirect_uris=tuple(row.redirect_uris), jwks_url=row.jwks_uri,
        deployment_id=row.deployment_id, deep_linking_url=row.deep_linking_uri,
    )


def launchable_tool(tool_client_id: str | None) -> Tool:
    """The tool, if it may be launched: like Moodle, a tool still pending is not offered to anyone."""
    tool = find_tool(tool_client_id)
    if not tool.is_active:
        raise Forbidden(
            f"The tool {tool.name!r} (client_id {tool.client_id!r}) is pending: the LMS administrator has not "
            "activated it yet, so it cannot be launched. Activate it on the Tools page (/admin/tools)."
        )
    return tool
