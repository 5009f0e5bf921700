"""Key wrapping and key ids shared by the tool's LTI keys (app.lti.keys) and its badge keys (app.badges.keys)."""
import hashlib
import json

from cryptography.fernet import Fernet, MultiFernet
from flask import current_app
from jwt.utils import base64url_encode


def key_encryption() -> MultiFernet:
    """The first configured key encrypts; every configured key can decrypt (so the KEK can rotate)."""
    keys = [k.strip() for k in current_app.config["KEY_ENCRYPTION_KEYS"].split(",") if k.strip()]
    return MultiFernet([Fernet(k) for k in keys])


def jwk_thumbprint(public_jwk: dict) -> str:
    """The RFC 7638 thumbprint of an RSA or (RFC 8037) OKP public JWK: the key's id (kid)."""
    members = ("crv", "kty", "x") if public_jwk["kty"] == "OKP" else ("e", "kty", "n")
    canonical = json.dumps({k: public_jwk[k] for k in members}, separators=(",", ":"), sort_keys=True)
    return base64url_encode(hashlib.sha256(canonical.encode()).digest()).decode()
