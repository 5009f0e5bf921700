"""Verifying JWTs the tool signs (client assertions, Deep Linking responses) against the tool's JWKS."""

import jwt
import requests
from flask import current_app

from devlms import clock
from devlms.errors import NotFound
from devlms.extensions import db
from devlms.lti.models import ToolKeySet
from devlms.lti.registration import Tool, default_tool, find_tool, tool_jwks_url

# Leeway for the tool's clock running a little ahead of ours.
CLOCK_SKEW_SECONDS = 60


class InvalidToolJwt(Exception):
    """A JWT from the tool failed verification; the message says which check."""


def verify_tool_jwt(token: str, *, audience: str) -> dict:
    """The claims of a JWT the tool signed for `audience`: RS256, known kid, iss = client_id, aud, exp, iat."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError as error:
        raise InvalidToolJwt(f"not a JWT: {error}") from None
    if header.get("alg") != "RS256":
        raise InvalidToolJwt(f"alg {header.get('alg')!r} is not allowed: only RS256")
    if not header.get("kid"):
        raise InvalidToolJwt("the JWT header has no kid")
    tool = _issuing_tool(token)
    key = tool_public_key(header["kid"], tool.jwks_url)
    try:
        claims = jwt.decode(token, key, algorithms=["RS256"], options={
            "verify_aud": False, "verify_iss": False, "verify_exp": False, "verify_iat": False, "verify_nbf": False,
        })
    except jwt.InvalidSignatureError:
        raise InvalidToolJwt(f"the signature does not verify with the tool's key {header['kid']!r}") from None
    except jwt.InvalidTokenError as error:
        raise InvalidToolJwt(f"the JWT cannot be read: {error}") from None
    _check_claims(claims, audience, tool.client_id)
    return claims


def _issuing_tool(token: str) -> Tool:
    """The active tool the JWT says it comes from (iss is its client_id); the configured tool for any other iss."""
    try:
        claimed = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.InvalidTokenError:
        claimed = None
    if isinstance(claimed, str) and claimed:
        try:
            tool = find_tool(claimed)
        except NotFound:
            tool = None
        if tool is not None and tool.is_active:
            return tool
    return default_tool()


def tool_public_key(kid: str, jwks_url: str | None = None):
    """The tool's public key with this kid, re-fetching the tool's JWKS once if the cached one lacks it."""
    configured = current_app.config["DEVLMS_TOOL_JWKS"]
    url = jwks_url or tool_jwks_url()
    if configured is not None:
        key = _find_key(configured, kid)
    else:
        cached = db.session.get(ToolKeySet, url)
        key = _find_key(cached.jwks, kid) if cached else None
        if key is None:
            key = _find_key(_refresh_tool_jwks(url), kid)
    if key is None:
        raise InvalidToolJwt(f"the tool's JWKS has no key with kid {kid!r}")
    return key


def fetch_tool_jwks(url: str) -> dict:
    """The tool's JWKS from its URL, with the configured timeouts."""
    try:
        response = requests.get(url, timeout=current_app.config["DEVLMS_HTTP_TIMEOUT"])
        response.raise_for_status()
        jwks = response.json()
    except (requests.RequestException, ValueError) as error:
        raise InvalidToolJwt(f"the tool's JWKS could not be fetched from {url}: {error}") from None
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise InvalidToolJwt(f"the tool's JWKS at {url} is not a JSON object with a 'keys' list")
    return jwks


def _refresh_tool_jwks(url: str) -> dict:
    """Fetch the tool's JWKS and keep it in the database."""
    jwks = fetch_tool_jwks(url)
    cached = db.session.get(ToolKeySet, url) or ToolKeySet(url=url)
    cached.jwks, cached.fetched_at = jwks, clock.now()
    db.session.add(cached)
    return jwks


def _find_key(jwks: dict, kid: str):
    """The usable public key with this kid in a JWKS, or None."""
    for jwk in jwks.get("keys", []):
        if jwk.get("kid") == kid:
            try:
                return jwt.PyJWK(jwk).key
            except jwt.PyJWKError as error:
                raise InvalidToolJwt(f"the tool's key {kid!r} is not a usable JWK: {error}") from None
    return None


def _check_claims(claims: dict, audience: str, expected_client: str) -> None:
    """The checks every JWT from the tool must pass, with our clock and a small skew."""
    if claims.get("iss") != expected_client:
        raise InvalidToolJwt(f"iss {claims.get('iss')!r} is not the tool's client_id {expected_client!r}")
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if audience not in audiences:
        raise InvalidToolJwt(f"aud {aud!r} does not contain {audience!r}")
    now = clock.now()
    if not isinstance(claims.get("exp"), (int, float)):
        raise InvalidToolJwt("exp is missing or not a number")
    if claims["exp"] <= now:
        raise InvalidToolJwt(f"the JWT expired at {claims['exp']} (now {now})")
    if not isinstance(claims.get("iat"), (int, float)):
        raise InvalidToolJwt("iat is missing or not a number")
    if claims["iat"] > now + CLOCK_SKEW_SECONDS:
        raise InvalidToolJwt(f"iat {claims['iat']} is in the future (now {now})")
