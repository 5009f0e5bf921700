"""OIDC third-party-initiated login (LTI 1.3 Security §5.1.1): a fresh state and nonce, and the browser sent to the LMS.

The login writes nothing. Its state is a value signed with the tool's SECRET_KEY that carries what the launch
checks: the nonce, the registration, the expiry and, for the platform-storage flow, the hash of the secret kept in
the LMS page. Nobody without the key can make one, and the launch spends it once (app/lti/launch.py records it as
spent, in one INSERT whose unique key refuses a second use, by any process). A login is the one request anyone may
send: it costs no write, no commit and no row to purge (issue 30).
"""
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer

from app.lti.exceptions import LoginError, UnknownPlatform
from app.lti.tool_urls import ToolUrls
from app.tenancy.models import Registration
from app.tenancy.services import registration_for_login, registrations_for_issuer

STATE_COOKIE_PREFIX = "lti-state-"
# Keys under which the login's values are kept in the LMS's platform storage.
STATE_STORAGE_PREFIX, NONCE_STORAGE_PREFIX = "lti_state_", "lti_nonce_"
LOGIN_PARAMETERS = ("iss", "login_hint", "target_link_uri", "lti_message_hint", "client_id", "lti_deployment_id")
# Anyone may start a login: each parameter is capped (docs/configuration.md), so that the redirect to the LMS, which
# carries some of them, stays a URL every browser and LMS takes. Two have capped lengths of their own.
OWN_LIMITS = {"target_link_uri": 2000, "lti_storage_target": 200}
_STATE_SALT, _CONTINUATION_SALT = b"lti-login-state", b"lti-login-continuation"


@dataclass(frozen=True)
class StartedLogin:
    """What a login's state says, once its signature is checked: the launch must match it."""

    state_id: str  # the random part: the key its spending is recorded under
    nonce: str
    registration_id: int
    expires_at: datetime
    storage_target: str | None  # the LMS's platform storage, when the login used it
    storage_secret_hash: str | None  # the hash of the secret kept there


@dataclass(frozen=True)
class PlatformStorage:
    """What the login page puts into the LMS's platform storage before it goes on (LTI Client Side postMessages)."""

    target: str
    platform_origin: str
    state_key: str
    state_secret: str
    nonce_key: str
    nonce: str


@dataclass(frozen=True)
class LoginRedirect:
    """Where to send the browser, the state it must bring back, and what to store in the LMS first."""

    authorization_url: str
    state: str
    state_cookie_name: str
    max_age: int
    platform_storage: PlatformStorage | None


def start_login(params: dict, *, now) -> LoginRedirect:
    """Validate the LMS's login request and prepare the authorization request with a fresh state and nonce."""
    issuer = params.get("iss")
    login_hint = params.get("login_hint")
    target_link_uri = params.get("target_link_uri")
    for name, value in (("iss", issuer), ("login_hint", login_hint), ("target_link_uri", target_link_uri)):
        if not value:
            raise LoginError(
                _("The LMS's login request has no `%(parameter)s`.", parameter=name),
                hint=_("LTI 1.3 requires iss, login_hint and target_link_uri in the login initiation request."),
            )
    _refuse_overlong_parameters(params)
    registration = _registration_for(issuer, params.get("client_id"))
    _check_target_is_ours(target_link_uri)

    nonce = secrets.token_urlsafe(32)
    lifetime = current_app.config["LTI_STATE_LIFETIME"]
    storage_target, storage_secret = params.get("lti_storage_target"), secrets.token_urlsafe(32)
    state = _state_serializer().dumps({
        "id": secrets.token_urlsafe(32), "nonce": nonce, "registration": registration.id,
        "expires": int((now + timedelta(seconds=lifetime)).timestamp()),
        "storage": [storage_target, secret_hash(storage_secret)] if storage_target else None,
    })
    storage = _platform_storage(storage_target, storage_secret, registration, state, nonce)
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": registration.client_id,
        "redirect_uri": ToolUrls.configured().launch_url,
        "login_hint": login_hint,
        "state": state,
        "nonce": nonce,
    }
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if urlsplit(registration.auth_login_url).query else "?"
    return LoginRedirect(
        authorization_url=registration.auth_login_url + separator + urlencode(query),
        state=state,
        state_cookie_name=STATE_COOKIE_PREFIX + state,
        max_age=lifetime,
        platform_storage=storage,
    )


def started_login(state: str) -> StartedLogin | None:
    """The login this state was signed for, or None if it is not a state this tool signed (or not one at all)."""
    try:
        values = _state_serializer().loads(state)
        storage_target, storage_secret_hash = values["storage"] or (None, None)
        return StartedLogin(
            state_id=values["id"], nonce=values["nonce"], registration_id=values["registration"],
            expires_at=datetime.fromtimestamp(values["expires"], tz=UTC), storage_target=storage_target,
            storage_secret_hash=storage_secret_hash,
        )
    except (BadData, KeyError, TypeError, ValueError, OverflowError):
        return None


def continuation_secret(login: StartedLogin) -> str:
    """The secret of the page that offers a new window (app/lti/binding.py): derived from the state with the tool's
    key, so only a page the tool rendered holds it, and it is spent with the state."""
    return hmac.new(_key(_CONTINUATION_SALT), login.state_id.encode(), hashlib.sha256).hexdigest()


def _state_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_STATE_SALT, signer_kwargs={"digest_method": hashlib.sha256})


def _key(salt: bytes) -> bytes:
    return hmac.new(current_app.secret_key.encode(), salt, hashlib.sha256).digest()


def parameter_limit(name: str) -> int:
    """The most characters the login accepts in this parameter."""
    config = current_app.config
    limit = config["LTI_MESSAGE_HINT_MAX_LENGTH" if name == "lti_message_hint" else "LTI_LOGIN_PARAMETER_MAX_LENGTH"]
    return min(limit, OWN_LIMITS.get(name, limit))


def _refuse_overlong_parameters(params: dict) -> None:
    for name in (*LOGIN_PARAMETERS, "lti_storage_target"):
        value = params.get(name)
        if value and len(value) > parameter_limit(name):
            raise LoginError(
                _("The LMS's login request has a `%(parameter)s` of %(length)s characters; at most %(limit)s are "
                  "accepted.", parameter=name, length=len(value), limit=parameter_limit(name)),
                hint=_("An LMS sends short values there; its administrator can check the tool's login settings."),
            )


def _platform_storage(target: str | None, secret: str, registration: Registration, state: str,
                      nonce: str) -> PlatformStorage | None:
    """With `lti_storage_target`, the browser will keep a secret of this login in the LMS page.

    The secret, unlike the state, never travels in a URL: reading it back later proves the launch
    returns to the browser that started the login, with no cookie at all.
    """
    if not target:
        return None
    return PlatformStorage(
        target=target,
        platform_origin=registration.platform_origin,
        state_key=STATE_STORAGE_PREFIX + state,
        state_secret=secret,
        nonce_key=NONCE_STORAGE_PREFIX + nonce,
        nonce=nonce,
    )


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _registration_for(issuer: str, client_id: str | None) -> Registration:
    if client_id:
        registration = registration_for_login(issuer, client_id)
    else:
        # client_id is optional in the login request; without it the issuer must be unambiguous. Registrations
        # not (yet) in force do not count: anyone with an invitation can register a second one under a known
        # issuer, and it waits, pending, for the installation admin without breaking that LMS's logins.
        candidates = registrations_for_issuer(issuer)
        in_force = [candidate for candidate in candidates if candidate.is_active]
        if len(in_force) > 1 or (not in_force and len(candidates) > 1):
            raise LoginError(
                _("The LMS's login request has no client_id, and this LMS has several registrations."),
                hint=_("Configure the LMS to send client_id in the login initiation request."),
            )
        registration = (in_force or candidates or [None])[0]
    if registration is None:
        raise UnknownPlatform(
            _("This LMS is not registered with REX VET Path."),
            hint=_(
                "No registration for issuer %(issuer)s and client_id %(client_id)s. "
                "An LMS administrator must register the tool first.",
                issuer=repr(issuer), client_id=repr(client_id),
            ),
        )
    return registration


def _check_target_is_ours(target_link_uri: str) -> None:
    """Never redirect to a target outside this tool (an open redirect otherwise)."""
    base = urlsplit(current_app.config["BASE_URL"])
    target = urlsplit(target_link_uri)
    if (target.scheme, target.netloc) != (base.scheme, base.netloc):
        raise LoginError(
            _("The launch's target link is not on this tool."),
            hint=_(
                "target_link_uri %(target)s must start with %(base_url)s.",
                target=repr(target_link_uri), base_url=current_app.config["BASE_URL"],
            ),
        )
