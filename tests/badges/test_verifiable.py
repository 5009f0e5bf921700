"""Badges any verifier accepts (issue 25): each credential names its earner by an id (`sub` = credentialSubject.id),
the JSON carries an eddsa-rdfc-2022 proof, each organisation signs with its own keys, and an independent OB 3.0
library (openbadgeslib) accepts the VC-JWT, the signed JSON and both baked images before and after a key rotation,
checking each status list with the key that signed the credential, and sees a revocation."""
import json

import pytest
import requests
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from joserfc import jwt as jose_jwt
from joserfc.jwk import RSAKey
from jsonschema import Draft201909Validator
from openbadgeslib.ob3 import OB3LdpVerifier, OB3VerificationError, OB3Verifier
from openbadgeslib.verify import verify_badge

from app.badges.data_integrity import public_key_from_multibase
from app.badges.ob3 import bit_is_set, decode_bitstring
from app.extensions import db
from tests.support.badges import SPEC
from tests.support.independent_verifiers import NODE, jws_2020_context, verify_with_digital_bazaar
from tests.support.served_badges import Served, jwt_header, jwt_payload

SCHEMA = json.loads((SPEC / "ob_v3p0_achievementcredential_schema.json").read_text())


def download(url: str) -> bytes:
    """openbadgeslib's fetcher for status lists: the app on 127.0.0.1 (its own allows HTTPS only)."""
    response = requests.get(url, timeout=10)
    response.raise_for_status()
    return response.content


def rsa_pem(served: Served, token: str) -> bytes:
    """What a verifier does with a VC-JWT: fetch the public key its kid names."""
    from jwt import PyJWK

    key = PyJWK(served.get(jwt_header(token)["kid"]).json(), algorithm="RS256").key
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def ed25519_pem(served: Served, credential: dict) -> bytes:
    """What a verifier does with an embedded proof: fetch the Multikey its verificationMethod names."""
    [proof] = credential["proof"]
    method = served.get(proof["verificationMethod"]).json()
    assert method["type"] == "Multikey" and method["controller"] == credential["issuer"]["id"]
    return public_key_from_multibase(method["publicKeyMultibase"]).public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def verified_jwt(served: Served, token: str, **checks):
    return OB3Verifier(pubkey_pem=rsa_pem(served, token)).verify(token, check_status=True, download=download,
                                                                 **checks)


def verified_json(served: Served, credential: dict, **checks):
    return OB3LdpVerifier(pubkey_pem=ed25519_pem(served, credential)).verify(
        credential, check_status=True, download=download, **checks)


def test_every_credential_names_its_earner_by_an_id_and_the_vc_jwt_maps_its_claims(served):
    first = served.award()
    second = served.award("skills-competitions", colleague_of=first)  # the college's other member
    token = served.get(f"/badges/credentials/{first}.jwt").text
    payload = jwt_payload(token)
    subject_id = payload["credentialSubject"]["id"]
    assert subject_id.startswith("urn:uuid:") and payload["sub"] == subject_id
    assert payload["iss"] == payload["issuer"]["id"] and payload["jti"] == payload["id"]
    assert payload["nbf"] == 1795435200 and "exp" not in payload  # validFrom; no validUntil, so no exp
    signed = served.get(f"/badges/credentials/{first}").json()
    assert signed["credentialSubject"]["id"] == subject_id  # the JSON names the same earner
    assert [item["identityType"] for item in signed["credentialSubject"]["identifier"]] == ["ltiUserId",
                                                                                            "emailAddress"]
    other = jwt_payload(served.get(f"/badges/credentials/{second}.jwt").text)
    assert other["sub"].startswith("urn:uuid:") and other["sub"] != subject_id  # another earner, another id
    again = served.award("skills-competitions", colleague_of=None)
    assert jwt_payload(served.get(f"/badges/credentials/{again}.jwt").text)["sub"] != subject_id
    # openbadgeslib's command line matches the holder through credentialSubject.id
    assert verified_jwt(served, token, expected_recipient=subject_id).recipient_id == subject_id


def test_the_json_credential_carries_an_eddsa_proof_and_is_valid_against_1edtechs_schema(served):
    award = served.award()
    credential = served.get(f"/badges/credentials/{award}").json()
    assert not [error.message for error in Draft201909Validator(SCHEMA).iter_errors(credential)]
    [proof] = credential["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    verified_json(served, credential, expected_recipient=credential["credentialSubject"]["id"])
    tampered = {**credential, "name": "Expert in everything"}
    with pytest.raises(OB3VerificationError):
        verified_json(served, tampered)


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_digital_bazaars_verifier_accepts_the_json_credential_through_the_published_key_and_profile(served):
    award = served.award()
    credential = served.get(f"/badges/credentials/{award}").json()
    [proof] = credential["proof"]
    issuer_url = credential["issuer"]["id"]
    documents = {proof["verificationMethod"]: served.get(proof["verificationMethod"]).json(),
                 issuer_url: served.get(issuer_url, headers={"Accept": "application/ld+json"}).json(),
                 **jws_2020_context()}
    assert verify_with_digital_bazaar(credential, documents)["verified"] is True
    refused = verify_with_digital_bazaar({**credential, "name": "Another badge"}, documents)
    assert refused["verified"] is False


def all_forms(served: Served, award: str) -> dict:
    """The award as a verifier may receive it: the VC-JWT, the signed JSON and the two baked images."""
    return {"jwt": served.get(f"/badges/credentials/{award}.jwt").text,
            "json": served.get(f"/badges/credentials/{award}").json(),
            "png": served.get(f"/badges/awards/{award}/ob3.png").content,
            "svg": served.get(f"/badges/awards/{award}/ob3.svg").content}


def accepted(served: Served, forms: dict) -> dict[str, bool | str]:
    """Each form through openbadgeslib, status lists included (checked with the key that signed the credential)."""
    results = {}
    for name, value in forms.items():
        try:
            if name == "jwt":
                verified_jwt(served, value)
            elif name == "json":
                verified_json(served, value)
            else:
                token = forms["jwt"]
                result = verify_badge(value, "3", pubkey_pem=rsa_pem(served, token), check_status=True,
                                      download=download)
                if not result.valid:
                    raise OB3VerificationError(result.reason)
            results[name] = True
        except OB3VerificationError as error:
            results[name] = str(error)
    return results


def test_every_form_verifies_before_and_after_a_key_rotation_and_shows_a_revocation(served):
    before = served.award()
    old_forms = all_forms(served, before)
    assert accepted(served, old_forms) == dict.fromkeys(old_forms, True)

    served.rotate_keys(before)
    after = served.award(colleague_of=before)
    new_forms = all_forms(served, after)
    assert jwt_header(new_forms["jwt"])["kid"] != jwt_header(old_forms["jwt"])["kid"]
    assert new_forms["json"]["proof"][0]["verificationMethod"] != old_forms["json"]["proof"][0]["verificationMethod"]
    # the retired keys still sign their own status lists: the copies made before the rotation still verify
    assert accepted(served, old_forms) == dict.fromkeys(old_forms, True)
    assert accepted(served, new_forms) == dict.fromkeys(new_forms, True)

    served.revoke(before)
    refused = accepted(served, old_forms)
    assert all("revocation" in str(reason) for reason in refused.values()), refused
    assert accepted(served, new_forms) == dict.fromkeys(new_forms, True)  # only that award


def test_each_organisation_signs_with_its_own_keys_and_status_lists(served):
    first, second = served.award(), served.award()  # two colleges
    first_jwt, second_jwt = (served.get(f"/badges/credentials/{award}.jwt").text for award in (first, second))
    assert jwt_header(first_jwt)["kid"] != jwt_header(second_jwt)["kid"]
    first_json, second_json = (served.get(f"/badges/credentials/{award}").json() for award in (first, second))
    first_profile = served.get(first_json["issuer"]["id"], headers={"Accept": "application/ld+json"}).json()
    listed = set(first_profile["assertionMethod"])
    assert jwt_header(first_jwt)["kid"] in listed and first_json["proof"][0]["verificationMethod"] in listed
    assert jwt_header(second_jwt)["kid"] not in listed
    # a status list URL names its key; another college's key has no list at this issuer
    status_url = jwt_payload(first_jwt)["credentialStatus"]["statusListCredential"]
    foreign = jwt_header(second_jwt)["kid"].rsplit("/", 1)[1]
    parts = status_url.split("/")
    parts[-2] = foreign
    assert served.get("/".join(parts)).status_code == 404
    with pytest.raises(OB3VerificationError):  # the other college's key does not verify this college's credential
        OB3Verifier(pubkey_pem=rsa_pem(served, second_jwt)).verify(first_jwt)


def test_nothing_unsigned_is_offered_as_a_credential(served):
    award = served.award()
    credential = served.get(f"/badges/credentials/{award}").json()
    download_json = served.get(f"/badges/credentials/{award}?download=1")
    assert download_json.json() == credential and credential["proof"]
    assert "attachment" in download_json.headers["Content-Disposition"]


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_a_reviewed_awards_json_with_its_results_and_evidence_verifies_in_both_verifiers(served, tmp_path):
    """Every term of the richest credential is defined by its contexts: a term none defines would be dropped from
    the signed statements (pyld) or refused (Digital Bazaar's safe mode)."""
    from tests.badges.test_credentials import demonstrated_award

    award = demonstrated_award(served, tmp_path, public_page=True)
    credential = served.get(f"/badges/credentials/{award}").json()
    assert credential["credentialSubject"]["result"] and credential["evidence"]
    verified_json(served, credential)
    [proof] = credential["proof"]
    issuer_url = credential["issuer"]["id"]
    documents = {proof["verificationMethod"]: served.get(proof["verificationMethod"]).json(),
                 issuer_url: served.get(issuer_url, headers={"Accept": "application/ld+json"}).json(),
                 **jws_2020_context()}
    assert verify_with_digital_bazaar(credential, documents)["verified"] is True


def test_copies_signed_before_keys_were_per_organisation_keep_a_status_list_signed_by_their_key(served):
    """Credentials exported before this version name /badges/status/<issuer>/<n> and the installation's key."""
    from app.badges.credentials import award_by_public_id
    from app.badges.keys import create_badge_key, kid_url

    award = served.award()
    with served.app.app_context():
        installation_key = create_badge_key(None)  # as the migration left it: no organisation, retired
        installation_key.status = "retired"
        kid = kid_url(installation_key)
        issuer_id = jwt_payload(served.get(f"/badges/credentials/{award}.jwt").text)["issuer"]["id"].rsplit("/", 1)[1]
        status_index = award_by_public_id(award).status_index
        db.session.commit()
    served.revoke(award)
    token = served.get(f"/badges/status/{issuer_id}/0").text
    assert jwt_header(token)["kid"] == kid
    claims = jose_jwt.decode(token, RSAKey.import_key(served.get(kid).json()), algorithms=["RS256"]).claims
    assert bit_is_set(decode_bitstring(claims["credentialSubject"]["encodedList"]), status_index)
