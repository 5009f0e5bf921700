"""Open Badges 3.0 embedded proofs: DataIntegrityProof, cryptosuite eddsa-rdfc-2022 (Ed25519 over RDFC-1.0 N-Quads).

1. 1EdTech's test vector is reproduced byte for byte: canonical forms, hashes, proofValue.
2. A credential the tool signs verifies in two independent verifiers (openbadgeslib, Digital Bazaar), and a change
   to it, or a proof by another key, is refused by both.
3. verify_proof says why it refuses.
4. Contexts come from bundled copies only: nothing is ever fetched.
"""
import copy
import hashlib
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jsonschema import Draft201909Validator
from openbadgeslib.ob3.verifier import OB3VerificationError
from pyld import jsonld

from app.badges import data_integrity
from app.badges.data_integrity import (
    ProofInvalid,
    add_proof,
    canonical_document,
    canonical_proof_config,
    document_loader,
    multibase_public_key,
    multikey_document,
    public_key_from_multibase,
    verify_proof,
)
from tests.support.badges import SPEC
from tests.support.independent_verifiers import (
    NODE,
    verify_with_digital_bazaar,
    verify_with_openbadgeslib,
)

VECTORS = SPEC / "test-vectors"
SIGNED_VECTOR = json.loads((VECTORS / "obv3p0-ldp-signed-credential.json").read_text(encoding="utf-8"))
VECTOR_MULTIKEY = json.loads((VECTORS / "obv3p0-ldp-multikey.json").read_text(encoding="utf-8"))
SCHEMA = json.loads((SPEC / "ob_v3p0_achievementcredential_schema.json").read_text(encoding="utf-8"))

# The test vector's private key (the Ed25519 seed: the first 32 of the 64 "Private key (hex)" bytes), published by
# 1EdTech in the OB 3.0 implementation guide: repo 1EdTech/openbadges-specification,
# ob_v3p0/impl/linked-data-proof-ob.html, commit 83de5f994f00bfc726a0486782520367c469cb6e, "Key pair & Multikey".
# A public test key: it lives in this test only.
VECTOR_PRIVATE_KEY = "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4"
# Published on the same page: "Document hash (hex)", "Proof hash (hex)", "Signature (hex)".
VECTOR_DOCUMENT_HASH = "87f65a76d40146205e3b3e06cb0fbd153f97f9ce70372390f52566bb7f9e0773"
VECTOR_PROOF_HASH = "d34009cea0dbc1ca941e09dc01c8c9d3e3ce3c5b853f67ee44698dcea10f5d19"
VECTOR_SIGNATURE = ("f7a017acf7d27983267ec362657c0fb08e955549f49dac5bf36a03c4f2c3a4f1"
                    "e3738a6c5ecd7ffba7135cb9cd754e6196f4b73082ea8df8e703c8ecd4333503")

ISSUER = "https://tool.example.org/badges/issuers/1"
KEY_ID = f"{ISSUER}#key-1"
NOW = datetime(2026, 11, 23, 12, 0, 5, tzinfo=UTC)
needs_node = pytest.mark.skipif(NODE is None, reason="Digital Bazaar's verifier needs node")


def unsigned_vector() -> dict:
    return {key: value for key, value in SIGNED_VECTOR.items() if key != "proof"}


def vector_proof_config() -> dict:
    """The vector's proof without proofValue, in the document's @context (the spec's proof configuration)."""
    proof = {key: value for key, value in SIGNED_VECTOR["proof"].items() if key != "proofValue"}
    return {"@context": SIGNED_VECTOR["@context"], **proof}


def vector_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(VECTOR_PRIVATE_KEY))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# 1. 1EdTech's test vector ---------------------------------------------------------------------------------------

def test_the_canonical_document_is_1edtechs_byte_for_byte():
    canonical = canonical_document(unsigned_vector())
    assert canonical == (VECTORS / "obv3p0-document-canon.txt").read_text(encoding="utf-8")
    assert sha256(canonical) == VECTOR_DOCUMENT_HASH


def test_the_canonical_proof_configuration_is_1edtechs_byte_for_byte():
    canonical = canonical_proof_config(vector_proof_config())
    assert canonical == (VECTORS / "obv3p0-proof-canon.txt").read_text(encoding="utf-8")
    assert sha256(canonical) == VECTOR_PROOF_HASH


def test_signing_the_vector_with_its_key_gives_its_proof_value():
    """Ed25519 is deterministic: the same key, document and proof options give the same signature."""
    proof = SIGNED_VECTOR["proof"]
    created = datetime.fromisoformat(proof["created"])
    signed = add_proof(unsigned_vector(), vector_private_key(), proof["verificationMethod"], created)

    assert signed["proof"] == [proof]  # an array: 1EdTech's JSON Schema requires one, even for a single proof
    assert {key: value for key, value in signed.items() if key != "proof"} == unsigned_vector()
    signature = bytes.fromhex(VECTOR_SIGNATURE)
    vector_private_key().public_key().verify(signature, bytes.fromhex(VECTOR_PROOF_HASH + VECTOR_DOCUMENT_HASH))


def test_the_vectors_public_key_is_its_multikey():
    public_key = public_key_from_multibase(VECTOR_MULTIKEY["publicKeyMultibase"])
    assert public_key.public_bytes_raw() == vector_private_key().public_key().public_bytes_raw()
    assert multibase_public_key(public_key) == VECTOR_MULTIKEY["publicKeyMultibase"]
    assert multikey_document(VECTOR_MULTIKEY["id"], VECTOR_MULTIKEY["controller"], public_key) == {
        "@context": "https://w3id.org/security/multikey/v1", **VECTOR_MULTIKEY}


def test_the_vectors_signed_credential_verifies():
    verify_proof(SIGNED_VECTOR, public_key_from_multibase(VECTOR_MULTIKEY["publicKeyMultibase"]))


# 2. The tool's credentials in two independent verifiers -----------------------------------------------------------

def badge_credential() -> dict:
    """An OpenBadgeCredential as the tool issues one: a urn:uuid subject and a bitstring status list entry; the
    credentialSchema's type, 1EdTechJsonSchemaValidator2019, is defined by the OB extensions context only."""
    credential = copy.deepcopy(unsigned_vector())
    credential.update({
        "@context": [*SIGNED_VECTOR["@context"], "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "name": "Wound care basics",
        "issuer": {"id": ISSUER, "type": ["Profile"], "name": "Example Veterinary College",
                   "url": "https://college.example.org"},
        "validFrom": "2026-11-23T12:00:00Z",
        "credentialSchema": [{
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019"}],
        "credentialStatus": {
            "id": f"{ISSUER}/status/1#94567", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
            "statusListIndex": "94567", "statusListCredential": f"{ISSUER}/status/1"},
    })
    credential["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    return credential


def published_documents(public_key, key_id: str = KEY_ID) -> dict[str, dict]:
    """What the verifiers dereference: the verification method (a Multikey) and its controller, the issuer,
    which lists it under assertionMethod (in the security v2 vocabulary that jsonld-signatures frames it with)."""
    return {
        key_id: multikey_document(key_id, ISSUER, public_key),
        ISSUER: {"@context": ["https://www.w3.org/ns/credentials/v2",
                              "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                              "https://w3id.org/security/v2"],
                 "id": ISSUER, "type": ["Profile"], "name": "Example Veterinary College",
                 "assertionMethod": [key_id]},
    }


@pytest.fixture(scope="module")
def issuer_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def signed(issuer_key) -> dict:
    return add_proof(badge_credential(), issuer_key, KEY_ID, NOW)


def test_the_tools_proof_is_an_array_of_one_data_integrity_proof(signed):
    [proof] = signed["proof"]
    assert proof.keys() == {"type", "cryptosuite", "created", "verificationMethod", "proofPurpose", "proofValue"}
    assert (proof["type"], proof["cryptosuite"], proof["proofPurpose"]) == (
        "DataIntegrityProof", "eddsa-rdfc-2022", "assertionMethod")
    assert (proof["created"], proof["verificationMethod"]) == ("2026-11-23T12:00:05Z", KEY_ID)
    assert proof["proofValue"].startswith("z")
    assert not [error.message for error in Draft201909Validator(SCHEMA).iter_errors(signed)]


def test_the_tools_credential_verifies_in_openbadgeslib(signed, issuer_key):
    credential = verify_with_openbadgeslib(signed, issuer_key.public_key())
    assert credential.id == signed["id"]


@needs_node
def test_the_tools_credential_verifies_in_digital_bazaars_verifier(signed, issuer_key):
    assert verify_with_digital_bazaar(signed, published_documents(issuer_key.public_key())) == {
        "verified": True, "error": ""}


@needs_node
def test_a_changed_credential_is_refused_by_both(signed, issuer_key):
    changed = copy.deepcopy(signed)
    changed["name"] = "Advanced wound care"

    with pytest.raises(OB3VerificationError, match="signature mismatch"):
        verify_with_openbadgeslib(changed, issuer_key.public_key())
    result = verify_with_digital_bazaar(changed, published_documents(issuer_key.public_key()))
    assert result["verified"] is False
    assert "Invalid signature" in result["error"]


@needs_node
def test_a_proof_by_another_key_is_refused_by_both(issuer_key):
    impostor = Ed25519PrivateKey.generate()
    forged = add_proof(badge_credential(), impostor, KEY_ID, NOW)

    with pytest.raises(OB3VerificationError, match="signature mismatch"):
        verify_with_openbadgeslib(forged, issuer_key.public_key())
    result = verify_with_digital_bazaar(forged, published_documents(issuer_key.public_key()))
    assert result == {"verified": False, "error": "Invalid signature."}


@needs_node
def test_digital_bazaar_needs_the_issuer_to_list_the_key_as_an_assertion_method(signed, issuer_key):
    documents = published_documents(issuer_key.public_key())
    del documents[ISSUER]["assertionMethod"]
    assert verify_with_digital_bazaar(signed, documents)["verified"] is False


@needs_node
def test_without_the_extensions_context_the_schema_type_is_unsigned_and_both_verifiers_refuse(issuer_key):
    """RDF canonicalisation drops a term no context defines: pyld silently (so the proof would not cover it),
    the two verifiers loudly. A credential with a credentialSchema must name the OB extensions context."""
    credential = badge_credential()
    credential["@context"] = SIGNED_VECTOR["@context"]
    changed_schema = copy.deepcopy(credential)
    changed_schema["credentialSchema"][0]["type"] = "SomethingElse"
    assert canonical_document(credential) == canonical_document(changed_schema)

    unsafe = add_proof(credential, issuer_key, KEY_ID, NOW)
    with pytest.raises(OB3VerificationError, match="not in compacted form"):
        verify_with_openbadgeslib(unsafe, issuer_key.public_key())
    assert verify_with_digital_bazaar(unsafe, published_documents(issuer_key.public_key())) == {
        "verified": False, "error": "Safe mode validation error."}


# 3. verify_proof's refusals ----------------------------------------------------------------------------------------

def test_a_credential_without_a_proof_is_refused(signed, issuer_key):
    with pytest.raises(ProofInvalid, match="no proof"):
        verify_proof({key: value for key, value in signed.items() if key != "proof"}, issuer_key.public_key())


def test_another_cryptosuite_is_refused(signed, issuer_key):
    other = copy.deepcopy(signed)
    other["proof"][0]["cryptosuite"] = "ecdsa-rdfc-2019"
    with pytest.raises(ProofInvalid, match="cryptosuite 'ecdsa-rdfc-2019' is not 'eddsa-rdfc-2022'"):
        verify_proof(other, issuer_key.public_key())


def test_a_proof_value_that_is_no_signature_is_refused(signed, issuer_key):
    other = copy.deepcopy(signed)
    other["proof"][0]["proofValue"] = "z3yh"
    with pytest.raises(ProofInvalid, match="not a 64-byte Ed25519 signature"):
        verify_proof(other, issuer_key.public_key())


def test_a_tampered_credential_is_refused(signed, issuer_key):
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["achievement"]["name"] = "Surgery"
    with pytest.raises(ProofInvalid, match="signature does not match"):
        verify_proof(tampered, issuer_key.public_key())


def test_a_proof_by_another_key_is_refused(signed):
    with pytest.raises(ProofInvalid, match="signature does not match"):
        verify_proof(signed, Ed25519PrivateKey.generate().public_key())


# 4. No network, ever -----------------------------------------------------------------------------------------------

def test_the_loader_refuses_an_unbundled_url():
    with pytest.raises(jsonld.JsonLdError, match="only the bundled JSON-LD contexts"):
        document_loader("https://w3id.org/security/data-integrity/v2")


def test_a_credential_naming_an_unbundled_context_cannot_be_canonicalised():
    document = {**unsigned_vector(), "@context": [*SIGNED_VECTOR["@context"], "https://example.org/evil-context"]}
    with pytest.raises(jsonld.JsonLdError):
        canonical_document(document)


@pytest.mark.parametrize("name", ["ob-v3p0-context-3.0.3.json", "ob-v3p0-extensions.json"])
def test_the_shipped_contexts_are_1edtechs_as_published(name):
    """The app signs with its own copies (it fetches nothing); they say exactly what 1EdTech publishes."""
    shipped = json.loads((Path(data_integrity.__file__).parent / "contexts" / name).read_text(encoding="utf-8"))
    assert shipped == json.loads((SPEC / name).read_text(encoding="utf-8"))
