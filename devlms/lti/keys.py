"""The platform's signing key: created on first start, kept in the database, published as a JWKS."""

import secrets

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from jwt.algorithms import RSAAlgorithm

from devlms import clock
from devlms.extensions import db
from devlms.lti.models import SigningKey


def generate_rsa_key() -> RSAPrivateKey:
    """A fresh 2048-bit RSA key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def ensure_signing_key() -> SigningKey:
    """The current signing key, created and stored if the platform has none yet."""
    key = current_signing_key()
    if key is None:
        pem = generate_rsa_key().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        key = SigningKey(kid=f"devlms-{secrets.token_hex(8)}", private_key_pem=pem.decode(), created_at=clock.now())
        db.session.add(key)
    return key


def current_signing_key() -> SigningKey | None:
    """The newest signing key."""
    return db.session.scalar(db.select(SigningKey).order_by(SigningKey.created_at.desc()).limit(1))


def private_key(key: SigningKey) -> RSAPrivateKey:
    """The loaded private key of a stored signing key."""
    return serialization.load_pem_private_key(key.private_key_pem.encode(), password=None)


def public_key_pem(key: SigningKey) -> bytes:
    """The PEM of a signing key's public half."""
    return private_key(key).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def platform_jwks() -> dict:
    """The public keys tools use to verify the platform's messages."""
    keys = db.session.scalars(db.select(SigningKey).order_by(SigningKey.created_at)).all()
    return {"keys": [_public_jwk(key) for key in keys]}


def sign(claims: dict, key: SigningKey) -> str:
    """An RS256 JWT of `claims`, with the key's kid in its header."""
    return jwt.encode(claims, private_key(key), algorithm="RS256", headers={"kid": key.kid, "typ": "JWT"})


def _public_jwk(key: SigningKey) -> dict:
    """One key of the platform JWKS."""
    jwk = RSAAlgorithm.to_jwk(private_key(key).public_key(), as_dict=True)
    return {**jwk, "kid": key.kid, "alg": "RS256", "use": "sig"}
