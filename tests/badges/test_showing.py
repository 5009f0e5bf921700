"""Showing a badge: My badges' cards with their share menus, the completion banner's share row, and the public award
page an earner sends to an employer (issuer, whose badge, skills, "Verify now")."""
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from app.badges.awarding import awards_of, revoke_award
from app.badges.issuers import issuer_for
from app.clock import as_utc
from app.extensions import db
from tests.support.badges import complete_module
from tests.support.factories import LEARNER_ROLE, make_launch, sign_in
from tests.support.forms import post_form

pytestmark = pytest.mark.sqlite


@pytest.fixture
def signed_in(client, learner_launch):
    sign_in(client, learner_launch)
    return learner_launch


def award_of(world, badge_id):
    return next(award for award in awards_of(world.organisation.id, world.learner.id) if award.badge_id == badge_id)


def base(app) -> str:
    return app.config["BASE_URL"].rstrip("/")


def part(response, testid: str) -> str:
    """The paragraph data-testid=testid of a page."""
    return response.get_data(as_text=True).split(f'data-testid="{testid}">')[1].split("</p>")[0]


def card(page: str, badge_id: str) -> str:
    return page.split(f'data-badge="{badge_id}"')[1].split("</li>\n    {% endfor %}")[0].split('class="badge-card"')[0]


def linkedin_query(html: str) -> dict[str, list[str]]:
    href = unescape(html.split('data-testid="share-linkedin"')[0].rsplit('href="', 1)[1].split('"')[0])
    assert href.startswith("https://www.linkedin.com/profile/add?")
    return parse_qs(urlsplit(href).query)


def test_each_earned_badge_is_a_card_with_image_name_date_issuer_and_status(app, client, signed_in, clock, world):
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    page = client.get("/badges/mine").get_data(as_text=True)
    item = card(page, "erasmus-plus-starter")
    image = item.split('data-testid="badge-image"')[0].rsplit("<img", 1)[1]
    assert 'alt="Badge image: Completed: Erasmus+ in VET"' in image
    assert client.get(image.split('src="')[1].split('"')[0]).mimetype == "image/png"
    assert "<h3>Completed: Erasmus+ in VET</h3>" in item
    assert 'data-testid="awarded-on">' in item and 'data-testid="issuer">College<' in item
    assert 'data-testid="badge-status">valid<' in item


def test_an_expiring_badge_says_when_it_expires_and_then_that_it_expired(app, client, signed_in, clock, world):
    complete_module(app, signed_in, "skills-competitions", now=clock.now())
    status = card(client.get("/badges/mine").get_data(as_text=True), "skills-competitions").split(
        'data-testid="badge-status">')[1].split("</dd>")[0]
    assert status.startswith("valid, expires on ")
    clock.advance(days=1096)
    sign_in(client, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now()))  # the old launch ended
    status = card(client.get("/badges/mine").get_data(as_text=True), "skills-competitions").split(
        'data-testid="badge-status">')[1].split("</dd>")[0]
    assert "expired on " in status


def test_the_share_menu_adds_to_linkedin_with_the_award_page_and_no_expiry_for_a_badge_that_does_not_expire(
        app, client, signed_in, clock, world):
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    award = award_of(world, "erasmus-plus-starter")
    item = card(client.get("/badges/mine").get_data(as_text=True), "erasmus-plus-starter")
    assert '<details class="share-menu"' in item and "<summary" in item.split('class="share-menu"')[1]
    query = linkedin_query(item)
    awarded = as_utc(award.awarded_at)
    assert query == {
        "startTask": ["CERTIFICATION_NAME"], "name": ["Completed: Erasmus+ in VET"], "organizationName": ["College"],
        "issueYear": [str(awarded.year)], "issueMonth": [str(awarded.month)],
        "certUrl": [f"{base(app)}/badges/awards/{award.public_id}"], "certId": [award.public_id],
    }


def test_linkedin_gets_the_expiry_month_of_a_badge_that_expires(app, client, signed_in, clock, world):
    complete_module(app, signed_in, "skills-competitions", now=clock.now())
    expires = as_utc(award_of(world, "skills-competitions").expires_at)
    query = linkedin_query(card(client.get("/badges/mine").get_data(as_text=True), "skills-competitions"))
    assert query["expirationYear"] == [str(expires.year)] and query["expirationMonth"] == [str(expires.month)]


def test_the_share_menu_copies_the_public_link_and_writes_an_email(app, client, signed_in, clock, world):
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    award = award_of(world, "erasmus-plus-starter")
    item = card(client.get("/badges/mine").get_data(as_text=True), "erasmus-plus-starter")
    link = item.split('data-testid="share-link"')[0].rsplit("<input", 1)[1]
    assert "readonly" in link and f'value="{base(app)}/badges/awards/{award.public_id}"' in link
    assert 'data-copy-button="Copy the public link"' in link and 'data-copied-message="Link copied"' in link
    assert 'role="status" aria-live="polite"' in item
    mailto = unescape(item.split('data-testid="share-email"')[0].rsplit('href="', 1)[1].split('"')[0])
    assert mailto.startswith("mailto:?")
    assert parse_qs(mailto[len("mailto:?"):]) == {"subject": ["Completed: Erasmus+ in VET"],
                                                 "body": [f"{base(app)}/badges/awards/{award.public_id}"]}


def test_one_png_download_and_the_other_formats_in_a_disclosure(app, client, signed_in, clock, world):
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    award = award_of(world, "erasmus-plus-starter")
    post_form(client, "/badges/mine/settings", {"email": "lea@college.example.org"}, page="/badges/mine")
    item = card(client.get("/badges/mine").get_data(as_text=True), "erasmus-plus-starter")
    png = item.split('data-testid="download-png"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert png == f"/badges/awards/{award.public_id}/ob3.png"
    assert client.get(png).mimetype == "image/png"
    other = item.split('data-testid="other-formats"')[1].split("</details>")[0]
    for kind in ("ob3.svg", "ob2.png", "ob2.svg"):
        assert f"/badges/awards/{award.public_id}/{kind}" in other
    assert f"/badges/credentials/{award.public_id}?download=1" in other
    assert f"/badges/credentials/{award.public_id}.jwt?download=1" in other
    assert item.count("ob3.png") == 1
    privacy = item.split('class="badge-privacy"')[1].split("</form>")[0]
    assert '<button type="submit" class="secondary">Make this badge private</button>' in privacy


def test_my_badges_says_which_email_the_credentials_name(app, client, signed_in, clock, world):
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    said = part(client.get("/badges/mine"), "credential-email")
    assert "name you by no email address" in said and 'href="#badge-settings"' in said
    post_form(client, "/badges/mine/settings", {"email": "Lea@College.example.org"}, page="/badges/mine")
    said = part(client.get("/badges/mine"), "credential-email")
    assert "the email address you gave on this page: lea@college.example.org" in said


def test_my_badges_names_the_lms_email_when_the_earner_gave_none(app, client, signed_in, clock, world):
    world.learner.email = "lea.learner@lms.example.org"
    db.session.commit()
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    said = part(client.get("/badges/mine"), "credential-email")
    assert "the email address your LMS sent: lea.learner@lms.example.org" in said


def test_the_first_badge_asks_whether_award_pages_show_the_name_and_the_answer_is_kept(
        app, client, signed_in, clock, world):
    assert 'data-testid="name-question"' not in client.get("/badges/mine").get_data(as_text=True)  # nothing earned
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    assert 'data-testid="name-question"' in client.get("/badges/mine").get_data(as_text=True)
    award_page = f"/badges/awards/{award_of(world, 'erasmus-plus-starter').public_id}"
    assert "The earner chose not to show their name." in client.get(award_page).get_data(as_text=True)

    response = post_form(client, "/badges/mine/name", {"show_name": "yes"}, page="/badges/mine")
    assert response.status_code == 302
    page = client.get("/badges/mine").get_data(as_text=True)
    assert 'data-testid="name-question"' not in page and 'id="show_name" name="show_name" value="yes" checked' in page
    assert "Awarded to Lea Learner" in client.get(award_page).get_data(as_text=True)


def test_answering_no_hides_the_name_and_the_question(app, client, signed_in, clock, world):
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    post_form(client, "/badges/mine/name", {"show_name": "no"}, page="/badges/mine")
    assert 'data-testid="name-question"' not in client.get("/badges/mine").get_data(as_text=True)
    page = client.get(f"/badges/awards/{award_of(world, 'erasmus-plus-starter').public_id}").get_data(as_text=True)
    assert "Lea Learner" not in page and "The earner chose not to show their name." in page


def test_saving_the_settings_answers_the_name_question_too(app, client, signed_in, clock, world):
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    post_form(client, "/badges/mine/settings", {"email": ""}, page="/badges/mine")
    assert 'data-testid="name-question"' not in client.get("/badges/mine").get_data(as_text=True)


def test_the_completion_banner_has_the_share_row_of_each_badge_just_earned(app, client, signed_in, clock, world):
    complete_module(app, signed_in, "skills-competitions", now=clock.now())
    db.session.commit()
    notice = client.get("/modules/skills-competitions/summary").get_data(as_text=True).split(
        'data-testid="earned-badges"')[1].split("</section>")[0]
    award = award_of(world, "skills-competitions")
    row = notice.split('data-testid="share-row"')[1]
    assert linkedin_query(row)["certId"] == [award.public_id] and "expirationYear" in linkedin_query(row)
    assert 'data-testid="share-email"' in row and f'value="{base(app)}/badges/awards/{award.public_id}"' in row


def test_the_award_page_names_the_issuer_with_its_logo_and_profile_page(app, client, signed_in, clock, world):
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    issuer = issuer_for(world.organisation.id)
    issuer.image_url = "https://college.example.org/logo.png"
    db.session.commit()
    page = client.get(f"/badges/awards/{award_of(world, 'erasmus-plus-starter').public_id}").get_data(as_text=True)
    header = page.split('data-testid="award-issuer">')[1].split("</p>")[0]
    assert 'src="https://college.example.org/logo.png" alt="Logo of College"' in header
    profile = header.split('<a href="')[1].split('"')[0]
    assert profile == f"{base(app)}/badges/issuers/{issuer.public_id}" and ">College</a>" in header
    assert "text/html" in client.get(profile, headers={"Accept": "text/html"}).content_type


def test_the_award_page_lists_the_badges_skills(app, client, signed_in, clock, world):
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    page = client.get(f"/badges/awards/{award_of(world, 'erasmus-plus-starter').public_id}").get_data(as_text=True)
    skills = page.split('data-testid="skills"')[1].split("</section>")[0]
    for tag in ("erasmus-plus", "eu-vet-policy", "rookie"):
        assert f"<li>{tag}</li>" in skills


def test_verify_now_checks_again_and_says_when_then_shows_a_revocation(app, client, signed_in, clock, world):
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    award = award_of(world, "erasmus-plus-starter")
    url = f"/badges/awards/{award.public_id}"
    assert 'data-testid="verify-result"' not in client.get(url).get_data(as_text=True)
    assert 'data-testid="verify-now"' in client.get(url).get_data(as_text=True)
    result = part(client.get(url + "?verify=1"), "verify-result")
    assert 'data-result="valid"' in result and "Checked at " in result and clock.now().strftime("%Y") in result
    revoke_award(award, "awarded by mistake", now=clock.now(), revoked_by="test", reason_public=True)
    db.session.commit()
    result = part(client.get(url + "?verify=1"), "verify-result")
    assert 'data-result="revoked"' in result and "this badge is revoked" in result


def test_a_private_badge_has_no_share_menu_but_keeps_its_downloads(app, client, signed_in, clock, world):
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    award = award_of(world, "erasmus-plus-starter")
    post_form(client, f"/badges/mine/awards/{award.public_id}/privacy", {"private": "yes"}, page="/badges/mine")
    item = card(client.get("/badges/mine").get_data(as_text=True), "erasmus-plus-starter")
    assert 'data-testid="share-menu"' not in item and "linkedin" not in item
    assert 'data-testid="download-png"' in item and "Make this badge public" in item


def test_the_share_menu_and_verify_now_speak_finnish(app, client, clock, world):
    launch = make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now(), locale="fi")
    sign_in(client, launch)
    complete_module(app, launch, "erasmus-plus-for-vet", now=clock.now())
    item = card(client.get("/badges/mine").get_data(as_text=True), "erasmus-plus-starter")
    assert "Jaa<" in item and "Lisää LinkedIn-profiiliin" in item and "Lataa osaamismerkki (PNG)" in item
    assert 'data-copied-message="Linkki kopioitu"' in item
    url = f"/badges/awards/{award_of(world, 'erasmus-plus-starter').public_id}?verify=1"
    page = client.get(url, headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert "Tarkista nyt" in page and "Tarkistettu " in page
