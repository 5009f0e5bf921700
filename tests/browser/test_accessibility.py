"""Every page type passes axe-core without a serious or critical violation: the learner's whole path, the
instructor's, the organisation admin's and the installation admin's pages in English, the launch pages in the
LMS's frame, the error page, the path page and self-assessment in each other locale on a phone-sized screen, and
the revocation pages (organisation admin's and earner's) in English on a desktop and in Finnish on a phone.
Screenshots and findings (minor ones and axe's "needs review" too): test-results/browser/a11y-*.png, axe-*.json."""
import pytest
from sqlalchemy import select

from tests.browser.accessibility import AccessibilityAudit, launch_token, load_axe, open_from_navigation, visit
from tests.support.browser import COURSE

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
ADMIN_USERNAME, ADMIN_PASSWORD = "ops", "correct horse battery staple"


def launch(page, journey_world, user: str, locale: str = "en", link: str = "intl-skills-path") -> str:
    """A full-page launch from the development LMS; the launch token of the tool's session."""
    page.goto(f"{journey_world.devlms.url}/launch/{link}?user={user}&locale={locale}")
    page.wait_for_url(f"{journey_world.tool.url}/**launch_token=*", timeout=15000)  # the launch's first page
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    return launch_token(page)


def answer_and_continue(page, *choices: str) -> None:
    for choice in choices:
        page.locator(f"input[name=choice][value={choice}]").check()
        page.locator(f"input[name=choice][value={choice}]").locator(
            "xpath=ancestor::form").get_by_role("button").click()
    page.get_by_test_id("continue").click()


def test_the_check_fails_on_a_page_with_serious_violations(lti_world, browser):
    """The audit itself: an unlabelled field and an image without a text alternative fail it, a clean page not."""
    page = browser()
    page.goto(f"{lti_world.tool.url}/admin/login")
    audit = AccessibilityAudit()
    audit.check(page, "check-clean-page")
    audit.assert_passed()

    page.evaluate("""() => {
        document.querySelector('label').remove();
        const image = document.createElement('img');
        image.src = '/static/none.png';
        document.querySelector('main').append(image);
    }""")
    audit.check(page, "check-broken-page")

    with pytest.raises(AssertionError) as failure:
        audit.assert_passed()
    assert "check-broken-page" in str(failure.value) and "check-clean-page" not in str(failure.value)
    assert {"label", "image-alt"} <= {violation["id"] for violation in audit.blocking["check-broken-page"]}


def test_the_learner_s_pages_have_no_serious_accessibility_violation(journey_world, browser):
    page, audit = browser(), AccessibilityAudit()
    token = launch(page, journey_world, "learner")
    audit.check(page, "path-page")

    visit(page, journey_world.tool.url, "/self-assessment", token)
    audit.check(page, "self-assessment")
    page.get_by_role("group", name="I know the steps of a mobility.").get_by_role("radio").last.check()
    page.get_by_role("button", name="Save and go to the next area").click()
    page.get_by_role("button", name="Skip this area and finish").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your self-assessment report")
    page.get_by_role("link", name="Go to your path").click()
    audit.check(page, "path-page-after-self-assessment")

    visit(page, journey_world.tool.url, "/modules/mobility-basics", token)
    audit.check(page, "module-first-section")
    page.get_by_test_id("continue").click()
    audit.check(page, "module-section-with-activities")
    page.locator("input[name=choice][value=prepare]").check()
    page.get_by_role("button", name="Check my answer").first.click()
    expect(page.get_by_test_id("feedback-first")).to_be_focused()
    audit.check(page, "module-section-with-feedback")
    page.locator("input[name=choice][value=agreement]").check()
    page.locator("input[name=choice][value=card]").check()
    page.get_by_role("button", name="Check my answer").nth(1).click()
    page.get_by_test_id("continue").click()
    answer_and_continue(page, "listen")
    page.get_by_test_id("continue").click()  # "Finish the module"
    expect(page.get_by_role("alert")).to_contain_text("Module completed")
    audit.check(page, "module-summary")

    visit(page, journey_world.tool.url, "/badges/mine", token)
    audit.check(page, "my-badges")
    award_url = page.get_by_role("link", name="Public page of this badge").get_attribute("href")
    page.goto(award_url if award_url.startswith("http") else journey_world.tool.url + award_url)
    expect(page.get_by_test_id("valid")).to_be_visible()
    audit.check(page, "award-page")

    page.goto(f"{journey_world.tool.url}/badges/path/areas/mobility")  # an alignment target named in the badges' JSON
    audit.check(page, "badge-alignment-target")

    response = visit(page, journey_world.tool.url, "/modules/no-such-module", token)
    assert response.status == 404
    audit.check(page, "error-page")

    audit.assert_passed()


def test_the_launch_pages_in_the_lms_frame_have_no_serious_accessibility_violation(journey_world, chromium):
    from tests.support.browser import block_every_cookie_of, expect_path_page, launch_in_course_page

    context = chromium(block_every_cookie_of(journey_world.tool.url))
    load_axe(context)
    page, audit = context.new_page(), AccessibilityAudit()
    tool = launch_in_course_page(page, journey_world, storage="off")  # no cookie, no platform storage: the offer
    expect(tool.get_by_role("button", name="Open in a new window")).to_be_visible(timeout=15000)
    audit.check(page, "launch-new-window-offer", frame=page.frames[1])

    tool = launch_in_course_page(page, journey_world)
    expect_path_page(tool, "Learner")
    audit.check(page, "path-page-in-lms-frame", frame=page.frames[1])

    audit.assert_passed()


def test_the_instructor_s_pages_have_no_serious_accessibility_violation(journey_world, browser):
    learner = browser()
    token = launch(learner, journey_world, "learner")
    visit(learner, journey_world.tool.url, "/modules/mobility-basics", token)
    learner.get_by_test_id("continue").click()  # someone on the dashboard, in a module
    page, audit = browser(), AccessibilityAudit()
    launch(page, journey_world, "instructor")
    open_from_navigation(page, "dashboard.course")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text("Laura", exact=False).first).to_be_visible()
    audit.check(page, "course-dashboard")

    page.goto(f"{journey_world.devlms.url}/courses/{COURSE}?deep_link=1&user=instructor")
    tool = page.frame_locator("iframe")
    expect(tool.get_by_role("heading", level=1)).to_have_text("Lisää REX VET Path kurssillesi", timeout=15000)
    audit.check(page, "deep-linking-picker", frame=page.frames[1])
    tool.get_by_role("group", name="Moduulit").get_by_role("checkbox").first.check()
    tool.get_by_label("Taso").select_option("explorer")
    tool.get_by_role("button", name="Hae", exact=True).click()
    expect(tool.get_by_role("group", name="Myös valittu (ei tässä haussa)")).to_be_visible()
    audit.check(page, "deep-linking-picker-search-with-kept-choice", frame=page.frames[1])
    tool.get_by_role("button", name="Lisää kurssille").click()
    expect(tool.get_by_role("heading", level=1)).to_contain_text("Content added to", timeout=15000)
    audit.check(page, "deep-linking-return", frame=page.frames[1])

    audit.assert_passed()


def test_the_organisation_admin_s_pages_have_no_serious_accessibility_violation(journey_world, browser):
    page, audit = browser(), AccessibilityAudit()
    token = launch(page, journey_world, "orgadmin")
    open_from_navigation(page, "reports.skills_map")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    audit.check(page, "skills-map")
    for path, name in [("/organisation/sites", "organisation-sites"), ("/organisation/people", "organisation-people"),
                       ("/reports/settings", "report-settings"), ("/organisation/badges", "organisation-badges")]:
        visit(page, journey_world.tool.url, path, token)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        audit.check(page, name)
    visit(page, journey_world.tool.url, "/", token)
    page.get_by_role("link", name="People and their data").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    audit.check(page, "people-and-their-data")
    page.get_by_role("link", name="Erase…").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    audit.check(page, "erase-confirmation")

    audit.assert_passed()


def award_to_latest_launch_s_person(journey_world) -> str:
    """The journey's badge, awarded to the person of the latest launch (as their completion would): its public id."""
    from app.badges.awarding import award_badge
    from app.badges.catalogue import badge_catalogue
    from app.clock import current_clock
    from app.extensions import db
    from app.lti.models import Launch

    with journey_world.app.app_context():
        launch = db.session.scalars(select(Launch).order_by(Launch.id.desc())).first()
        award = award_badge(launch.organisation_id, launch.person_id, badge_catalogue().badge("mobility-starter"),
                            now=current_clock().now(), evidence=[])
        db.session.commit()
        return award.public_id


@pytest.mark.parametrize("locale, viewport", [("en", None), ("fi", PHONE)], ids=["en-desktop", "fi-phone"])
def test_the_revocation_pages_have_no_serious_accessibility_violation(journey_world, browser, locale, viewport):
    """The organisation admin's award list and revoke confirmation; then the earner's notice, My badges with the
    badge under Revoked, and the revoked award's public page."""
    learner_page, page, audit = browser(viewport), browser(viewport), AccessibilityAudit()
    learner_token = launch(learner_page, journey_world, "learner", locale=locale)
    public_id = award_to_latest_launch_s_person(journey_world)
    token = launch(page, journey_world, "orgadmin", locale=locale)

    open_from_navigation(page, "badge_revocation.awards")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    audit.check(page, f"organisation-badges-{locale}")
    visit(page, journey_world.tool.url, f"/organisation/badges/{public_id}/revoke", token)
    expect(page.get_by_test_id("revoke-consequences")).to_be_visible()
    audit.check(page, f"revoke-confirmation-{locale}")
    page.locator("#reason").fill("Awarded by mistake.")
    page.locator("#shown-to-public").check()
    page.locator("button.danger").click()
    expect(page.locator(f'tr[data-award="{public_id}"] .status-revoked')).to_be_visible()
    audit.check(page, f"organisation-badges-after-revocation-{locale}")

    visit(learner_page, journey_world.tool.url, "/", learner_token)
    expect(learner_page.get_by_test_id("notices")).to_be_visible()
    audit.check(learner_page, f"path-page-with-revocation-notice-{locale}")
    visit(learner_page, journey_world.tool.url, "/badges/mine", learner_token)
    expect(learner_page.get_by_test_id("revoked-badges")).to_be_visible()
    audit.check(learner_page, f"my-badges-revoked-{locale}")
    learner_page.goto(f"{journey_world.tool.url}/badges/awards/{public_id}")
    expect(learner_page.get_by_test_id("revoked")).to_be_visible()
    audit.check(learner_page, f"award-page-revoked-{locale}")

    audit.assert_passed()


SHARE_TEXTS = {
    "en": {"share": "Share", "copy": "Copy the public link", "copied": "Link copied", "yes": "Yes, show my name",
           "verify": "Verify now"},
    "fi": {"share": "Jaa", "copy": "Kopioi julkinen linkki", "copied": "Linkki kopioitu", "yes": "Kyllä, näytä nimeni",
           "verify": "Tarkista nyt"},
}


@pytest.mark.parametrize("locale", ["en", "fi"])
@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_my_badges_with_the_share_menu_open_and_the_award_page_after_verify_now_have_no_serious_violation(
        journey_world, browser, locale, viewport):
    """My badges with the first badge's name question, then with the share menu opened by keyboard and the link
    copied (announced in the row's status region); the award page after "Verify now", showing the result."""
    width = "phone" if viewport else "desktop"
    texts = SHARE_TEXTS[locale]
    page, audit = browser(viewport), AccessibilityAudit()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    token = launch(page, journey_world, "learner", locale=locale)
    public_id = award_to_latest_launch_s_person(journey_world)

    visit(page, journey_world.tool.url, "/badges/mine", token)
    expect(page.get_by_test_id("name-question")).to_be_visible()
    audit.check(page, f"my-badges-name-question-{locale}-{width}")
    page.get_by_role("button", name=texts["yes"]).click()
    expect(page.get_by_test_id("name-question")).to_have_count(0)

    card = page.locator("[data-badge=mobility-starter]")
    summary = card.get_by_test_id("share-menu").locator("summary")
    summary.focus()
    page.keyboard.press("Enter")  # a native disclosure: the keyboard opens it
    expect(card.get_by_test_id("share-linkedin")).to_be_visible()
    expect(card.get_by_test_id("share-link")).to_have_value(f"{journey_world.tool.url}/badges/awards/{public_id}")
    card.get_by_role("button", name=texts["copy"]).click()
    expect(card.locator("[data-copy-status]")).to_have_text(texts["copied"])
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth")
    audit.check(page, f"my-badges-share-open-{locale}-{width}")

    visitor = browser(viewport)
    visitor.set_extra_http_headers({"Accept-Language": locale})
    visitor.goto(f"{journey_world.tool.url}/badges/awards/{public_id}")
    visitor.get_by_role("button", name=texts["verify"]).click()
    expect(visitor.get_by_test_id("verify-result").locator("[data-result=valid]")).to_be_visible()
    expect(visitor.get_by_test_id("skills")).to_be_visible()
    audit.check(visitor, f"award-page-verified-{locale}-{width}")

    audit.assert_passed()


@pytest.mark.parametrize("locale", ["en", "fi"])
@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_badge_issuer_profile_and_the_public_issuer_page_have_no_serious_accessibility_violation(
        journey_world, browser, locale, viewport):
    """The organisation admin's form (with a refused field and a refused logo shown too) and the page the issuer's
    id URL shows a browser, which has no launch and speaks the browser's language."""
    width = "phone" if viewport else "desktop"
    page, audit = browser(viewport), AccessibilityAudit()
    token = launch(page, journey_world, "orgadmin", locale=locale)
    open_from_navigation(page, "badge_issuer.settings")
    expect(page.get_by_test_id("profile-form")).to_be_visible()
    audit.check(page, f"issuer-profile-{locale}-{width}")

    page.locator("#issuer-name").fill("Ammattiopisto Esimerkki")
    page.locator("#issuer-url").fill("www.esimerkki.example")  # no https://: refused, what was typed kept
    expect(page.get_by_test_id("preview")).to_contain_text("Ammattiopisto Esimerkki")  # the live preview
    page.get_by_test_id("profile-form").get_by_role("button").click()
    expect(page.get_by_test_id("error-url")).to_be_visible()
    expect(page.locator("#issuer-name")).to_have_value("Ammattiopisto Esimerkki")
    audit.check(page, f"issuer-profile-refused-{locale}-{width}")

    page.locator("#issuer-url").fill("https://www.esimerkki.example")
    page.locator("#issuer-description").fill("A vocational college.")
    page.locator("#issuer-country").select_option("FI")
    page.get_by_test_id("profile-form").get_by_role("button").click()
    expect(page.locator("#issuer-url")).to_have_value("https://www.esimerkki.example")
    page.locator("#issuer-logo").set_input_files(
        files=[{"name": "logo.gif", "mimeType": "image/gif", "buffer": b"GIF89a" + b"\0" * 40}])
    page.locator("#issuer-logo").locator("xpath=ancestor::form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("logo-error")).to_be_visible()
    audit.check(page, f"issuer-profile-logo-refused-{locale}-{width}")

    public_link = {"en": "Your public issuer page", "fi": "Julkinen myöntäjäsivusi"}[locale]
    public_url = page.get_by_role("link", name=public_link).get_attribute("href")
    visitor = browser(viewport)
    visitor.set_extra_http_headers({"Accept-Language": locale})
    response = visitor.goto(public_url)
    assert response.status == 200 and "launch_token" not in visitor.url and token not in visitor.content()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Ammattiopisto Esimerkki")
    assert visitor.evaluate("document.documentElement.lang").startswith(locale)
    audit.check(visitor, f"issuer-public-page-{locale}-{width}")

    audit.assert_passed()


def test_the_installation_admin_s_pages_have_no_serious_accessibility_violation(journey_world, browser):
    from app.admin import accounts
    from app.extensions import db
    from app.tenancy.models import Deployment, Registration

    with journey_world.app.app_context():
        accounts.create_admin_user(ADMIN_USERNAME, ADMIN_PASSWORD)
        db.session.commit()
        registration_id = db.session.scalars(select(Registration.id)).first()
        deployment = db.session.scalars(select(Deployment)).first()
        deployment_id, organisation_id = deployment.id, deployment.organisation_id
    page, audit = browser(), AccessibilityAudit()

    page.goto(f"{journey_world.tool.url}/admin/login")
    audit.check(page, "admin-login")
    page.get_by_label("Username").fill(ADMIN_USERNAME)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{journey_world.tool.url}/admin/")
    audit.check(page, "admin-overview")
    for path, name in [
        (f"/admin/registrations/{registration_id}", "admin-registration"),
        ("/admin/registrations/new", "admin-registration-new"),
        (f"/admin/deployments/{deployment_id}", "admin-deployment"),
        (f"/admin/organisations/{organisation_id}", "admin-organisation"),
        (f"/admin/organisations/{organisation_id}/grades", "admin-grades"),
        ("/admin/content", "admin-content"),
        ("/admin/tool-values", "admin-tool-values"),
    ]:
        response = page.goto(journey_world.tool.url + path)
        assert response.status == 200, path
        audit.check(page, name)

    audit.assert_passed()


@pytest.mark.parametrize("locale", ["fi", "et", "it", "nl", "es"])
def test_each_locale_s_path_and_self_assessment_have_no_serious_accessibility_violation(journey_world, browser, locale):
    """On a phone-sized screen, where learners often open the path."""
    page, audit = browser(PHONE), AccessibilityAudit()
    token = launch(page, journey_world, "learner", locale=locale)
    assert page.evaluate("document.documentElement.lang").startswith(locale)
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Your international skills path")
    audit.check(page, f"path-page-{locale}")
    visit(page, journey_world.tool.url, "/self-assessment", token)
    audit.check(page, f"self-assessment-{locale}")

    audit.assert_passed()
