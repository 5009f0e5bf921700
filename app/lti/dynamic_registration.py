"""LTI Dynamic Registration 1.0, the tool's side: read the LMS's OpenID configuration, register with it, store the
result.

The LMS opens `/lti/register?openid_configuration=…&registration_token=…` (in an iframe or a popup); we fetch the
configuration (spec §3.4), check it (§3.5: the issuer must match the configuration URL), POST our client registration
to its registration_endpoint with the token as a bearer token (§3.5), and keep the returned client_id and
deployment_id as a Registration and a Deployment (§3.6). The page then offers "Done", which posts
`org.imsglobal.lti.close` (§4).

Nothing is fetched, posted or even looked up in DNS until the request is vouched for by a one-time invitation
(`?invitation=…`, made by the installation admin on the admin pages or with `flask lti invitation create`). An admin's
session cookie cannot vouch: the LMS opens this page in a cross-site frame, where a SameSite=Lax cookie is not sent.
What the LMS sends is then sorted (`app.lti.registrations.store_registration`): a new LMS; an "Update" of a
registration we have (same issuer and client_id), whose changed endpoints or key set wait for the installation
admin; or a second registration of a known issuer, which waits for the admin to choose its organisation.
"""
import hashlib
import json
import logging
import re
import secrets
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

import requests
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.clock import as_utc
from app.extensions import db
from app.lti import lms_http
from app.lti.constants import (
    AGS_SCOPE_LINE_ITEM,
    AGS_SCOPE_LINE_ITEM_READONLY,
    AGS_SCOPE_RESULT_READONLY,
    AGS_SCOPE_SCORE,
    DEEP_LINKING_REQUEST,
    NRPS_SCOPE,
    PLATFORM_CONFIGURATION,
    RESOURCE_LINK_REQUEST,
    TOOL_CONFIGURATION,
)
from app.lti.exceptions import (
    InvalidPlatformConfiguration,
    InvalidRegistrationRequest,
    InvitationRequired,
    PlatformRefusedRegistration,
    RegistrationBusy,
)
from app.lti.keys import ensure_active_tool_key
from app.lti.models import RegistrationInvitation
from app.lti.registrations import RegistrationOutcome, store_registration
from app.lti.tool_urls import ToolUrls
from app.tenancy.models import Organisation

log = logging.getLogger(__name__)

REQUIRED_URL_FIELDS = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
REQUIRED_PLATFORM_FIELDS = ("product_family_code", "version", "messages_supported")
# The services the tool uses (AGS 2.0 §3.1, NRPS 2.0 §3.4); we ask only for those the LMS offers.
WANTED_SCOPES = (
    AGS_SCOPE_LINE_ITEM,
    AGS_SCOPE_LINE_ITEM_READONLY,
    AGS_SCOPE_RESULT_READONLY,
    AGS_SCOPE_SCORE,
    NRPS_SCOPE,
)
WANTED_CLAIMS = ["iss", "sub", "name", "given_name", "family_name", "email"]
TOOL_NAME = "REX VET Path"
TOOL_DESCRIPTION = "International skills for VET staff: a path of training modules with Open Badges."
INVITATION_LIFETIME = timedelta(days=7)
# The one part of a registering LMS's answer the page shows: an OAuth error code (RFC 7591 §3.2.2). Its host is
# not vetted yet, so its body is never shown or logged: the page must not become a window onto whatever
# answers at the URL an attacker gave.
ERROR_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def register_with_platform(
    openid_configuration_url: str | None,
    registration_token: str | None,
    *,
    invitation_token: str | None,
    tool: ToolUrls,
    require_approval: bool,
    timeout,
    now: datetime,
) -> RegistrationOutcome:
    """The whole tool side of Dynamic Registration; flushes, the caller commits.

    The invitation is checked first: an unvouched request must not make the tool call anything (not even a DNS
    lookup, which the configuration URL's check does), so a public URL cannot be used to flood LMSs or the tool.
    """
    invitation = find_usable_invitation(invitation_token, now=now)
    configuration_url = _checked_configuration_url(openid_configuration_url, tool)
    configuration = fetch_platform_configuration(configuration_url, registration_token, timeout=timeout)
    problems = platform_configuration_problems(configuration, configuration_url)
    if problems:
        log.warning("refused the OpenID configuration of %s: %s", configuration_url, problems)
        raise InvalidPlatformConfiguration(
            _("The LMS's OpenID configuration at %(url)s cannot be used: %(problems)s.",
              url=configuration_url, problems="; ".join(problems)),
            hint=_("This is a problem of the LMS (or of the URL it gave): ask its administrator or vendor to correct "
                   "the configuration, then start the registration again from the LMS."),
        )
    client_registration = build_client_registration(configuration, tool)
    ensure_active_tool_key()  # the LMS will fetch our jwks_uri: it must not be empty
    answer = post_client_registration(
        configuration["registration_endpoint"], registration_token, client_registration, timeout=timeout
    )
    return store_registration(configuration, answer, invitation=invitation, require_approval=require_approval, now=now)


def _checked_configuration_url(url: str | None, tool: ToolUrls) -> str:
    if not url:
        raise InvalidRegistrationRequest(
            _("The registration URL was opened without the LMS's openid_configuration parameter."),
            hint=_("Do not open this URL yourself: paste it into your LMS's tool registration page "
                   "(in Moodle: Site administration → Plugins → Activity modules → External tool → Manage tools), "
                   "which opens it with its own parameters."),
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidRegistrationRequest(
            _("openid_configuration %(url)s is not an http(s) URL.", url=repr(url)),
            hint=_("Start the registration again from your LMS."),
        )
    if urlsplit(tool.base_url).scheme == "https" and parts.scheme != "https":
        raise InvalidRegistrationRequest(
            _("The LMS's configuration URL %(url)s is not https.", url=url),
            hint=_("This tool only registers with LMSs served over https."),
        )
    # Whether the tool may call its address at all is lms_http's check, made on every call (and every URL the
    # configuration names), against the address actually connected to.
    return url


# Registration calls an LMS from inside a web request: a few at once per process, so launches always have threads.
_registration_calls = {"slots": None, "size": None}
_registration_calls_lock = threading.Lock()


@contextmanager
def registration_call_slot():
    """One of REGISTRATIONS_AT_ONCE slots for an outgoing registration call, or RegistrationBusy at once."""
    size = current_app.config["REGISTRATIONS_AT_ONCE"]
    with _registration_calls_lock:
        if _registration_calls["size"] != size:
            _registration_calls.update(slots=threading.BoundedSemaphore(size), size=size)
        slots = _registration_calls["slots"]
    if not slots.acquire(blocking=False):
        log.warning("dynamic registration refused: %s registration call(s) already running in this process", size)
        raise RegistrationBusy(
            _("The tool is busy with other LMS registrations right now."),
            hint=_("Wait a minute, then start the registration again from the LMS."),
        )
    try:
        yield
    finally:
        slots.release()


def _registration_call(method: str, url: str, **kwargs) -> requests.Response:
    """A registration's call to the LMS: a slot, and a short deadline for the whole answer."""
    with registration_call_slot():
        return lms_http.request(method, url, deadline=current_app.config["REGISTRATION_DEADLINE_SECONDS"], **kwargs)


def _answer_summary(response: requests.Response) -> str:
    """HTTP status and, if the answer is an OAuth error object, its error code: never the body itself."""
    summary = f"HTTP {response.status_code}"
    try:
        code = json.loads(response.content).get("error")
    except (ValueError, UnicodeDecodeError, AttributeError):
        code = None
    if isinstance(code, str) and ERROR_CODE.fullmatch(code):
        summary += f" ({code})"
    return summary


def fetch_platform_configuration(url: str, registration_token: str | None, *, timeout) -> dict:
    """The LMS's OpenID configuration (spec §3.4); the registration token goes along, as Canvas requires it."""
    headers = {"Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        response = _registration_call("GET", url, headers=headers, timeout=timeout)
    except requests.RequestException as error:
        log.warning("could not fetch the OpenID configuration %s: %s", url, lms_http.describe(error))
        raise InvalidPlatformConfiguration(
            _("The LMS's OpenID configuration could not be fetched from %(url)s.", url=url),
            hint=_unreachable_hint(error),
            detail=lms_http.describe(error),
        ) from None
    if response.status_code != 200:
        log.warning("OpenID configuration %s answered %s (%d bytes, not shown)", url, response.status_code,
                    len(response.content))
        raise InvalidPlatformConfiguration(
            _("The LMS answered %(answer)s for its OpenID configuration at %(url)s.",
              answer=_answer_summary(response), url=url),
            hint=_redirect_hint() if 300 <= response.status_code < 400 else _(
                "Start the registration again from the LMS; if it fails again, the LMS's administrator must "
                "check its LTI settings."),
        )
    try:
        configuration = response.json()
    except ValueError:
        log.warning("OpenID configuration %s is not JSON (%d bytes, not shown)", url, len(response.content))
        raise InvalidPlatformConfiguration(
            _("The LMS's OpenID configuration at %(url)s is not JSON.", url=url),
            hint=_("The URL the LMS gave does not lead to its OpenID configuration; ask its administrator."),
        ) from None
    if not isinstance(configuration, dict):
        raise InvalidPlatformConfiguration(
            _("The LMS's OpenID configuration at %(url)s is not a JSON object.", url=url)
        )
    return configuration


def platform_configuration_problems(configuration: dict, configuration_url: str) -> list[str]:
    """Everything that makes the LMS's configuration unusable, in one list (empty when it is fine)."""
    problems = []
    for name in REQUIRED_URL_FIELDS:
        value = configuration.get(name)
        if not value:
            problems.append(_("`%(name)s` is missing", name=name))
        elif not _is_http_url(value):
            problems.append(_("`%(name)s` is not an http(s) URL", name=name))
        elif name != "issuer" and not _may_be_called(value):
            problems.append(_("`%(name)s` points to an address that is not public", name=name))
    issuer = configuration.get("issuer")
    if _is_http_url(issuer) and not issuer_matches_configuration_url(issuer, configuration_url):
        problems.append(_(
            "the issuer %(issuer)s is not on the same scheme, host and port as the configuration URL, or its path "
            "is not where the configuration lives (the spec requires the configuration to be served by the issuer)",
            issuer=issuer,
        ))
    scopes = configuration.get("scopes_supported")
    if not isinstance(scopes, list):
        problems.append(_("`scopes_supported` is missing (a list of the LMS's service scopes)"))
    algorithms = configuration.get("id_token_signing_alg_values_supported")
    if not isinstance(algorithms, list) or "RS256" not in algorithms:
        problems.append(_("`id_token_signing_alg_values_supported` must contain RS256"))
    auth_methods = configuration.get("token_endpoint_auth_methods_supported")
    if isinstance(auth_methods, list) and "private_key_jwt" not in auth_methods:
        problems.append(_("`token_endpoint_auth_methods_supported` must contain private_key_jwt"))
    platform = configuration.get(PLATFORM_CONFIGURATION)
    if not isinstance(platform, dict):
        problems.append(_("`%(name)s` is missing", name=PLATFORM_CONFIGURATION))
    else:
        problems += [
            _("`%(name)s` is missing from %(claim)s", name=name, claim=PLATFORM_CONFIGURATION)
            for name in REQUIRED_PLATFORM_FIELDS if not platform.get(name)
        ]
    return problems


def _may_be_called(url: str) -> bool:
    """Whether lms_http would call this URL's address (checked now, so the LMS admin hears it at registration;
    every later call checks again, against the address it connects to)."""
    parts = urlsplit(url)
    try:
        lms_http.vetted_address(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except lms_http.AddressRefused:
        return False
    except (requests.RequestException, ValueError):
        return True  # not resolvable now: not an address of ours; the call will say what it finds then
    return True


def issuer_matches_configuration_url(issuer: str, configuration_url: str) -> bool:
    """Same scheme, host and port, and the configuration lives under the issuer's path (Moodle may be at /moodle)."""
    issuer_parts, url_parts = urlsplit(issuer), urlsplit(configuration_url)
    if (issuer_parts.scheme, issuer_parts.hostname, _port(issuer_parts)) != (
        url_parts.scheme, url_parts.hostname, _port(url_parts)
    ):
        return False
    issuer_path = issuer_parts.path.rstrip("/")
    return url_parts.path == issuer_path or url_parts.path.startswith(issuer_path + "/")


def _port(parts) -> int | None:
    return parts.port or {"http": 80, "https": 443}.get(parts.scheme)


def build_client_registration(configuration: dict, tool: ToolUrls) -> dict:
    """Our OpenID Connect client registration with the LTI tool configuration claim (spec §3.5)."""
    platform = configuration.get(PLATFORM_CONFIGURATION) or {}
    supported_scopes = set(configuration.get("scopes_supported") or [])
    messages_supported = {
        message.get("type") if isinstance(message, dict) else message
        for message in platform.get("messages_supported") or []
    }
    messages = [{"type": RESOURCE_LINK_REQUEST, "target_link_uri": tool.launch_url, "label": TOOL_NAME}]
    if DEEP_LINKING_REQUEST in messages_supported:
        messages.append({
            "type": DEEP_LINKING_REQUEST,
            "target_link_uri": tool.launch_url,
            "label": _("Add a REX VET Path module"),
            "placements": ["ContentArea"],
        })
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": tool.login_url,
        "redirect_uris": [tool.launch_url],
        "client_name": TOOL_NAME,
        "jwks_uri": tool.jwks_url,
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(scope for scope in WANTED_SCOPES if scope in supported_scopes),
        TOOL_CONFIGURATION: {
            "domain": urlsplit(tool.base_url).netloc,
            "target_link_uri": tool.launch_url,
            "claims": list(WANTED_CLAIMS),
            "messages": messages,
            "description": TOOL_DESCRIPTION,
        },
    }


def post_client_registration(endpoint: str, registration_token: str | None, body: dict, *, timeout) -> dict:
    """POST the registration; any answer but a 2xx JSON object with a client_id is shown with its body."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        response = _registration_call("POST", endpoint, data=json.dumps(body), headers=headers, timeout=timeout)
    except requests.RequestException as error:
        log.warning("could not reach the registration endpoint %s: %s", endpoint, lms_http.describe(error))
        raise PlatformRefusedRegistration(
            _("The LMS's registration endpoint %(url)s could not be reached.", url=endpoint),
            hint=_unreachable_hint(error),
            detail=lms_http.describe(error),
        ) from None
    if not 200 <= response.status_code < 300:
        log.warning("registration endpoint %s answered %s (%d bytes, not shown)", endpoint, response.status_code,
                    len(response.content))
        raise PlatformRefusedRegistration(
            _("The LMS refused the registration with %(answer)s.", answer=_answer_summary(response)),
            hint=_refusal_hint(response.status_code),
        )
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not answer.get("client_id"):
        log.warning("registration endpoint %s answered without a client_id (%d bytes, not shown)", endpoint,
                    len(response.content))
        raise PlatformRefusedRegistration(
            _("The LMS accepted the registration but did not answer with a client_id."),
            hint=_("Ask the LMS's administrator to remove the half-made tool registration and try again."),
        )
    return answer


def _refusal_hint(status: int) -> str:
    if 300 <= status < 400:
        return _redirect_hint()
    if status in (401, 403):
        return _("The LMS did not accept its own registration token: it is single-use and expires. Start the "
                 "registration again from the LMS to get a fresh one.")
    return _("The LMS's log says what it did not accept; fix that in the LMS (or ask its vendor), then start the "
             "registration again.")


def _redirect_hint() -> str:
    return _("The tool follows no redirects: the LMS's configuration must name its final https URLs.")


def _unreachable_hint(error: requests.RequestException) -> str:
    if isinstance(error, lms_http.AddressRefused):
        return _("The address is not a public one. An LMS on the college's own network can register only if the "
                 "REX VET Path administrator lists its host in the LMS_PRIVATE_HOSTS setting.")
    return _("Check that the LMS is reachable from the tool's server, then start the registration again.")


def _is_http_url(value) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return bool(parts and parts.scheme in ("http", "https") and parts.netloc)


# One-time invitations -------------------------------------------------------------------------------------------


def create_invitation(organisation: Organisation | None = None, *, now: datetime,
                      organisation_name: str | None = None) -> tuple[RegistrationInvitation, str]:
    """A one-time registration URL's token, for an existing organisation or (none given) a new one named
    organisation_name (by default "New LMS at <the LMS's address>"); only its hash is stored, so return the token."""
    token = secrets.token_urlsafe(32)
    invitation = RegistrationInvitation(
        token_hash=_hash(token), organisation=organisation, expires_at=now + INVITATION_LIFETIME,
        organisation_name=None if organisation is not None else ((organisation_name or "").strip()[:200] or None),
    )
    db.session.add(invitation)
    db.session.flush()
    log.info("registration invitation %s made for %s", invitation.id,
             f"organisation {organisation.id}" if organisation is not None else "a new organisation")
    return invitation, token


def registration_url(tool: ToolUrls, invitation_token: str | None = None) -> str:
    """The URL an LMS admin pastes into the LMS; only with an invitation token does it register anything."""
    url = f"{tool.base_url}/lti/register"
    return f"{url}?{urlencode({'invitation': invitation_token})}" if invitation_token else url


def find_usable_invitation(token: str | None, *, now: datetime) -> RegistrationInvitation:
    """The unexpired, unused invitation with this token; otherwise a clear refusal (checked before any LMS call).

    The row is locked until the registration commits, so two LMSs cannot both spend one invitation."""
    if not token:
        raise InvitationRequired(
            _("REX VET Path registers an LMS only through a one-time registration URL."),
            hint=_("Ask the REX VET Path administrator for a registration URL for your organisation, then paste that "
                   "whole URL into your LMS's tool registration page instead of this one."),
        )
    invitation = db.session.scalars(
        select(RegistrationInvitation).where(RegistrationInvitation.token_hash == _hash(token)).with_for_update()
    ).first()
    if invitation is None:
        raise InvalidRegistrationRequest(
            _("This registration URL's invitation is not known."),
            hint=_("Copy the whole URL the REX VET Path administrator gave you, or ask them for a new one."),
            status=403,
        )
    if invitation.used_at is not None:
        raise InvalidRegistrationRequest(
            _("This registration URL was already used to register an LMS; it works only once."),
            hint=_("Ask the REX VET Path administrator for a new registration URL (an Update of a registered tool "
                   "needs one too)."),
            status=403,
        )
    if as_utc(invitation.expires_at) <= now:
        raise InvalidRegistrationRequest(
            _("This registration URL has expired."),
            hint=_("Ask the REX VET Path administrator for a new registration URL (they last %(days)s days).",
                   days=INVITATION_LIFETIME.days),
            status=403,
        )
    return invitation


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
