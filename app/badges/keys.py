"""Badge signing keys: each organisation's own, separate from the LTI keys, encrypted at rest, rotatable, and
published by kid for good (docs/badges.md, "Keys").

An organisation signs with two keys at a time: RS256 for the VC-JWT (the algorithm every OB 3.0 verifier must
support) and Ed25519 for the JSON credential's embedded `eddsa-rdfc-2022` proof. A credential names its key by a
kid URL that answers with the public key. Rotating makes new keys sign from then on; the old ones stay published
and keep their encrypted private half for one job only: re-signing their own status lists, because a verifier
checks a credential's status list with the key that signed the credential.
"""
import json
import logging
from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from flask import current_app
from sqlalchemy import or_, select

from app.badges.models import BadgeKey
from app.crypto import jwk_thumbprint, key_encryption  # the same KEK wrapping and RFC 7638 kid as the LTI keys
from app.extensions import db

log = logging.getLogger(__name__)
ALGORITHM = "RS256"  # the VC-JWT algorithm every OB 3.0 verifier must support
JWS_ALGORITHMS = {BadgeKey.RS256: "RS256", BadgeKey.ED25519: "EdDSA"}  # a key's algorithm → its JWS `alg`
PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


def create_badge_key(organisation_id: int, algorithm: str = BadgeKey.RS256) -> BadgeKey:
    if algorithm == BadgeKey.RS256:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
        public_jwk = {"kty": jwk["kty"], "n": jwk["n"], "e": jwk["e"]}
    else:
        private_key = ed25519.Ed25519PrivateKey.generate()
        jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(private_key.public_key()))
        public_jwk = {"kty": "OKP", "crv": "Ed25519", "x": jwk["x"]}
    pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    key = BadgeKey(organisation_id=organisation_id, algorithm=algorithm, thumbprint=jwk_thumbprint(public_jwk),
                   private_key_encrypted=key_encryption().encrypt(pem), public_jwk=public_jwk, status=BadgeKey.ACTIVE)
    db.session.add(key)
    db.session.flush()
    return key


def active_badge_key(organisation_id: int, algorithm: str = BadgeKey.RS256) -> BadgeKey:
    """The organisation's key that signs now, made on first use; two processes making the first one at once both
    sign with their own until the next read, which keeps the older (both stay published, both verify)."""
    key = db.session.scalars(
        select(BadgeKey).where(BadgeKey.organisation_id == organisation_id, BadgeKey.algorithm == algorithm,
                               BadgeKey.status == BadgeKey.ACTIVE)
        .order_by(BadgeKey.created_at, BadgeKey.id)).first()
    return key or create_badge_key(organisation_id, algorithm)


def rotate_badge_keys(organisation_id: int, now: datetime) -> list[BadgeKey]:
    """New keys sign from now on; the organisation's old ones retire: still published, still signing their lists."""
    for old in db.session.scalars(select(BadgeKey).where(BadgeKey.organisation_id == organisation_id,
                                                         BadgeKey.status == BadgeKey.ACTIVE)):
        old.status, old.retired_at = BadgeKey.RETIRED, now
    keys = [create_badge_key(organisation_id, algorithm) for algorithm in JWS_ALGORITHMS]
    log.info("organisation %s: badge keys %s sign from now on; earlier ones retired (still published)",
             organisation_id, ", ".join(key.thumbprint for key in keys))
    return keys


def key_by_thumbprint(thumbprint: str) -> BadgeKey | None:
    return db.session.scalars(select(BadgeKey).where(BadgeKey.thumbprint == thumbprint)).first()


def kid_url(key: BadgeKey) -> str:
    return external_url("badges.public_key", thumbprint=key.thumbprint)


def published_keys(organisation_id: int) -> list[BadgeKey]:
    """The keys that may have signed the organisation's credentials: its own, active and retired, and the
    installation's from before keys were per organisation."""
    return list(db.session.scalars(
        select(BadgeKey).where(or_(BadgeKey.organisation_id == organisation_id, BadgeKey.organisation_id.is_(None)))
        .order_by(BadgeKey.created_at, BadgeKey.id)))


def private_key(key: BadgeKey) -> PrivateKey:
    """The key's private half, decrypted and parsed (kept per process); a legacy key retired before private halves
    were kept has none (LookupError)."""
    if not key.private_key_encrypted:
        raise LookupError(f"badge key {key.thumbprint} has no private half (retired before issue 25 kept them)")
    return _private_key(key.private_key_encrypted, current_app.config["KEY_ENCRYPTION_KEYS"])


def active_private_key(organisation_id: int) -> rsa.RSAPrivateKey:
    """The organisation's active RS256 key's private half, parsed (a benchmark's floor signs with it)."""
    return private_key(active_badge_key(organisation_id))


def sign_jwt(payload: dict, organisation_id: int, thumbprint: str | None = None) -> tuple[str, str]:
    """A compact JWS of the payload: (token, kid URL). Headers: alg, kid, typ only.

    `thumbprint`: the key to sign with (the organisation's active RS256 key as the caller read it in its own query,
    or a retired key re-signing its status list); None or a key that is no longer active for a credential: the
    organisation's active RS256 key, read here. Once parsed, a key is kept per process (a thumbprint names one
    key pair for good, RFC 7638)."""
    parsed = _parsed_keys.get(thumbprint) if thumbprint else None
    if parsed is None:
        row = key_by_thumbprint(thumbprint) if thumbprint else None
        if row is None or row.organisation_id not in (organisation_id, None) or not row.private_key_encrypted:
            row = active_badge_key(organisation_id)
        parsed = _parsed_keys[row.thumbprint] = (private_key(row), JWS_ALGORITHMS[row.algorithm])
        thumbprint = row.thumbprint
    key, algorithm = parsed
    kid = external_url("badges.public_key", thumbprint=thumbprint)
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid, "typ": "JWT"}), kid


# thumbprint → (parsed private key, JWS alg), per process.
_parsed_keys: dict[str, tuple[PrivateKey, str]] = {}


@lru_cache(maxsize=16)
def _private_key(encrypted: bytes, key_encryption_keys: str) -> PrivateKey:
    """The decrypted, parsed key, kept per process: parsing a PEM RSA key checks it (≈ 20–70 ms here)."""
    return serialization.load_pem_private_key(key_encryption().decrypt(encrypted), password=None)


def public_key(key: BadgeKey):
    """The key's public half as a cryptography object (for verifying)."""
    return jwt.PyJWK(key.public_jwk, algorithm=JWS_ALGORITHMS[key.algorithm]).key


def external_url(endpoint: str, **values) -> str:
    """A public URL under BASE_URL, never the request's host: credentials outlive the request that made them.

    Built URLs are kept per app and BASE_URL (at most URL_MEMO, then forgotten all at once): a credential names
    about twelve, nearly all the same for every award of a badge, and werkzeug builds one in ~50 µs — as much,
    per credential, as its RS256 signature."""
    base_url = current_app.config["BASE_URL"]
    cached = current_app.extensions.get("badge_url_adapter")
    if cached is None or cached[0] != base_url:  # an adapter per app and BASE_URL
        base = urlsplit(base_url)
        cached = current_app.extensions["badge_url_adapter"] = (
            base_url, current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme), {})
    built = cached[2]
    key = (endpoint, *sorted(values.items()))
    url = built.get(key)
    if url is None:
        if len(built) >= URL_MEMO:
            built.clear()
        url = built[key] = cached[1].build(endpoint, values, force_external=True)
    return url


URL_MEMO = 4096
