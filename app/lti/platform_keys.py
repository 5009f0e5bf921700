"""The LMS's public keys: one copy shared by all processes, re-fetched only for an unknown kid.

A refresh happens at most once per JWKS_REFRESH_INTERVAL per registration and by one process at a
time, so forged `kid`s cannot make us hammer the LMS (and a key rotation costs one fetch).
"""
import logging
import time

import jwt
import requests
from flask import current_app
from flask_babel import gettext as _

from app.extensions import db
from app.lti import lms_http
from app.lti.exceptions import InvalidToken, PlatformKeysUnavailable
from app.shared_cache import shared_cache
from app.tenancy.models import Registration

log = logging.getLogger(__name__)

# Keys this process verified with lately: (registration, key set URL, kid) → (key as published, parsed key,
# until when). Only a short-lived copy of the shared cache, so a key the LMS withdrew stops working
# here within JWKS_REFRESH_INTERVAL; it saves a cache read and a key parse on every launch.
_recent_keys: dict[tuple, tuple[dict, jwt.PyJWK, float]] = {}


def _keyset_cache_key(registration: Registration) -> str:
    return f"platform-jwks:{registration.id}"


def remember_key_set(registration: Registration, keyset: dict) -> None:
    """Keep a key set the LMS published as this registration's (as a fetch would): for tools that already hold it,
    such as a benchmark that must not time the fetch."""
    shared_cache().set(_keyset_cache_key(registration), keyset)


def platform_signing_key(registration: Registration, kid: str | None, algorithm: str) -> jwt.PyJWK:
    """The registration's public key with this kid, fetching the key set only when the kid is new."""
    if kid is not None and not isinstance(kid, str):
        # An object or list is no key id (and cannot be looked up: it is unhashable): a clear refusal, not a 500.
        raise InvalidToken(
            _("The id_token's key id (kid) is not text."),
            hint=_("The kid in the token's header must name a key of the LMS's key set, as text; "
                   "check the LMS's key configuration."),
        )
    if not kid:
        raise InvalidToken(
            _("The id_token has no key id (kid) in its header."),
            hint=_("LTI 1.3 platforms must name the signing key with `kid`; check the LMS's key configuration."),
        )
    memo_key = (registration.id, registration.key_set_url, kid)
    jwk, parsed, valid_until = _recent_keys.get(memo_key, (None, None, 0.0))
    if valid_until < time.monotonic():
        jwk = _published_key(registration, kid)
        try:
            parsed = jwt.PyJWK(jwk)
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError, KeyError) as exc:
            raise PlatformKeysUnavailable(
                _("The LMS's key set is not a JSON Web Key Set."),
                hint=_("%(url)s must return JSON with a 'keys' list (%(problem)s).", url=registration.key_set_url,
                       problem=f"key {kid!r} is not a usable public key: {exc}"),
            ) from exc
        _recent_keys[memo_key] = (jwk, parsed, time.monotonic() + current_app.config["JWKS_REFRESH_INTERVAL"])
    if jwk.get("alg", algorithm) != algorithm:
        raise InvalidToken(
            _(
                "The id_token says it uses %(algorithm)s, but the LMS's key %(kid)s is for %(key_algorithm)s.",
                algorithm=algorithm, kid=repr(kid), key_algorithm=jwk["alg"],
            ),
        )
    return parsed


def _published_key(registration: Registration, kid: str) -> dict:
    """The JWK with this kid from the shared copy of the key set, refreshed if the kid is new to it."""
    cache = shared_cache()
    jwk = _find_key(cache.get(_keyset_cache_key(registration)), kid)
    if jwk is None:
        jwk = _find_key(_refresh_keyset(registration, cache), kid)
    if jwk is None:
        raise InvalidToken(
            _("The id_token was signed with a key the LMS does not publish."),
            hint=_(
                "The key id %(kid)s is not in the LMS's key set at %(url)s. "
                "If the LMS rotated its keys, try again in a minute.",
                kid=repr(kid), url=registration.key_set_url,
            ),
        )
    return jwk


def _find_key(keyset: dict | None, kid: str) -> dict | None:
    for jwk in (keyset or {}).get("keys", []):
        if jwk.get("kid") == kid:
            return jwk
    return None


def _refresh_keyset(registration: Registration, cache) -> dict | None:
    """Fetch the key set if no process did so within the refresh interval; else use (or wait for) theirs."""
    config = current_app.config
    lock_key = f"platform-jwks-refresh:{registration.id}"
    if cache.add(lock_key, True, ttl=config["JWKS_REFRESH_INTERVAL"]):
        keyset = fetch_keyset(registration.key_set_url)
        cache.set(_keyset_cache_key(registration), keyset)
        # Publish the fetch and the rate-limit mark now, whatever becomes of this launch:
        # a rolled-back refresh would let the next forged kid fetch again.
        db.session.commit()
        return keyset
    # Another process refreshed recently or is refreshing now (with the database cache its `add`
    # made ours wait for its commit); with Redis, give its fetch a moment to land.
    deadline = time.monotonic() + config["JWKS_WAIT_FOR_OTHER_FETCH"]
    keyset = cache.get(_keyset_cache_key(registration))
    while keyset is None and time.monotonic() < deadline:
        time.sleep(0.05)
        keyset = cache.get(_keyset_cache_key(registration))
    return keyset


def fetch_keyset(url: str) -> dict:
    """GET the platform's JWKS, with timeouts, explaining any failure with the LMS's own answer."""
    log.info("fetching platform key set %s", url)
    try:
        # A launch waits on this: a slow key set must not hold the launch's thread for the general deadline.
        response = lms_http.request("GET", url, deadline=current_app.config["KEY_SET_DEADLINE_SECONDS"])
    except requests.RequestException as exc:
        raise PlatformKeysUnavailable(
            _("The LMS's public keys could not be fetched."),
            hint=_(
                "%(url)s did not answer (%(error)s). Check the key set URL of this registration.",
                url=url, error=lms_http.describe(exc),
            ),
        ) from exc
    if response.status_code != 200:
        raise PlatformKeysUnavailable(
            _("The LMS's public keys could not be fetched."),
            hint=_(
                "%(url)s answered HTTP %(status)s: %(answer)s",
                url=url, status=response.status_code, answer=response.text[:300],
            ),
        )
    try:
        keyset = lms_http.json_answer(response, dict, "the key set")
        if not isinstance(keyset.get("keys"), list):
            raise ValueError("no 'keys' list")
        if not all(isinstance(key, dict) for key in keyset["keys"]):
            raise ValueError("every entry of 'keys' must be a JSON object")
    except (ValueError, AttributeError) as exc:
        raise PlatformKeysUnavailable(
            _("The LMS's key set is not a JSON Web Key Set."),
            hint=_("%(url)s must return JSON with a 'keys' list (%(problem)s).", url=url, problem=exc),
        ) from exc
    return keyset
