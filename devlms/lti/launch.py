"""The LTI 1.3 launch flow on the platform side: third-party initiated login, then the OIDC
authentication endpoint that answers with a signed id_token (LTI 1.3 core section 5.1; Security Framework 5.1)."""

from collections.abc import Mapping
from dataclasses import dataclass

from devlms.courses.services import get_resource_link, get_user, require_enrolment
from devlms.errors import InvalidAuthRequest
from devlms.lti.constants import RESOURCE_LINK_REQUEST
from devlms.lti.keys import ensure_signing_key
from devlms.lti.message_hint import LaunchRequest, issue_message_hint, read_message_hint
from devlms.lti.messages import message_claims
from devlms.lti.registration import Tool, find_tool, launchable_tool
from devlms.lti.tampering import allowed_tampering, encode_id_token
from devlms.urls import issuer

# OIDC parameters whose value the LTI launch flow fixes.
FIXED_AUTH_PARAMETERS = {"response_type": "id_token", "response_mode": "form_post", "prompt": "none"}


@dataclass(frozen=True)
class FormPost:
    """A form the browser posts by itself to another site (with a button when scripts are off)."""

    action: str
    fields: dict[str, str]
    purpose: str


def start_resource_link_launch(
    link_id: str, user_id: str | None, *, tamper: str | None = None,
    deployment_id: str | None = None, locale: str | None = None, platform_storage: bool = True,
    tool_client_id: str | None = None,
) -> FormPost:
    """The login initiation that launches a resource link as a user (a member of its course), with the chosen tool."""
    link, user = get_resource_link(link_id), get_user(user_id)
    require_enrolment(link.course, user)
    tool = launchable_tool(tool_client_id)
    launch = LaunchRequest(
        message_type=RESOURCE_LINK_REQUEST,
        user_id=user.id,
        course_id=link.course_id,
        # Any deployment id may be chosen, to try the tool's policy for sites it has not seen.
        deployment_id=deployment_id or tool.deployment_id or link.course.deployment_id,
        link_id=link.id,
        locale=locale or None,
        tamper=allowed_tampering(tamper),
        client_id=tool.client_id,
    )
    return login_initiation(launch, target_link_uri=link.url or tool.launch_url, platform_storage=platform_storage)


def login_initiation(launch: LaunchRequest, *, target_link_uri: str, platform_storage: bool = True) -> FormPost:
    """The third-party initiated login the browser posts to the tool's login URL."""
    tool = launchable_tool(launch.client_id)
    fields = {
        "iss": issuer(),
        "login_hint": launch.user_id,
        "target_link_uri": target_link_uri,
        "lti_message_hint": issue_message_hint(launch),
        "client_id": tool.client_id,
        "lti_deployment_id": launch.deployment_id,
    }
    if platform_storage:
        # The course page answers the LTI platform storage postMessages (lti.put_data, lti.get_data).
        fields["lti_storage_target"] = "_parent"
    return FormPost(
        action=tool.login_url, fields=fields, purpose="Starting the LTI launch: sending you to the tool's login.",
    )


def authenticate(params: Mapping[str, str]) -> FormPost:
    """Check the tool's authentication request like a real platform and answer with the signed id_token."""
    launch, hint_problems = None, []
    if params.get("lti_message_hint"):
        try:
            launch = read_message_hint(params["lti_message_hint"])
        except InvalidAuthRequest as error:
            hint_problems.append(error.message)
    else:
        hint_problems.append("lti_message_hint is missing (it must be passed back unchanged from the login initiation)")
    # The tool this launch was started for (named in the signed hint), whose registration the request must match.
    tool = find_tool(launch.client_id if launch else None)
    problems = _parameter_problems(params, tool) + hint_problems
    if launch is not None and params.get("login_hint") and params["login_hint"] != launch.user_id:
        problems.append(f"login_hint {params['login_hint']!r} is not the user of this launch ({launch.user_id!r})")
    if problems:
        raise InvalidAuthRequest("The tool's authentication request was refused.", problems)

    id_token = encode_id_token(message_claims(launch, params["nonce"]), launch.tamper, ensure_signing_key())
    fields = {"id_token": id_token}
    if params.get("state"):
        fields["state"] = params["state"]
    return FormPost(action=params["redirect_uri"], fields=fields, purpose="Sending the launch to the tool.")


def _parameter_problems(params: Mapping[str, str], tool: Tool) -> list[str]:
    """Every OIDC parameter of the authentication request that breaks the rules."""
    problems = []
    if "openid" not in params.get("scope", "").split():
        problems.append(f"scope must be 'openid' (got {params.get('scope')!r})")
    for name, value in FIXED_AUTH_PARAMETERS.items():
        if params.get(name) != value:
            problems.append(f"{name} must be {value!r} (got {params.get(name)!r})")
    if params.get("client_id") != tool.client_id:
        problems.append(f"client_id {params.get('client_id')!r} is not a registered tool (expected {tool.client_id!r})")
    if not tool.is_active:
        problems.append(f"the tool {tool.client_id!r} is pending: the LMS administrator has not activated it")
    if params.get("redirect_uri") not in tool.redirect_uris:
        problems.append(f"redirect_uri {params.get('redirect_uri')!r} is not registered "
                        f"(registered: {', '.join(tool.redirect_uris)})")
    if not params.get("nonce"):
        problems.append("nonce is missing")
    if not params.get("login_hint"):
        problems.append("login_hint is missing")
    return problems
