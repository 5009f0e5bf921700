"""Deliberately broken id_tokens, so tests can prove the tool refuses each one.

Each option changes exactly one thing; they are honoured only when DEVLMS_ALLOW_TAMPERING is true.
"""

import base64
import copy
import hashlib
import hmac
import json
import secrets

import jwt
from flask import current_app

from devlms import clock
from devlms.errors import PageError
from devlms.lti import keys
from devlms.lti.constants import DEPLOYMENT_ID, MESSAGE_TYPE, RESOURCE_LINK, ROLES, VERSION
from devlms.lti.models import SigningKey

TAMPER_OPTIONS = {
    "bad_signature": "flip bytes of the signature",
    "unknown_kid": "sign with a fresh key whose kid is not in the platform JWKS",
    "alg_none": "send the token unsigned, with alg none",
    "alg_hs256": "sign with HS256, using the platform's public key PEM as the secret",
    "expired": "exp in the past, iat 10 minutes ago",
    "iat_future": "iat 10 minutes in the future",
    "aud_other": 'aud "someone-else"',
    "aud_list_no_azp": 'aud [client_id, "other-client"] and no azp',
    "aud_list_wrong_azp": 'aud [client_id, "other-client"] and azp "other-client"',
    "wrong_version": 'LTI version "1.1"',
    "unknown_message_type": 'message type "LtiUnknownRequest"',
    "missing_roles": "no roles claim",
    "missing_resource_link": "no resource_link claim",
    "missing_deployment_id": "no deployment_id claim",
    "missing_sub": "no sub claim",
    "unknown_issuer": 'iss "https://unknown.example"',
    "unknown_client_id": 'aud and azp "unknown-client"',
    "unknown_deployment": 'deployment_id "devlms-site-unknown"',
    "nonce_mismatch": "a different nonce than the tool sent",
}

OTHER_CLIENT = "other-client"


def allowed_tampering(requested: str | None) -> tuple[str, ...]:
    """The tamper options of a launch: none unless tampering is allowed; unknown names refused."""
    names = tuple(name.strip() for name in (requested or "").split(",") if name.strip())
    unknown = [name for name in names if name not in TAMPER_OPTIONS]
    if unknown:
        raise PageError(f"Unknown tamper option(s): {', '.join(unknown)}", problems=sorted(TAMPER_OPTIONS))
    return names if current_app.config["DEVLMS_ALLOW_TAMPERING"] else ()


def encode_id_token(claims: dict, options: tuple[str, ...], key: SigningKey) -> str:
    """Sign the id_token, first breaking it as each tamper option says."""
    claims = tamper_claims(claims, options)
    if "alg_none" in options:
        return _join(_signing_input({"alg": "none", "typ": "JWT"}, claims), b"")
    if "alg_hs256" in options:
        # The classic key-confusion attack: a verifier that lets the token pick its algorithm
        # would check this HMAC with the public key it already has.
        header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
        signing_input = _signing_input(header, claims)
        return _join(signing_input, hmac.new(keys.public_key_pem(key), signing_input, hashlib.sha256).digest())
    if "unknown_kid" in options:
        token = jwt.encode(claims, keys.generate_rsa_key(), algorithm="RS256",
                           headers={"kid": f"unknown-{secrets.token_hex(4)}", "typ": "JWT"})
    else:
        token = keys.sign(claims, key)
    if "bad_signature" in options:
        signing_input, encoded_signature = token.rsplit(".", 1)
        signature = bytearray(_b64decode(encoded_signature))
        for index in range(8):
            signature[index] ^= 0xFF
        token = _join(signing_input.encode(), bytes(signature))
    return token


def tamper_claims(claims: dict, options: tuple[str, ...]) -> dict:
    """A copy of the claims with each claim-level tamper option applied."""
    claims = copy.deepcopy(claims)
    client_id = current_app.config["DEVLMS_CLIENT_ID"]
    now = clock.now()
    for option in options:
        match option:
            case "expired":
                claims.update(iat=now - 600, exp=now - 300)
            case "iat_future":
                claims["iat"] = now + 600
            case "aud_other":
                claims["aud"] = "someone-else"
            case "aud_list_no_azp":
                claims["aud"] = [client_id, OTHER_CLIENT]
                claims.pop("azp", None)
            case "aud_list_wrong_azp":
                claims.update(aud=[client_id, OTHER_CLIENT], azp=OTHER_CLIENT)
            case "wrong_version":
                claims[VERSION] = "1.1"
            case "unknown_message_type":
                claims[MESSAGE_TYPE] = "LtiUnknownRequest"
            case "missing_roles":
                claims.pop(ROLES, None)
            case "missing_resource_link":
                claims.pop(RESOURCE_LINK, None)
            case "missing_deployment_id":
                claims.pop(DEPLOYMENT_ID, None)
            case "missing_sub":
                claims.pop("sub", None)
            case "unknown_issuer":
                claims["iss"] = "https://unknown.example"
            case "unknown_client_id":
                claims.update(aud="unknown-client", azp="unknown-client")
            case "unknown_deployment":
                claims[DEPLOYMENT_ID] = "devlms-site-unknown"
            case "nonce_mismatch":
                claims["nonce"] = f"not-the-tools-nonce-{secrets.token_hex(8)}"
    return claims


def _signing_input(header: dict, claims: dict) -> bytes:
    """The `header.payload` part a JWS signature covers."""
    encoded = [_b64encode(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)]
    return ".".join(encoded).encode()


def _join(signing_input: bytes, signature: bytes) -> str:
    """A JWS in compact serialisation: the signing input, a dot, the signature."""
    return f"{signing_input.decode()}.{_b64encode(signature)}"


def _b64encode(data: bytes) -> str:
    """Base64url without padding (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    """Inverse of `_b64encode`."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
