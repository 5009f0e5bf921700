"""The values an LMS admin types into their LMS to register this tool by hand, computed from BASE_URL and the
tool's current key (itslearning takes them through its App Library form; Moodle, Canvas, Blackboard
and Brightspace through their own forms)."""
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives import serialization

from app.lti.constants import AGS_SCOPES, MODULE_PARAMETER, NRPS_SCOPES
from app.lti.keys import active_tool_key
from app.lti.tool_urls import ToolUrls

# Gradebook columns the tool makes (Deep Linking's lineItem, or found/created by grade passback): resourceId is
# the module id, or "path" for a whole-path link; the tag says which.
PATH_RESOURCE_ID = "path"
MODULE_LINE_ITEM_TAG = "rexvet-module"
PATH_LINE_ITEM_TAG = "rexvet-path"
EXAMPLE_MODULE_ID = "intercultural-explorer-1"


@dataclass(frozen=True)
class ToolValues:
    base_url: str
    domain: str
    login_url: str
    launch_url: str
    target_link_uri: str
    deep_linking_url: str
    jwks_url: str
    kid: str | None
    public_jwk: str | None  # JSON text, as LMSs that take "the key itself" want it
    public_key_pem: str | None
    custom_parameter_example: str = f"{MODULE_PARAMETER}={EXAMPLE_MODULE_ID}"
    ags_scopes: tuple = AGS_SCOPES
    nrps_scopes: tuple = NRPS_SCOPES


def tool_values(base_url: str) -> ToolValues:
    """Login, redirect and key set URLs under `base_url`, and the public half of the key the tool signs with now."""
    urls = ToolUrls.for_base(base_url)  # the same endpoints Dynamic Registration tells the LMS
    key = active_tool_key()
    public_jwk = public_key_pem = None
    if key is not None:
        public_jwk = json.dumps(key.public_jwk, indent=2, sort_keys=True)
        public_key_pem = (
            jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(key.public_jwk))
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
            .strip()
        )
    return ToolValues(
        base_url=urls.base_url,
        domain=urlsplit(urls.base_url).netloc,
        login_url=urls.login_url,
        launch_url=urls.launch_url,
        # The launch endpoint routes by message type, so it is also where Deep Linking requests go.
        target_link_uri=urls.launch_url,
        deep_linking_url=urls.launch_url,
        jwks_url=urls.jwks_url,
        kid=key.kid if key else None,
        public_jwk=public_jwk,
        public_key_pem=public_key_pem,
    )
