"""Badge signing keys: separate from the LTI keys, encrypted at rest, rotatable, and published by kid for good.

A credential names its key by a kid URL that answers with the public JWK. Rotating makes a new key sign from
now on and wipes the old private key, but the old public key stays published at its kid URL, so every
credential it signed still verifies for as long as it is valid (badge credentials are kept for years).
"""
import json
import logging
from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app
from sqlalchemy import select

from app.badges.models import BadgeKey
from app.crypto import jwk_thumbprint, key_encryption  # the same KEK wrapping and RFC 7638 kid as the LTI keys
from app.extensions import db

log = logging.getLogger(__name__)
ALGORITHM = "RS256"  # the VC-JWT algorithm every OB 3.0 verifier must support


def create_badge_key() -> BadgeKey:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    public_jwk = {"kty": jwk["kty"], "n": jwk["n"], "e": jwk["e"]}
    pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    key = BadgeKey(thumbprint=jwk_thumbprint(public_jwk), private_key_encrypted=key_encryption().encrypt(pem),
                   public_jwk=public_jwk, status=BadgeKey.ACTIVE)
    db.session.add(key)
    db.session.flush()
    return key


def active_badge_key() -> BadgeKey:
    """The key that signs now, made on first use; two processes making the first one at once keep the older."""
    key = db.session.scalars(select(BadgeKey).where(BadgeKey.status == BadgeKey.ACTIVE)
                             .order_by(BadgeKey.created_at, BadgeKey.id)).first()
    return key or create_badge_key()


def rotate_badge_key(now: datetime) -> BadgeKey:
    """A new key signs from now; the old ones lose their private half and stay published."""
    for old in db.session.scalars(select(BadgeKey).where(BadgeKey.status == BadgeKey.ACTIVE)):
        old.status, old.retired_at, old.private_key_encrypted = BadgeKey.RETIRED, now, b""
    key = create_badge_key()
    log.info("badge key %s signs from now on; earlier badge keys retired (still published)", key.thumbprint)
    return key


def key_by_thumbprint(thumbprint: str) -> BadgeKey | None:
    return db.session.scalars(select(BadgeKey).where(BadgeKey.thumbprint == thumbprint)).first()


def kid_url(key: BadgeKey) -> str:
    return external_url("badges.public_key", thumbprint=key.thumbprint)


def published_keys() -> list[BadgeKey]:
    return list(db.session.scalars(select(BadgeKey).order_by(BadgeKey.created_at, BadgeKey.id)))


def active_private_key() -> rsa.RSAPrivateKey:
    """The active badge key's private half, parsed: what sign_jwt signs with (a benchmark's floor signs with it)."""
    row = active_badge_key()
    return _private_key(row.private_key_encrypted, current_app.config["KEY_ENCRYPTION_KEYS"])


def sign_jwt(payload: dict, active_thumbprint: str | None = None) -> tuple[str, str]:
    """A compact JWS of the payload with the active badge key: (token, kid URL). Headers: alg, kid, typ only.

    `active_thumbprint`: the active key as the caller read it in its own query (no query here then, once this
    process has parsed that key); without it the active key is read here."""
    key = None if active_thumbprint is None else _parsed_keys.get(active_thumbprint)
    if key is None:
        row = key_by_thumbprint(active_thumbprint) if active_thumbprint else None
        if row is None or row.status != BadgeKey.ACTIVE:
            row = active_badge_key()
        key = _parsed_keys[row.thumbprint] = _private_key(row.private_key_encrypted,
                                                          current_app.config["KEY_ENCRYPTION_KEYS"])
        active_thumbprint = row.thumbprint
    kid = external_url("badges.public_key", thumbprint=active_thumbprint)
    return jwt.encode(payload, key, algorithm=ALGORITHM, headers={"kid": kid, "typ": "JWT"}), kid


# thumbprint → parsed private key, per process: a thumbprint names one key pair for good (RFC 7638), and only
# the active key's thumbprint is ever looked up here, so a rotation takes effect at the caller's next read.
_parsed_keys: dict[str, rsa.RSAPrivateKey] = {}


@lru_cache(maxsize=4)
def _private_key(encrypted: bytes, key_encryption_keys: str) -> rsa.RSAPrivateKey:
    """The decrypted, parsed key, kept per process: parsing a PEM RSA key checks it (≈ 20–70 ms here)."""
    return serialization.load_pem_private_key(key_encryption().decrypt(encrypted), password=None)


def external_url(endpoint: str, **values) -> str:
    """A public URL under BASE_URL, never the request's host: credentials outlive the request that made them."""
    base_url = current_app.config["BASE_URL"]
    cached = current_app.extensions.get("badge_url_adapter")
    if cached is None or cached[0] != base_url:  # an adapter per app and BASE_URL: a credential builds ten URLs
        base = urlsplit(base_url)
        cached = current_app.extensions["badge_url_adapter"] = (
            base_url, current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme))
    return cached[1].build(endpoint, values, force_external=True)
