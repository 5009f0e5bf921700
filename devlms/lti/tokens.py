"""OAuth 2.0 access tokens for the LTI services: issued for a client assertion, checked on every call."""

import hashlib
import secrets
from collections.abc import Mapping

from devlms import clock
from devlms.errors import InvalidBearerToken, OAuthError
from devlms.extensions import db
from devlms.lti.constants import CLIENT_CREDENTIALS, JWT_BEARER_ASSERTION, TOOL_SCOPES
from devlms.lti.models import AccessToken, UsedAssertion
from devlms.lti.tool_keys import InvalidToolJwt, verify_tool_jwt
from devlms.urls import platform_url

ACCESS_TOKEN_LIFETIME_SECONDS = 3600


def issue_access_token(form: Mapping[str, str], content_type: str | None) -> dict:
    """The token response for a client-credentials request with a JWT client assertion (RFC 7523)."""
    if (content_type or "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise OAuthError("the token request must be a form post (application/x-www-form-urlencoded)")
    missing = [name for name in ("grant_type", "client_assertion_type", "client_assertion", "scope")
               if not form.get(name)]
    if missing:
        raise OAuthError(f"missing form parameter(s): {', '.join(missing)}")
    if form["grant_type"] != CLIENT_CREDENTIALS:
        raise OAuthError(f"grant_type must be {CLIENT_CREDENTIALS!r}", error="unsupported_grant_type")
    if form["client_assertion_type"] != JWT_BEARER_ASSERTION:
        raise OAuthError(f"client_assertion_type must be {JWT_BEARER_ASSERTION!r}", error="invalid_request")

    assertion = _verified_assertion(form["client_assertion"])
    requested = form["scope"].split()
    granted = [scope for scope in requested if scope in TOOL_SCOPES]
    if not granted:
        raise OAuthError(f"none of the requested scopes is allowed for this tool: {requested}", error="invalid_scope")

    _remember_assertion(assertion)
    token = secrets.token_urlsafe(32)
    db.session.add(AccessToken(
        token_hash=_hash(token), scopes=" ".join(granted), expires_at=clock.now() + ACCESS_TOKEN_LIFETIME_SECONDS
    ))
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_LIFETIME_SECONDS,
        "scope": " ".join(granted),
    }


def authorize_bearer(authorization: str | None, *accepted_scopes: str) -> AccessToken:
    """The access token of a service call, if it is valid and carries one of the accepted scopes."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidBearerToken("an 'Authorization: Bearer <access token>' header is required",
                                 error="invalid_request")
    access_token = db.session.get(AccessToken, _hash(token.strip()))
    if access_token is None:
        raise InvalidBearerToken("the access token is not one this platform issued")
    if access_token.expires_at <= clock.now():
        raise InvalidBearerToken("the access token has expired")
    if not set(accepted_scopes).intersection(access_token.scope_list):
        raise InvalidBearerToken(f"the access token lacks the scope this call needs: one of {list(accepted_scopes)}",
                                 error="insufficient_scope")
    return access_token


def _verified_assertion(assertion: str) -> dict:
    """The claims of a client assertion that passes every check of the LTI Security Framework."""
    token_url = platform_url("lti.token")
    try:
        claims = verify_tool_jwt(assertion, audience=token_url)
    except InvalidToolJwt as error:
        # RFC 7523 section 3.2: a client assertion that fails any check is "invalid_client".
        raise OAuthError(f"client assertion rejected: {error}", error="invalid_client", status=401) from None
    if claims.get("sub") != claims["iss"]:
        raise OAuthError(f"client assertion rejected: sub {claims.get('sub')!r} must equal iss {claims['iss']!r}",
                         error="invalid_client", status=401)
    if not claims.get("jti"):
        raise OAuthError("client assertion rejected: jti is missing", error="invalid_client", status=401)
    if db.session.get(UsedAssertion, str(claims["jti"])) is not None:
        raise OAuthError(f"client assertion rejected: jti {claims['jti']!r} was already used (a replay)",
                         error="invalid_client", status=401)
    return claims


def _remember_assertion(claims: dict) -> None:
    """Record the assertion's jti so it cannot be used again, and forget jtis of expired assertions."""
    now = clock.now()
    db.session.execute(db.delete(UsedAssertion).where(UsedAssertion.expires_at < now))
    db.session.add(UsedAssertion(jti=str(claims["jti"]), expires_at=int(claims["exp"])))


def _hash(token: str) -> str:
    """Tokens are kept only as hashes."""
    return hashlib.sha256(token.encode()).hexdigest()
