"""The tool's own signing keys: made, encrypted at rest, published as a JWKS, rotated.

Rotation publishes the new key before it signs anything (platforms that cache our JWKS see it first),
keeps the old one published for a grace period (signatures made just before still verify), then
retires it. `advance_key_rotation` moves keys along; the worker runs it periodically.
"""
import json
import logging
from datetime import datetime, timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app
from sqlalchemy import select

from app.clock import as_utc
from app.crypto import jwk_thumbprint, key_encryption
from app.errors import AppError
from app.extensions import db
from app.lti.models import ToolKey

log = logging.getLogger(__name__)


class RotationUnderWay(AppError):
    status = 409


def create_tool_key(status: str = ToolKey.ACTIVE, activates_at: datetime | None = None) -> ToolKey:
    """Generate an RSA-2048 key; its kid is the RFC 7638 thumbprint of the public key."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    kid = jwk_thumbprint(public_jwk)
    public_jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key = ToolKey(
        kid=kid, private_key_encrypted=key_encryption().encrypt(pem), public_jwk=public_jwk,
        status=status, activates_at=activates_at,
    )
    db.session.add(key)
    return key


def ensure_active_tool_key() -> ToolKey:
    """The key the tool signs with now, made on first use."""
    key = active_tool_key()
    return key or create_tool_key()


def active_tool_key() -> ToolKey | None:
    return _keys_in(ToolKey.ACTIVE).first()


def _keys_in(*statuses: str):
    return db.session.scalars(select(ToolKey).where(ToolKey.status.in_(statuses)).order_by(ToolKey.created_at))


def private_key_pem(key: ToolKey) -> str:
    return key_encryption().decrypt(key.private_key_encrypted).decode()


def sign_tool_jwt(claims: dict) -> str:
    """Sign with the active key, naming it by kid (client assertions, deep-linking responses)."""
    key = active_tool_key()
    if key is None:
        raise LookupError("The tool has no signing key yet: run `flask lti keys ensure`.")
    return jwt.encode(claims, private_key_pem(key), algorithm=key.algorithm, headers={"kid": key.kid, "typ": "JWT"})


def published_jwks() -> dict:
    """Every key a platform may see a signature from now or soon: next, active and retiring."""
    return {"keys": [key.public_jwk for key in _keys_in(*ToolKey.PUBLISHED)]}


def rotate_tool_keys(now: datetime, *, publish_ahead: timedelta) -> ToolKey:
    """Publish a new key now; it starts signing after `publish_ahead` (at the next advance after that)."""
    pending = _keys_in(ToolKey.NEXT).first()
    if pending is not None:
        raise RotationUnderWay(
            f"A rotation is already under way: key {pending.kid} starts signing at {as_utc(pending.activates_at)}.",
            hint="Wait for it (the worker advances it), or run `flask lti keys advance` once it is due.",
        )
    key = create_tool_key(status=ToolKey.NEXT, activates_at=now + publish_ahead)
    log.info("tool key %s published; it signs from %s", key.kid, key.activates_at)
    return key


def advance_key_rotation(now: datetime) -> list[str]:
    """Activate a due next key (the old active one starts retiring), retire keys past their grace; say what moved."""
    config = current_app.config
    moves = []
    due = [key for key in _keys_in(ToolKey.NEXT) if as_utc(key.activates_at) <= now]
    if due:
        for old in _keys_in(ToolKey.ACTIVE):
            old.status, old.retire_at = ToolKey.RETIRING, now + timedelta(seconds=config["TOOL_KEY_GRACE_SECONDS"])
            moves.append(f"{old.kid} retiring until {old.retire_at}")
        due[-1].status = ToolKey.ACTIVE
        moves.append(f"{due[-1].kid} active")
    for key in _keys_in(ToolKey.RETIRING):
        if as_utc(key.retire_at) <= now:
            key.status, key.private_key_encrypted = ToolKey.RETIRED, b""  # nothing can sign with it again
            moves.append(f"{key.kid} retired")
    if _scheduled_rotation_due(now):
        key = rotate_tool_keys(now, publish_ahead=timedelta(seconds=config["TOOL_KEY_PUBLISH_AHEAD_SECONDS"]))
        moves.append(f"{key.kid} published (scheduled rotation)")
    for move in moves:
        log.info("tool key rotation: %s", move)
    return moves


def _scheduled_rotation_due(now: datetime) -> bool:
    """With TOOL_KEY_ROTATION_DAYS set, the active key is that old and no rotation is under way."""
    days = current_app.config["TOOL_KEY_ROTATION_DAYS"]
    active = active_tool_key()
    return bool(
        days and active and _keys_in(ToolKey.NEXT).first() is None
        and as_utc(active.created_at) <= now - timedelta(days=days)
    )


def rewrap_private_keys() -> int:
    """Re-encrypt every private key with the first key-encryption key (after adding a new KEK in front)."""
    fernet = key_encryption()
    keys = [key for key in _keys_in(*ToolKey.PUBLISHED)]
    for key in keys:
        key.private_key_encrypted = fernet.rotate(key.private_key_encrypted)
    return len(keys)
