"""Access tokens for the LMS's services (AGS, NRPS): OAuth 2.0 client credentials with a signed JWT
assertion (1EdTech Security Framework §4.1), cached in the shared cache for every process until they expire.

When the LMS refuses, the error names its HTTP status, its own answer and the scopes we asked for:
unexplained 401s are what users of LTI libraries lose days on.
"""
import logging
import secrets
from datetime import datetime

import requests
from flask import current_app

from app.errors import AppError
from app.lti.keys import sign_tool_jwt
from app.shared_cache import shared_cache
from app.tenancy.models import Registration

log = logging.getLogger(__name__)
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
EXPIRY_MARGIN_SECONDS = 60


class PlatformRefusedToken(AppError):
    status = 502
    title = "The LMS refused the tool's access"


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


def access_token(registration: Registration, scopes: list[str], *, now: datetime) -> str:
    """A bearer token for these scopes, from the shared cache or freshly from the LMS."""
    cache_key = f"lti-access-token:{registration.id}:{' '.join(sorted(scopes))}"
    cached = shared_cache().get(cache_key)
    if cached:
        return cached["access_token"]
    try:
        response = requests.post(
            registration.auth_token_url,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": client_assertion(registration, now=now),
                "scope": " ".join(scopes),
            },
            timeout=current_app.config["HTTP_TIMEOUT"],
        )
    except requests.RequestException as exc:
        raise PlatformRefusedToken(
            "The LMS's token endpoint did not answer.",
            hint=f"{registration.auth_token_url}: {type(exc).__name__}. "
                 "Try again later; if it persists, check the registration's token URL.",
        ) from exc
    if response.status_code != 200:
        log.warning(
            "token request refused by %s: HTTP %s, scopes asked %s, answer %s",
            registration.auth_token_url, response.status_code, scopes, response.text[:1000],
        )
        raise PlatformRefusedToken(
            f"The LMS refused an access token (HTTP {response.status_code}).",
            hint=f"Scopes asked: {' '.join(scopes)}. The LMS answered: {response.text[:500]}",
        )
    answer = response.json()
    log.info("access token from %s: scopes granted %s", registration.issuer, answer.get("scope"))
    lifetime = int(answer.get("expires_in", 3600)) - EXPIRY_MARGIN_SECONDS
    shared_cache().set(cache_key, {"access_token": answer["access_token"], "scope": answer.get("scope")}, ttl=max(lifetime, 1))
    return answer["access_token"]
