"""The organisation admin's badge issuer profile: each field saved (all or none), the logo taken only as PNG or
JPEG and stored re-encoded, credentials signed after a save naming the new profile, and the issuer's id URL
answering people with a page and programs with JSON-LD."""
import html
import io
import re
from urllib.parse import urlsplit

import jwt
import pytest
from PIL import Image

from app.badges.awarding import awards_of
from app.badges.issuer_settings import MAX_LOGO_BYTES
from app.badges.issuers import issuer_for, issuer_profile
from app.badges.keys import active_badge_key
from app.badges.models import BakedImage
from app.extensions import db
from app.tenancy.services import record_person
from tests.support.badges import complete_module
from tests.support.factories import LEARNER_ROLE, ORG_ADMIN_ROLE, make_launch, make_world, sign_in
from tests.support.forms import csrf_token_from, post_form

pytestmark = pytest.mark.sqlite

PAGE = "/organisation/issuer"
PROFILE = {"name": "Ammattiopisto Esimerkki", "url": "https://www.esimerkki.example/en",
           "email": "badges@esimerkki.example", "description": "A vocational college in Tampere.\nSince 1962.",
           "country": "FI"}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def admin(launch_as):
    return launch_as("organisation admin")


def text_of(response) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split()))


def image_bytes(kind: str, size=(800, 400), **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 40)).save(out, format=kind, **options)
    return out.getvalue()


def upload(client, content: bytes, filename: str, *, content_type: str | None = None):
    token = csrf_token_from(client.get(PAGE))
    file = (io.BytesIO(content), filename, content_type) if content_type else (io.BytesIO(content), filename)
    return client.post(f"{PAGE}/logo", data={"csrf_token": token, "logo": file}, content_type="multipart/form-data")


def earned_award(app, world, clock):
    launch = make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now())
    complete_module(app, launch, "erasmus-plus-for-vet", now=clock.now())
    db.session.commit()
    [award] = awards_of(world.organisation.id, world.learner.id)
    return award


# --- the form ---------------------------------------------------------------------------------------------------


def test_the_organisation_admin_reaches_the_page_from_the_path_page_and_the_sites_page(client, admin):
    assert PAGE in client.get("/").get_data(as_text=True)
    assert PAGE in client.get("/organisation/sites").get_data(as_text=True)


@pytest.mark.parametrize("field", sorted(PROFILE))
def test_each_field_is_saved_and_shown_again(client, admin, world, field):
    response = post_form(client, PAGE, {field: PROFILE[field]}, page=PAGE)
    assert response.status_code == 303
    issuer = issuer_for(world.organisation.id)
    saved = world.organisation.country if field == "country" else getattr(issuer, field)
    assert saved == PROFILE[field]
    page = client.get(PAGE).get_data(as_text=True)
    assert ('<option value="FI" selected>' if field == "country" else PROFILE[field]) in page


def test_blank_fields_fall_back_to_the_installation_and_never_to_the_launch_page(app, client, admin, world):
    app.config.update(BADGE_ISSUER_URL=None, BADGE_ISSUER_EMAIL=None)
    profile = issuer_profile(issuer_for(world.organisation.id))
    assert profile.name == world.organisation.name
    assert profile.url == f"{app.config['BASE_URL']}/badges/issuers/{profile.public_id}"  # its own public page
    assert profile.email == "badges@127.0.0.1"  # OB 2.0 requires one: at the installation's own host
    assert "example.org" not in profile.email
    app.config.update(BADGE_ISSUER_URL="https://rexvet.example", BADGE_ISSUER_EMAIL="badges@rexvet.example")
    profile = issuer_profile(issuer_for(world.organisation.id))
    assert (profile.url, profile.email) == ("https://rexvet.example", "badges@rexvet.example")


@pytest.mark.parametrize("field, value, message", [
    ("url", "www.esimerkki.example", "is not a web address. Write it in full, starting with https://"),
    ("url", "javascript:alert(1)", "is not a web address"),
    ("url", "ftp://esimerkki.example", "is not a web address"),
    ("email", "badges at esimerkki", "is not an e-mail address. Write one like badges@college.example"),
    ("description", "x" * 2001, "The description has 2001 characters; shorten it to at most 2000."),
    ("country", "XX", "Choose your college's country from the list."),
])
def test_a_wrong_field_is_refused_saying_how_to_fix_it_and_nothing_typed_is_lost(client, admin, world, field, value,
                                                                                  message):
    typed = {**PROFILE, field: value}
    response = post_form(client, PAGE, typed, page=PAGE)
    assert response.status_code == 400
    assert message in text_of(response)
    page = response.get_data(as_text=True)
    assert f'data-testid="error-{field}"' in page and 'aria-invalid="true"' in page
    for name in ("name", "url", "email"):
        assert f'value="{typed[name]}"' in page  # everything typed is in the form again
    assert ">A vocational college in Tampere." in page or field == "description"
    issuer = issuer_for(world.organisation.id)
    assert (issuer.name, issuer.url, issuer.email, world.organisation.country) == (None, None, None, None)


def test_the_preview_shows_what_verifiers_see(client, admin):
    post_form(client, PAGE, PROFILE, page=PAGE)
    preview = client.get(PAGE).get_data(as_text=True).split('data-testid="preview"')[1].split("</section>")[0]
    assert f'href="{PROFILE["url"]}"' in preview and PROFILE["name"] in preview
    assert f'href="mailto:{PROFILE["email"]}"' in preview and "Finland" in preview


# --- the logo ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind, filename", [("PNG", "logo.png"), ("JPEG", "logo.jpg")])
def test_a_png_or_jpeg_logo_is_stored_re_encoded_as_a_small_png_without_metadata(client, admin, world, kind,
                                                                                   filename):
    exif = Image.Exif()
    exif[0x010F] = "Secret Camera Maker"  # Make
    options = {"exif": exif.tobytes()}
    response = upload(client, image_bytes(kind, (1600, 800), **options), filename)
    assert response.status_code == 303
    issuer = issuer_for(world.organisation.id)
    stored = Image.open(io.BytesIO(issuer.logo))
    assert stored.format == "PNG" and stored.size == (512, 256)
    assert "exif" not in stored.info and not stored.getexif()
    assert b"Secret Camera Maker" not in issuer.logo
    assert issuer_profile(issuer).image_url.endswith(f"/logo/{issuer.logo_sha256[:16]}.png")


@pytest.mark.parametrize("content, filename, content_type, message", [
    (image_bytes("GIF"), "logo.gif", "image/gif", "“logo.gif” is a GIF file, not a PNG or JPEG image."),
    (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "logo.svg", "image/svg+xml",
     "“logo.svg” is a SVG file, not a PNG or JPEG image."),
    (image_bytes("WEBP"), "logo.webp", "image/webp", "“logo.webp” is a WebP file, not a PNG or JPEG image."),
    (b"Just some notes, nothing to see.\n" * 20, "logo.png", "image/png", "“logo.png” is not a PNG or JPEG image."),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * int(MAX_LOGO_BYTES * 1.1), "big.png", "image/png",
     "“big.png” is larger than 1 MB."),
])
def test_a_logo_that_is_not_a_png_or_jpeg_of_at_most_1_mb_is_refused_and_the_profile_is_kept(
        client, admin, world, content, filename, content_type, message):
    post_form(client, PAGE, PROFILE, page=PAGE)
    assert upload(client, image_bytes("PNG"), "first.png").status_code == 303
    kept = issuer_for(world.organisation.id).logo_sha256

    response = upload(client, content, filename, content_type=content_type)
    assert response.status_code == 400
    shown = text_of(response)
    assert message in shown and "Upload your logo as a PNG or JPEG file" in shown or "Save the logo smaller" in shown
    assert f'value="{PROFILE["name"]}"' in response.get_data(as_text=True)
    issuer = issuer_for(world.organisation.id)
    assert issuer.logo_sha256 == kept and issuer.name == PROFILE["name"]


def test_an_upload_without_a_file_asks_for_one(client, admin):
    token = csrf_token_from(client.get(PAGE))
    response = client.post(f"{PAGE}/logo", data={"csrf_token": token}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose a PNG or JPEG file" in text_of(response)


def test_the_logo_is_public_at_its_version_cached_for_good_and_a_new_logo_is_a_new_url(app, client, admin, world):
    upload(client, image_bytes("PNG"), "logo.png")
    first = urlsplit(issuer_profile(issuer_for(world.organisation.id)).image_url).path
    response = app.test_client().get(first)  # no launch
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert "immutable" in response.headers["Cache-Control"] and "max-age=31536000" in response.headers["Cache-Control"]

    upload(client, image_bytes("JPEG", (300, 300)), "new.jpg")
    second = urlsplit(issuer_profile(issuer_for(world.organisation.id)).image_url).path
    assert second != first
    assert app.test_client().get(first).status_code == 404  # not the current version
    assert app.test_client().get(second).status_code == 200

    response = post_form(client, f"{PAGE}/logo/remove", {}, page=PAGE)
    assert response.status_code == 303
    assert issuer_for(world.organisation.id).logo is None
    assert app.test_client().get(second).status_code == 404
    assert issuer_profile(issuer_for(world.organisation.id)).image_url is None


# --- who may ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_a_learner_or_instructor_may_neither_see_nor_change_the_profile(app, client, launch_as, world, role):
    launch_as(role)
    app.config["WTF_CSRF_ENABLED"] = False  # who may is under test here; CSRF has its own tests
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data=PROFILE).status_code == 403
    assert client.post(f"{PAGE}/logo", data={"logo": (io.BytesIO(image_bytes("PNG")), "l.png")},
                       content_type="multipart/form-data").status_code == 403
    assert client.post(f"{PAGE}/logo/remove").status_code == 403
    assert issuer_for(world.organisation.id).name is None


def test_another_organisations_admin_sees_and_changes_only_their_own(client, clock, admin, world):
    post_form(client, PAGE, PROFILE, page=PAGE)
    theirs = make_world("Theirs")
    their_admin = record_person(theirs.organisation.id, theirs.registration.issuer, "their-admin")
    db.session.flush()
    sign_in(client, make_launch(theirs, their_admin, [ORG_ADMIN_ROLE], now=clock.now()))
    page = client.get(PAGE).get_data(as_text=True)
    assert PROFILE["name"] not in page and PROFILE["email"] not in page
    post_form(client, PAGE, {"name": "Theirs College"}, page=PAGE)
    upload(client, image_bytes("PNG"), "theirs.png")
    assert issuer_for(world.organisation.id).name == PROFILE["name"]
    assert issuer_for(world.organisation.id).logo_sha256 is None
    assert issuer_for(theirs.organisation.id).name == "Theirs College"


def test_without_a_launch_the_page_is_refused(app):
    assert app.test_client().get(PAGE).status_code == 403


# --- credentials ------------------------------------------------------------------------------------------------


def test_after_a_save_each_award_is_signed_again_naming_the_new_profile(app, client, clock, world, launch_as):
    award = earned_award(app, world, clock)
    public = app.test_client()
    old = public.get(f"/badges/credentials/{award.public_id}").get_json()
    public.get(f"/badges/awards/{award.public_id}/ob3.png")
    assert old["issuer"]["name"] != PROFILE["name"]
    old_status = old["credentialStatus"]

    launch_as("organisation admin")
    post_form(client, PAGE, PROFILE, page=PAGE)
    upload(client, image_bytes("PNG"), "logo.png")
    db.session.refresh(award)
    assert award.credential_jwt is None and award.credential is None
    assert db.session.query(BakedImage).filter_by(award_id=award.id).count() == 0

    new = public.get(f"/badges/credentials/{award.public_id}").get_json()
    issuer = new["issuer"]
    assert (issuer["name"], issuer["url"], issuer["email"]) == (PROFILE["name"], PROFILE["url"], PROFILE["email"])
    assert issuer["description"] == PROFILE["description"]
    assert issuer["address"]["addressCountryCode"] == "FI"
    logo = urlsplit(issuer["image"]["id"]).path
    assert public.get(logo).mimetype == "image/png"
    assert new["id"] == old["id"] and new["credentialStatus"] == old_status  # the same award, the same status bit
    token = public.get(f"/badges/credentials/{award.public_id}.jwt").get_data(as_text=True)
    assert jwt.decode(token, options={"verify_signature": False})["issuer"]["name"] == PROFILE["name"]


def test_a_save_that_changes_nothing_keeps_the_signed_credentials(app, client, clock, world, launch_as):
    award = earned_award(app, world, clock)
    launch_as("organisation admin")
    post_form(client, PAGE, PROFILE, page=PAGE)
    app.test_client().get(f"/badges/credentials/{award.public_id}")
    db.session.refresh(award)
    signed = award.credential_jwt
    assert signed is not None
    post_form(client, PAGE, PROFILE, page=PAGE)
    db.session.refresh(award)
    assert award.credential_jwt == signed


def test_a_revoked_award_keeps_its_credential(app, client, clock, world, launch_as):
    from app.badges.awarding import revoke_award

    award = earned_award(app, world, clock)
    app.test_client().get(f"/badges/credentials/{award.public_id}")
    revoke_award(award, "awarded by mistake", now=clock.now(), revoked_by="test", reason_public=True)
    db.session.commit()
    signed = award.credential_jwt
    launch_as("organisation admin")
    post_form(client, PAGE, PROFILE, page=PAGE)
    db.session.refresh(award)
    assert award.credential_jwt == signed


# --- the issuer's id URL: a page for people, JSON-LD for programs ----------------------------------------------------


@pytest.fixture
def issuer_url(client, admin, world):
    active_badge_key(world.organisation.id)  # the key its badges are signed with, else made at the first award
    post_form(client, PAGE, PROFILE, page=PAGE)
    upload(client, image_bytes("PNG"), "logo.png")
    return f"/badges/issuers/{issuer_for(world.organisation.id).public_id}"


def test_a_browser_gets_the_issuers_page_without_any_launch(app, issuer_url):
    response = app.test_client().get(issuer_url, headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Accept" in response.headers["Vary"]
    page = response.get_data(as_text=True)
    shown = text_of(response)
    assert PROFILE["name"] in shown and "A vocational college in Tampere." in shown and "Finland" in shown
    assert f'href="{PROFILE["url"]}"' in page and f'href="mailto:{PROFILE["email"]}"' in page
    assert 'data-testid="issuer-logo"' in page
    assert "Badges issued by this organisation are signed with these keys" in shown
    assert "/badges/keys/" in page.split('data-testid="issuer-keys"')[1]
    assert "launch_token" not in page
    json_link = page.split('data-testid="issuer-json"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert app.test_client().get(json_link, headers={"Accept": BROWSER}).get_json()["name"] == PROFILE["name"]


def test_the_page_is_in_the_browsers_language(app, issuer_url):
    response = app.test_client().get(issuer_url, headers={"Accept": BROWSER, "Accept-Language": "fi"})
    assert '<html lang="fi">' in response.get_data(as_text=True) and "Suomi" in text_of(response)


@pytest.mark.parametrize("accept", ["application/ld+json", "application/json", "*/*", None])
def test_programs_get_the_json_ld_without_any_launch(app, issuer_url, accept):
    response = app.test_client().get(issuer_url, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    assert "Accept" in response.headers["Vary"]
    document = response.get_json(force=True)
    assert document["name"] == PROFILE["name"] and document["url"] == PROFILE["url"]
    assert document["image"]["id"].endswith(".png") and document["address"]["addressCountryCode"] == "FI"


def test_an_unknown_issuer_is_not_found_for_people_and_programs(app):
    for accept in (BROWSER, "application/ld+json"):
        assert app.test_client().get("/badges/issuers/nobody", headers={"Accept": accept}).status_code == 404
