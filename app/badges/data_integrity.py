"""Open Badges 3.0 embedded proofs: a Data Integrity `DataIntegrityProof` with the `eddsa-rdfc-2022` cryptosuite
(W3C "Data Integrity EdDSA Cryptosuites v1.0", §3.3): Ed25519 over RDF-canonicalised (RDFC-1.0) N-Quads.

Pure functions: no Flask, no database. The JSON-LD contexts come from bundled copies only; nothing is ever fetched.

    hashData = SHA-256(canonical proof configuration) || SHA-256(canonical document)
    proofValue = "z" + base58btc(Ed25519 signature of hashData)

The proof configuration is the proof without `proofValue`, given the secured document's `@context` (the spec's
"Proof Configuration" step), so its terms mean what they mean in the credential.
"""
import copy
import functools
import hashlib
import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

# pyld (with lxml and its document loaders, about 5 MB per process) is imported in the functions that canonicalise,
# not here: a web worker loads it at its first credential download or verification, not at start (issue 30).

CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_TYPE = "DataIntegrityProof"
PROOF_PURPOSE = "assertionMethod"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# Defines 1EdTechJsonSchemaValidator2019 (a credentialSchema's type), which neither context above does: without it
# RDF canonicalisation drops that type (pyld silently; strict verifiers refuse the credential).
OB_V3P0_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
ED25519_MULTICODEC = b"\xed\x01"  # the multicodec varint of ed25519-pub (0xed)

_CONTEXT_DIRECTORY = Path(__file__).parent / "contexts"
# Every context this module will ever resolve: URL → file (None: pyld's own copy). Anything else is refused.
BUNDLED = {
    CREDENTIALS_V2: None,  # pyld's own copy of the W3C VC 2.0 context
    OB_V3P0_CONTEXT: _CONTEXT_DIRECTORY / "ob-v3p0-context-3.0.3.json",  # see contexts/README.md
    OB_V3P0_EXTENSIONS: _CONTEXT_DIRECTORY / "ob-v3p0-extensions.json",
}


class ProofInvalid(ValueError):
    """The document carries no acceptable eddsa-rdfc-2022 proof, or its signature does not match."""


@functools.cache
def _context(url: str) -> dict:
    """The parsed context, read once per process."""
    path = BUNDLED[url]
    if path is None:
        from pyld.documentloader.frozen import BUNDLED_CONTEXTS

        path = BUNDLED_CONTEXTS[url]
    return json.loads(path.read_text(encoding="utf-8"))


def document_loader(url: str, options=None) -> dict:
    """A pyld document loader serving the bundled contexts only; any other URL raises pyld's JsonLdError.

    Tagged "static": pyld keeps the processed context for the life of the process (the files never change).
    """
    from pyld import jsonld

    if url not in BUNDLED:
        raise jsonld.JsonLdError(
            f"Refusing to load {url!r}: only the bundled JSON-LD contexts are served "
            f"({', '.join(sorted(BUNDLED))}); nothing is fetched from the network.",
            "jsonld.LoadDocumentError", {"url": url}, code="loading document failed")
    # A copy: pyld may rewrite a context's relative URLs in place.
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(_context(url)), "tag": "static"}


# pyld keeps its processed contexts in a process-wide cache that is not made for concurrent threads (gunicorn's
# gthread workers share a process): one canonicalisation at a time per process. A few milliseconds each, and only
# at a credential's first JSON download, so the wait is negligible.
_CANONICALISING = threading.Lock()


def _canonical(document: dict) -> str:
    with _CANONICALISING:
        return _normalize(document)


def _normalize(document: dict) -> str:
    # "base": None keeps a relative IRI relative, so RDF conversion drops it as every JSON-LD processor does; by
    # default pyld 3.3 would resolve it against "http://example.org/base/" and sign a statement no other verifier
    # reads. (pyld has no "safe mode": a term no context defines is dropped, not refused; strict verifiers refuse it.)
    from pyld import jsonld

    return jsonld.normalize(document, {"algorithm": "URDNA2015", "format": "application/n-quads", "base": None,
                                       "documentLoader": document_loader})


def canonical_document(document: dict) -> str:
    """RDFC-1.0 (URDNA2015) N-Quads of the document without its proof."""
    return _canonical({key: value for key, value in document.items() if key != "proof"})


def canonical_proof_config(proof_config: dict) -> str:
    """RDFC-1.0 N-Quads of a proof configuration (a proof without `proofValue`, with the document's `@context`)."""
    return _canonical({key: value for key, value in proof_config.items() if key != "proofValue"})


def _hash_data(document: dict, proof_config: dict) -> bytes:
    return (hashlib.sha256(canonical_proof_config(proof_config).encode("utf-8")).digest()
            + hashlib.sha256(canonical_document(document).encode("utf-8")).digest())


def _timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("created must be an aware datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_proof(document: dict, private_key: Ed25519PrivateKey, verification_method: str, created: datetime) -> dict:
    """A copy of the document with `proof`: a one-element array holding an eddsa-rdfc-2022 DataIntegrityProof.

    (An array even for one proof: 1EdTech's OB 3.0 JSON Schema requires it.) Any proof already there is replaced.
    """
    unsecured = {key: copy.deepcopy(value) for key, value in document.items() if key != "proof"}
    proof = {"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE, "created": _timestamp(created),
             "verificationMethod": verification_method, "proofPurpose": PROOF_PURPOSE}
    signature = private_key.sign(_hash_data(unsecured, {"@context": unsecured.get("@context"), **proof}))
    return {**unsecured, "proof": [{**proof, "proofValue": "z" + base58.b58encode(signature).decode("ascii")}]}


def _the_proof(document: dict) -> dict:
    proofs = document.get("proof")
    if proofs is None or proofs == []:
        raise ProofInvalid("the document has no proof")
    proofs = proofs if isinstance(proofs, list) else [proofs]
    if len(proofs) != 1 or not isinstance(proofs[0], dict):
        raise ProofInvalid(f"expected exactly one proof object, found {len(proofs)}")
    proof = proofs[0]
    if proof.get("type") != PROOF_TYPE:
        raise ProofInvalid(f"proof type {proof.get('type')!r} is not {PROOF_TYPE!r}")
    if proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofInvalid(f"cryptosuite {proof.get('cryptosuite')!r} is not {CRYPTOSUITE!r}")
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        raise ProofInvalid(f"proofPurpose {proof.get('proofPurpose')!r} is not {PROOF_PURPOSE!r}")
    return proof


def _signature(proof_value) -> bytes:
    if not isinstance(proof_value, str) or not proof_value.startswith("z"):
        raise ProofInvalid("proofValue must be a multibase base58btc string starting with 'z'")
    try:
        signature = base58.b58decode(proof_value[1:])
    except ValueError as error:
        raise ProofInvalid(f"proofValue is not base58btc: {error}") from None
    if len(signature) != 64:
        raise ProofInvalid(f"proofValue decodes to {len(signature)} bytes, not a 64-byte Ed25519 signature")
    return signature


def verify_proof(document: dict, public_key: Ed25519PublicKey) -> None:
    """Check the document's one eddsa-rdfc-2022 proof with this key; raise ProofInvalid saying why it fails.

    Checks the signature only: whose key it is (the verificationMethod) and the credential's status are the caller's.
    """
    from pyld import jsonld

    proof = _the_proof(document)
    signature = _signature(proof.get("proofValue"))
    proof_config = {key: value for key, value in proof.items() if key != "proofValue"}
    context = proof_config.pop("@context", None)
    if context is not None and context != document.get("@context"):
        raise ProofInvalid("the proof's @context differs from the document's")
    try:
        data = _hash_data(document, {"@context": document.get("@context"), **proof_config})
    except jsonld.JsonLdError as error:
        raise ProofInvalid(f"the document cannot be canonicalised: {error}") from None
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        raise ProofInvalid("the signature does not match the document and this key") from None


def multibase_public_key(public_key: Ed25519PublicKey) -> str:
    """The key as a Multikey publicKeyMultibase: "z" + base58btc(0xed01 + the raw 32 bytes), "z6Mk…"."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "z" + base58.b58encode(ED25519_MULTICODEC + raw).decode("ascii")


def public_key_from_multibase(text: str) -> Ed25519PublicKey:
    """The Ed25519 key of a "z6Mk…" publicKeyMultibase; ValueError if it is anything else."""
    if not isinstance(text, str) or not text.startswith("z"):
        raise ValueError("publicKeyMultibase must be base58btc, starting with 'z'")
    decoded = base58.b58decode(text[1:])
    if len(decoded) != 34 or not decoded.startswith(ED25519_MULTICODEC):
        raise ValueError("publicKeyMultibase is not an Ed25519 public key (multicodec 0xed01 + 32 bytes)")
    return Ed25519PublicKey.from_public_bytes(decoded[2:])


def multikey_document(key_id: str, controller: str, public_key: Ed25519PublicKey) -> dict:
    """The verification method document of the key (W3C Controlled Identifiers' Multikey)."""
    return {"@context": MULTIKEY_CONTEXT, "id": key_id, "type": "Multikey", "controller": controller,
            "publicKeyMultibase": multibase_public_key(public_key)}
