"""Every issued credential is checked independently of the code that signs it: OB 3.0 against 1EdTech's JSON
Schema and with another JOSE library through the key published at its kid URL; OB 2.0 with 1EdTech's own
validator against the app served on 127.0.0.1; baked images give back the same credential."""
import json
import struct
import subprocess
from urllib.parse import urlparse
from xml.etree import ElementTree

import pytest
from joserfc import jwt as jose_jwt
from joserfc.jwk import RSAKey
from jsonschema import Draft201909Validator
from openbadgeslib.baking import extract_svg

from app.badges.ob3 import bit_is_set, decode_bitstring
from app.extensions import db
from tests.support.badges import SPEC
from tests.support.factories import make_world
from tests.support.served_badges import EMAIL, jwt_header

OB2_VALIDATE = SPEC.parents[1] / "tools" / "ob2-validate"
SCHEMA = json.loads((SPEC / "ob_v3p0_achievementcredential_schema.json").read_text())


def verify_with_joserfc(served, token: str) -> dict:
    """What an independent verifier does: read the kid, fetch the public key there, check the RS256 signature."""
    header = jwt_header(token)
    assert set(header) <= {"alg", "kid", "typ"} and header["alg"] == "RS256"
    jwk = served.get(header["kid"]).json()
    assert set(jwk) == {"kty", "n", "e"}  # a bare public key: no private parts
    return jose_jwt.decode(token, RSAKey.import_key(jwk), algorithms=["RS256"]).claims


def test_the_ob3_credential_is_valid_against_1edtechs_schema_and_says_what_the_spec_requires(served):
    award = served.award()
    credential = served.get(f"/badges/credentials/{award}").json()
    errors = sorted(Draft201909Validator(SCHEMA).iter_errors(credential), key=str)
    assert not errors, [error.message for error in errors]
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                      "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                                      "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert [item["identityType"] for item in subject["identifier"]] == ["ltiUserId", "emailAddress"]
    assert EMAIL not in json.dumps(credential)  # only salted hashes of who the earner is
    assert subject["achievement"]["criteria"]["narrative"]
    assert {target["targetCode"] for target in subject["achievement"]["alignment"]} == {
        "area:eu-vet-policy", "level:rookie"}
    assert credential["credentialStatus"]["type"] == "BitstringStatusListEntry"


def test_the_vc_jwt_verifies_with_an_independent_jose_library_through_the_published_key(served):
    award = served.award(subject="lti-user-7")
    token = served.get(f"/badges/credentials/{award}.jwt").text
    claims = verify_with_joserfc(served, token)
    assert not list(Draft201909Validator(SCHEMA).iter_errors(
        {key: value for key, value in claims.items() if key not in ("iss", "jti", "nbf", "exp", "sub")}))
    assert claims["iss"] == claims["issuer"]["id"] and claims["jti"] == claims["id"]
    assert claims["nbf"] == 1795435200  # validFrom, 2026-11-23T12:00:00Z, the frozen clock's now
    import hashlib
    ltiuser = claims["credentialSubject"]["identifier"][0]
    assert ltiuser["identityHash"] == "sha256$" + hashlib.sha256(("lti-user-7" + ltiuser["salt"]).encode()).hexdigest()


def test_an_expiring_badge_carries_valid_until_and_exp(served):
    award = served.award("skills-competitions")
    claims = verify_with_joserfc(served, served.get(f"/badges/credentials/{award}.jwt").text)
    assert claims["validUntil"] == "2029-11-22T12:00:00Z"
    assert claims["exp"] == claims["nbf"] + 1095 * 24 * 3600


def test_the_status_bit_is_set_once_the_award_is_revoked(served):
    award = served.award()
    status = verify_with_joserfc(served, served.get(f"/badges/credentials/{award}.jwt").text)["credentialStatus"]

    def revoked() -> bool:
        claims = verify_with_joserfc(served, served.get(status["statusListCredential"]).text)
        assert claims["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
        return bit_is_set(decode_bitstring(claims["credentialSubject"]["encodedList"]), int(status["statusListIndex"]))

    assert revoked() is False
    served.revoke(award)
    assert revoked() is True


def awards_around_a_key_rotation(served) -> tuple[str, str, str, str]:
    """An award signed before `flask badges rotate-key` and one after: (before, its VC-JWT, after, its VC-JWT)."""
    before = served.award()
    old_token = served.get(f"/badges/credentials/{before}.jwt").text
    served.rotate_keys(before)
    after = served.award(colleague_of=before)
    return before, old_token, after, served.get(f"/badges/credentials/{after}.jwt").text


def test_old_awards_still_verify_after_the_badge_key_is_rotated(served):
    before, old_token, after, new_token = awards_around_a_key_rotation(served)
    assert jwt_header(old_token)["kid"] != jwt_header(new_token)["kid"]
    assert verify_with_joserfc(served, old_token)["id"].endswith(before)
    assert verify_with_joserfc(served, new_token)["id"].endswith(after)
    assert served.get(f"/badges/credentials/{before}.jwt").text == old_token  # signed once, served as signed


def did_web_url(did: str) -> str:
    """What a did:web resolver fetches for `did` (did:web method: ":" → "/", %3A → ":", then /did.json)."""
    from urllib.parse import unquote

    host, *path = did.removeprefix("did:web:").split(":")
    return "http://" + "/".join([unquote(host), *path]) + "/did.json"


def test_the_issuer_profile_carries_its_public_keys_and_they_verify_its_credentials_after_a_rotation(served):
    before, old_token, _, new_token = awards_around_a_key_rotation(served)
    issuer_url = served.get(f"/badges/credentials/{before}").json()["issuer"]["id"]

    profile = served.get(issuer_url).json()
    assert profile["id"] == issuer_url and profile["type"] == ["Profile"]
    profile_schema = {"$ref": "#/$defs/Profile", "$defs": SCHEMA["$defs"]}
    assert not [error.message for error in Draft201909Validator(profile_schema).iter_errors(profile)]
    methods = {method["id"]: method for method in profile["verificationMethod"]}
    assert profile["assertionMethod"] == list(methods)
    for token in (old_token, new_token):  # the retired key stays, so the old credential still verifies
        kid = jwt_header(token)["kid"]
        method = methods[kid]
        assert method["controller"] == issuer_url and method["type"] == "JsonWebKey2020"
        assert method["publicKeyJwk"] == served.get(kid).json()
        jose_jwt.decode(token, RSAKey.import_key(method["publicKeyJwk"]), algorithms=["RS256"])
    jwk_methods = [method for method in methods.values() if method["type"] == "JsonWebKey2020"]
    assert all(set(method["publicKeyJwk"]) == {"kty", "n", "e"} for method in jwk_methods)  # no private parts


def test_the_issuer_has_a_did_web_that_resolves_to_a_document_with_the_same_keys(served):
    award = served.award()
    token = served.get(f"/badges/credentials/{award}.jwt").text
    issuer_url = served.get(f"/badges/credentials/{award}").json()["issuer"]["id"]
    profile = served.get(issuer_url).json()
    [identifier] = profile["otherIdentifier"]
    did = identifier["identifier"]
    host = served.url.split("://", 1)[1]
    assert did.startswith("did:web:" + host.replace(":", "%3A") + ":badges:issuers:")

    response = served.get(did_web_url(did))
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/did+json")
    document = response.json()
    assert document["id"] == did and document["alsoKnownAs"] == [issuer_url]
    rsa_method, ed25519_method = document["verificationMethod"]  # the VC-JWT's key and the embedded proofs' key
    assert all(method["id"].startswith(did + "#") and method["controller"] == did
               for method in (rsa_method, ed25519_method))
    assert document["assertionMethod"] == [rsa_method["id"], ed25519_method["id"]]
    assert ed25519_method["publicKeyJwk"]["crv"] == "Ed25519"
    jose_jwt.decode(token, RSAKey.import_key(rsa_method["publicKeyJwk"]), algorithms=["RS256"])


def png_text_chunks(png: bytes) -> dict[str, tuple[int, str]]:
    """iTXt chunks read by hand (not by the Pillow that wrote them): keyword → (compression flag, text)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, {}
    while position < len(png):
        length, kind = struct.unpack(">I4s", png[position:position + 8])
        data = png[position + 8:position + 8 + length]
        if kind == b"iTXt":
            keyword, rest = data.split(b"\0", 1)
            compressed = rest[0]  # rest[1] is the compression method: 0, the only one PNG defines
            _language, _translated, text = rest[2:].split(b"\0", 2)
            chunks[keyword.decode()] = (compressed, text.decode("utf-8"))
        position += 12 + length
    return chunks


def test_baked_ob3_images_give_back_the_same_signed_credential(served):
    award = served.award()
    token = served.get(f"/badges/credentials/{award}.jwt").text
    png = served.get(f"/badges/awards/{award}/ob3.png")
    assert png.headers["Content-Type"] == "image/png"
    assert png_text_chunks(png.content)["openbadgecredential"] == (0, token)  # uncompressed iTXt
    svg = served.get(f"/badges/awards/{award}/ob3.svg").content
    root = ElementTree.fromstring(svg)
    element = root[0]
    assert element.tag == "{https://purl.imsglobal.org/ob/v3p0}credential"  # right after <svg>
    assert element.get("verify") == token
    assert served.get(f"/badges/awards/{award}/ob3.png").content == png.content  # kept after the first download


def test_baked_ob2_images_carry_the_hosted_assertion(served):
    award = served.award()
    assertion = served.get(f"/badges/ob2/assertions/{award}").json()
    _flag, text = png_text_chunks(served.get(f"/badges/awards/{award}/ob2.png").content)["openbadges"]
    assert json.loads(text) == assertion
    svg = served.get(f"/badges/awards/{award}/ob2.svg").content
    root = ElementTree.fromstring(svg)
    assert root[0].tag == "{http://openbadges.org}assertion"  # right after <svg>
    assert root[0].get("verify") == assertion["id"]  # OB 2.0 baking: a hosted assertion's URL
    assert json.loads(root[0].text) == assertion  # and the assertion itself, in CDATA
    assert extract_svg(svg) == assertion["id"]  # an independent reader finds it where the specification puts it


def test_the_ob2_assertion_s_image_is_its_own_baked_png(served):
    award = served.award()
    assertion = served.get(f"/badges/ob2/assertions/{award}").json()
    assert urlparse(assertion["image"]).path == f"/badges/awards/{award}/ob2.png"
    image = served.get(assertion["image"])
    assert image.headers["Content-Type"] == "image/png"
    _flag, text = png_text_chunks(image.content)["openbadges"]
    assert json.loads(text) == assertion  # the image a backpack shows carries the assertion itself


def test_without_an_email_there_is_no_ob2_version_but_ob3_is_issued(served):
    award = served.award(email=None)
    assert served.get(f"/badges/ob2/assertions/{award}").status_code == 404
    assert served.get(f"/badges/awards/{award}/ob2.png").status_code == 404
    credential = served.get(f"/badges/credentials/{award}").json()
    assert [item["identityType"] for item in credential["credentialSubject"]["identifier"]] == ["ltiUserId"]


def ob2_validate(target: str, email: str | None = EMAIL) -> tuple[int, dict]:
    result = subprocess.run([str(OB2_VALIDATE), target, *([email] if email else [])], capture_output=True,
                            text=True, timeout=240)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout or "{}")


ob2_validator = pytest.mark.skipif(
    not OB2_VALIDATE.exists(), reason="../shared/tools/ob2-validate is not beside the project"
)


@ob2_validator
@pytest.mark.timeout(600)
def test_1edtechs_ob2_validator_accepts_the_hosted_assertion_the_baked_png_and_what_the_baked_svg_names(
        served, tmp_path):
    """The validator reads the baked PNG itself. It cannot read a baked SVG in the specification's form (its bakery
    returns the `verify` attribute as bytes on Python 3: app/badges/baking.py), so it checks the assertion the
    SVG's attribute names."""
    award = served.award()
    code, report = ob2_validate(f"{served.url}/badges/ob2/assertions/{award}")
    assert code == 0, report
    image = tmp_path / "badge-ob2.png"
    image.write_bytes(served.get(f"/badges/awards/{award}/ob2.png").content)
    code, report = ob2_validate(str(image))
    assert code == 0, report
    verify = ElementTree.fromstring(served.get(f"/badges/awards/{award}/ob2.svg").content)[0].get("verify")
    code, report = ob2_validate(verify)
    assert code == 0, report


@ob2_validator
@pytest.mark.timeout(300)
def test_1edtechs_ob2_validator_refuses_a_revoked_assertion(served):
    award = served.award()
    served.revoke(award)
    response = served.get(f"/badges/ob2/assertions/{award}")
    assert response.status_code == 410  # OB 2.0: a revoked hosted assertion answers Gone, revoked, with its reason
    assert response.json()["revoked"] is True and response.json()["revocationReason"] == "awarded by mistake"
    code, report = ob2_validate(f"{served.url}/badges/ob2/assertions/{award}")
    assert code == 1 and report["valid"] is False


def demonstrated_award(served, tmp_path, *, public_page: bool) -> str:
    """The demonstrated badge `plan` awarded after a colleague's review (the review flow's evidence shape)."""
    from app.badges.awarding import award_badge
    from app.badges.catalogue import badge_catalogue
    from tests.badges.test_micro_credential_facts import PLAN_FILES, review
    from tests.support.badges import write_badges

    served.app.config["BADGE_TEMPLATES_DIR"] = str(write_badges(tmp_path / "badges", PLAN_FILES))
    served.app.config["BADGE_ISSUER_COUNTRY"] = "FI"
    served.app.extensions.pop("badge_catalogue", None)
    with served.app.app_context():
        world = make_world()
        world.learner.email = EMAIL
        award = award_badge(world.organisation.id, world.learner.id, badge_catalogue().badge("plan"),
                            now=served.clock.now(), evidence=review(public_page=public_page), how="reviewed")
        db.session.commit()
        return award.public_id


def test_a_reviewed_awards_credential_is_valid_against_1edtechs_schema_with_its_results_and_evidence(
        served, tmp_path):
    award = demonstrated_award(served, tmp_path, public_page=True)
    credential = served.get(f"/badges/credentials/{award}").json()
    errors = sorted(Draft201909Validator(SCHEMA).iter_errors(credential), key=str)
    assert not errors, [error.message for error in errors]
    assert credential["credentialSubject"]["achievement"]["achievementType"] == "MicroCredential"
    assert len(credential["credentialSubject"]["result"]) == 3
    assert credential["issuer"]["address"]["addressCountryCode"] == "FI"
    [evidence] = credential["evidence"]
    assert served.get(evidence["id"]).status_code == 200  # the public evidence page the earner agreed to


@ob2_validator
@pytest.mark.timeout(600)
def test_1edtechs_ob2_validator_accepts_a_reviewed_awards_assertion_with_its_evidence(served, tmp_path):
    award = demonstrated_award(served, tmp_path, public_page=True)
    assert served.get(f"/badges/ob2/assertions/{award}").json()["evidence"][0]["id"]
    code, report = ob2_validate(f"{served.url}/badges/ob2/assertions/{award}")
    assert code == 0, report
