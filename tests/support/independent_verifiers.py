"""Two verifiers of eddsa-rdfc-2022 proofs that share no code with app.badges.data_integrity: openbadgeslib's
OB3LdpVerifier (Python, with its own bundled contexts) and Digital Bazaar's @digitalbazaar/vc (Node, its own RDF
canonicaliser). Neither reaches the network, and neither checks the credential's status: the tests do that."""
import json
import shutil
import subprocess
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from openbadgeslib.ob3.ldp import OB3LdpVerifier

from tests.support.badges import SPEC

NODE = shutil.which("node")
VERIFY_SCRIPT = Path(__file__).with_name("verify_data_integrity.mjs")
CONTEXT_FILES = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "ob-v3p0-extensions.json",
}


def bundled_contexts() -> dict[str, dict]:
    """The contexts an OB 3.0 credential names, from the spec copies in ../shared/spec/ob3 (not the project's)."""
    return {url: json.loads((SPEC / name).read_text(encoding="utf-8")) for url, name in CONTEXT_FILES.items()}


def jws_2020_context() -> dict[str, dict]:
    """The JsonWebKey2020 context the issuer Profile names for its RSA keys, from pyld's bundled copy."""
    import pyld

    path = Path(pyld.__file__).parent / "documentloader" / "frozen" / "bundled" / "security-jws-2020-v1.jsonld"
    return {"https://w3id.org/security/suites/jws-2020/v1": json.loads(path.read_text(encoding="utf-8"))}


def verify_with_digital_bazaar(credential: dict, documents: dict[str, dict]) -> dict:
    """{"verified": bool, "error": str} from @digitalbazaar/vc's verifyCredential with the eddsa-rdfc-2022 suite.

    `documents` (URL → JSON) are all its document loader serves besides the OB contexts (added here) and the
    security, Multikey and Data Integrity contexts Digital Bazaar's packages ship: the verification method and its
    controller document must be among them.
    """
    request = {"credential": credential, "documents": {**bundled_contexts(), **documents}}
    completed = subprocess.run([NODE, str(VERIFY_SCRIPT)], input=json.dumps(request), capture_output=True,
                               text=True, timeout=60, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"verify_data_integrity.mjs crashed ({completed.returncode}): {completed.stderr}")
    return json.loads(completed.stdout)


def verify_with_openbadgeslib(credential: dict, public_key: Ed25519PublicKey):
    """openbadgeslib's OpenBadgeCredential if the proof verifies with this key; raises OB3VerificationError if not.

    The key is pinned, so the verificationMethod is not resolved; canonicalisation uses openbadgeslib's own bundled
    contexts (it refuses any other), and the status list is not fetched (check_status=False).
    """
    pem = public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    return OB3LdpVerifier(pubkey_pem=pem).verify(credential, check_status=False)
