"""How a launch proves it returns to the browser that started its login, when cookies may be gone.

The proofs, strongest first: the login's state cookie (partitioned, so it survives blocked third-party
cookies in Chromium); a secret the login page kept in the LMS's platform storage (LTI Client Side
postMessages), read back by the launch page; the one-time continuation secret of the page that
offers a new window, handed only to a browser whose id_token POST came from the LMS's own origin.
"""
import hmac
from dataclasses import dataclass
from datetime import datetime

from app.extensions import db
from app.lti.login import STATE_COOKIE_PREFIX, StartedLogin, continuation_secret, secret_hash, started_login
from app.lti.models import SpentLogin
from app.tenancy.models import Registration

STORAGE_SECRET, STORAGE_NONCE, STORAGE_CHECKED = "lti_storage_secret", "lti_storage_nonce", "lti_storage_checked"
CONTINUATION = "lti_continuation"


@dataclass(frozen=True)
class ContinueInBrowser:
    """The launch needs one more step in the browser before it can be validated."""

    platform_storage: dict | None  # target, origin and keys to read back, when the login used storage
    continuation: str | None  # the secret for the new-window form, when the POST came from the LMS


def browser_step_needed(params: dict, cookies: dict, origin: str | None, *, now: datetime) -> ContinueInBrowser | None:
    """None when the POST carries a proof (or is hopeless: validation will explain); else the step to take."""
    state = params.get("state")
    if not state or has_state_cookie(cookies, state) or params.get(STORAGE_SECRET) or params.get(CONTINUATION):
        return None
    login = started_login(state) if isinstance(state, str) else None
    if login is None or login.expires_at < now or db.session.get(SpentLogin, login.state_id) is not None:
        return None  # validation refuses it, and says why
    storage = None
    if login.storage_target and not params.get(STORAGE_CHECKED):
        storage = {
            "target": login.storage_target, "origin": _registration(login).platform_origin,
            "state_key": f"lti_state_{state}", "nonce_key": f"lti_nonce_{login.nonce}",
        }
    continuation = None
    if origin == _registration(login).platform_origin:
        continuation = continuation_secret(login)
    if storage is None and continuation is None:
        return None
    return ContinueInBrowser(storage, continuation)


def has_state_cookie(cookies: dict, state: str) -> bool:
    return cookies.get(STATE_COOKIE_PREFIX + state) == state


def proves_login_by_secret(params: dict, login: StartedLogin) -> bool:
    """The platform-storage secret (with the nonce stored beside it) or the continuation secret matches."""
    storage_secret, continuation = params.get(STORAGE_SECRET), params.get(CONTINUATION)
    if storage_secret and login.storage_secret_hash:
        return (
            _same(secret_hash(storage_secret), login.storage_secret_hash) and params.get(STORAGE_NONCE) == login.nonce
        )
    if continuation:
        return _same(continuation, continuation_secret(login))
    return False


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _registration(login: StartedLogin) -> Registration:
    return db.session.get(Registration, login.registration_id)
