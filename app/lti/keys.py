"""The tool's own signing keys: made, encrypted at rest, published as a JWKS (rotation: a later issue)."""
import hashlib
import json

import jwt
from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app
from jwt.utils import base64url_encode
from sqlalchemy import select

from app.extensions import db
from app.lti.models import ToolKey


def _key_encryption() -> MultiFernet:
    """The first configured key encrypts; every configured key can decrypt (so the KEK can rotate)."""
    keys = [k.strip() for k in current_app.config["KEY_ENCRYPTION_KEYS"].split(",") if k.strip()]
    return MultiFernet([Fernet(k) for k in keys])


def create_tool_key() -> ToolKey:
    """Generate an RSA-2048 key; its kid is the RFC 7638 thumbprint of the public key."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    kid = _thumbprint(public_jwk)
    public_jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key = ToolKey(kid=kid, private_key_encrypted=_key_encryption().encrypt(pem), public_jwk=public_jwk)
    db.session.add(key)
    return key


def _thumbprint(public_jwk: dict) -> str:
    canonical = json.dumps({k: public_jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    return base64url_encode(hashlib.sha256(canonical.encode()).digest()).decode()


def ensure_active_tool_key() -> ToolKey:
    """The key the tool signs with now, made on first use."""
    key = active_tool_key()
    return key or create_tool_key()


def active_tool_key() -> ToolKey | None:
    return db.session.scalars(
        select(ToolKey).where(ToolKey.status == ToolKey.ACTIVE).order_by(ToolKey.created_at.desc())
    ).first()


def private_key_pem(key: ToolKey) -> str:
    return _key_encryption().decrypt(key.private_key_encrypted).decode()


def published_jwks() -> dict:
    """Every key a platform may still see a signature from: active and retired."""
    keys = db.session.scalars(select(ToolKey).order_by(ToolKey.created_at)).all()
    return {"keys": [key.public_jwk for key in keys]}
