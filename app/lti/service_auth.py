"""Access tokens for the LMS's services (AGS, NRPS): OAuth 2.0 client credentials with a signed JWT
assertion (1EdTech Security Framework §4.1), cached in the shared cache for every process until they expire.
Each process also remembers the tokens it used until that same expiry, so a worker sending many scores does
not read the shared cache for each; the shared cache stays the truth whenever the LMS refuses a token.

When the LMS refuses, the error names its HTTP status, its own answer and the scopes we asked for:
unexplained 401s are what users of LTI libraries lose days on.
"""
import logging
import secrets
import time
from datetime import datetime

import requests
from flask import current_app

from app.errors import AppError
from app.lti import lms_http
from app.lti.keys import sign_tool_jwt
from app.shared_cache import shared_cache
from app.tenancy.models import Registration

log = logging.getLogger(__name__)
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
EXPIRY_MARGIN_SECONDS = 60


class PlatformRefusedToken(AppError):
    status = 502
    title = "The LMS refused the tool's access"

    def __init__(self, message: str, *, hint: str = "", http_status: int | None = None, never_called: bool = False):
        super().__init__(message, hint=hint)
        self.http_status = http_status
        self.never_called = never_called  # the token URL's address may not be called: retrying will not help

    @property
    def unavailable(self) -> bool:
        """No answer, or a 5xx/429: the token endpoint may work later; any other refusal will not change."""
        if self.never_called:
            return False
        return self.http_status is None or self.http_status >= 500 or self.http_status == 429


def client_assertion(registration: Registration, *, now: datetime) -> str:
    """The JWT that proves we are the registered client: iss = sub = client_id, aud = the token endpoint."""
    issued = int(now.timestamp())
    return sign_tool_jwt({
        "iss": registration.client_id,
        "sub": registration.client_id,
        "aud": registration.auth_audience or registration.auth_token_url,
        "iat": issued,
        "exp": issued + 300,
        "jti": secrets.token_urlsafe(24),
    })


def _cache_key(registration: Registration, scopes: list[str]) -> str:
    return f"lti-access-token:{registration.id}:{' '.join(sorted(scopes))}"


def access_token(registration: Registration, scopes: list[str], *, now: datetime, refused: str | None = None) -> str:
    """A bearer token for these scopes: remembered by this process, from the shared cache, or freshly from the LMS.

    `refused` is a token the LMS has just answered 401 to: it is not used again, and the new one fetched
    replaces it in the shared cache (unless another process has already put a newer one there).
    One process fetches at a time per registration and scope set: the others wait for its token (up to
    TOKEN_FETCH_WAIT_SECONDS) instead of each asking the LMS, which may rate-limit token requests.
    """
    cache_key = _cache_key(registration, scopes)
    remembered = _usable(_remembered_tokens().get(cache_key), refused)
    if remembered and remembered["expires_at"] > now.timestamp():
        return remembered["access_token"]
    cached = _usable(shared_cache().get(cache_key), refused)
    if cached:
        return _remember(cache_key, cached)
    lock_key = cache_key + ":fetching"
    if not shared_cache().add(lock_key, True, ttl=current_app.config["TOKEN_FETCH_WAIT_SECONDS"]):
        waited = _wait_for_token(cache_key, refused)
        if waited:
            return _remember(cache_key, waited)
    try:
        # The fetch we waited behind may have stored one meanwhile.
        cached = _usable(shared_cache().get(cache_key), refused)
        if cached:
            return _remember(cache_key, cached)
        answer = _request_token(registration, scopes, now=now)
    finally:
        shared_cache().delete(lock_key)
    log.info("access token from %s: scopes granted %s", registration.issuer, answer.get("scope"))
    lifetime = max(int(answer.get("expires_in", 3600)) - EXPIRY_MARGIN_SECONDS, 1)
    token = {"access_token": answer["access_token"], "scope": answer.get("scope"),
             "expires_at": now.timestamp() + lifetime}
    shared_cache().set(cache_key, token, ttl=lifetime)
    return _remember(cache_key, token)


def _usable(token: dict | None, refused: str | None) -> dict | None:
    return token if token and token["access_token"] != refused else None


def _remembered_tokens() -> dict:
    """This app's tokens in this process, by cache key (per app: tests build many apps in one process)."""
    return current_app.extensions.setdefault("remembered_access_tokens", {})


def _remember(cache_key: str, token: dict) -> str:
    # A token cached before expiries were stored with it is used, not remembered: its expiry is unknown.
    if "expires_at" in token:
        _remembered_tokens()[cache_key] = token
    return token["access_token"]


def _wait_for_token(cache_key: str, refused: str | None) -> dict | None:
    deadline = time.monotonic() + current_app.config["TOKEN_FETCH_WAIT_SECONDS"]
    while time.monotonic() < deadline:
        time.sleep(0.05)
        cached = _usable(shared_cache().get(cache_key), refused)
        if cached:
            return cached
    return None


def granted_scopes(registration: Registration, scopes: list[str]) -> str | None:
    """The scopes the LMS granted with the cached token (its `scope` answer), for explaining a refusal."""
    cached = shared_cache().get(_cache_key(registration, scopes))
    return cached.get("scope") if cached else None


def _request_token(registration: Registration, scopes: list[str], *, now: datetime) -> dict:
    # A short deadline for the whole request (TOKEN_REQUEST_DEADLINE_SECONDS; lms_http keeps it within
    # LMS_ANSWER_DEADLINE_SECONDS and makes it hold, headers included). A token answer is a few hundred bytes; an
    # endpoint that hangs must not hold a worker thread for the full HTTP timeouts while other LMSs wait.
    try:
        response = lms_http.request(
            "POST", registration.auth_token_url,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": client_assertion(registration, now=now),
                "scope": " ".join(scopes),
            },
            deadline=current_app.config["TOKEN_REQUEST_DEADLINE_SECONDS"],
        )
    except requests.RequestException as exc:
        raise PlatformRefusedToken(
            "The LMS's token endpoint did not answer.",
            hint=f"{registration.auth_token_url}: {lms_http.describe(exc)}. "
                 "Try again later; if it persists, check the registration's token URL.",
            never_called=isinstance(exc, lms_http.AddressRefused),
        ) from exc
    if response.status_code != 200:
        log.warning(
            "token request refused by %s: HTTP %s, scopes asked %s, answer %s",
            registration.auth_token_url, response.status_code, scopes, response.text[:1000],
        )
        raise PlatformRefusedToken(
            f"The LMS refused an access token (HTTP {response.status_code}).",
            hint=f"Scopes asked: {' '.join(scopes)}. The LMS answered: {response.text[:500]}",
            http_status=response.status_code,
        )
    try:
        answer = lms_http.json_answer(response, dict, "the token answer")
        if not isinstance(answer.get("access_token"), str) or not answer["access_token"]:
            raise ValueError("the token answer has no `access_token` string")
        int(answer.get("expires_in", 3600))
    except (TypeError, ValueError) as exc:
        log.warning("unusable token answer from %s: %s; answer %s", registration.auth_token_url, exc,
                    response.text[:1000])
        # Treated as "no answer" (http_status None): a broken proxy page may heal, so grades are retried.
        raise PlatformRefusedToken(
            "The LMS's token endpoint answered something that is not an OAuth 2.0 token.",
            hint=f"{registration.auth_token_url}: {exc}. It must answer JSON with access_token and expires_in "
                 f"(RFC 6749 §5.1); it answered: {response.text[:300]}",
        ) from None
    return answer
