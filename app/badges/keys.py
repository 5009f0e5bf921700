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
from app.extensions import db
from app.lti.keys import _key_encryption, _thumbprint  # the same KEK wrapping and RFC 7638 kid as the LTI keys

log = logging.getLogger(__name__)
ALGORITHM = "RS256"  # the VC-JWT algorithm every OB 3.0 verifier must support


def create_badge_key() -> BadgeKey:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    public_jwk = {"kty": jwk["kty"], "n": jwk["n"], "e": jwk["e"]}
    pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    key = BadgeKey(thumbprint=_thumbprint(public_jwk), private_key_encrypted=_key_encryption().encrypt(pem),
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


def sign_jwt(payload: dict) -> tuple[str, str]:
    """A compact JWS of the payload with the active badge key: (token, kid URL). Headers: alg, kid, typ only."""
    key = active_badge_key()
    private_key = _private_key(key.private_key_encrypted, current_app.config["KEY_ENCRYPTION_KEYS"])
    kid = kid_url(key)
    return jwt.encode(payload, private_key, algorithm=ALGORITHM, headers={"kid": kid, "typ": "JWT"}), kid


@lru_cache(maxsize=4)
def _private_key(encrypted: bytes, key_encryption_keys: str) -> rsa.RSAPrivateKey:
    """The decrypted, parsed key, kept per process: parsing a PEM RSA key checks it (≈ 20–70 ms here, most of an
    award's time in `make bench`). The active key is still read from the database on every signature, so a
    rotation (new key; the old one's private half wiped) takes effect at once; the KEKs are part of the key."""
    return serialization.load_pem_private_key(_key_encryption().decrypt(encrypted), password=None)


def external_url(endpoint: str, **values) -> str:
    """A public URL under BASE_URL, never the request's host: credentials outlive the request that made them."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)
