"""The admin pages of issue 29 in Chromium, in English and Finnish, 1280 px wide and on a 390 px phone: the organisation
admin's LMS sites page (one collapsible section per LMS, "Copied" beside the copy button that was pressed) and people
page (the merge search used by keyboard alone, then the merge), and the installation admin's overview, registration
and one-time registration URL pages (its copy button). axe-core finds no serious violation on any of them; the
screenshots are kept in test-results/browser/ (a11y-admin-*.png, admin-*.png)."""
import pytest
from sqlalchemy import select

from tests.browser.accessibility import AccessibilityAudit, launch_token, visit
from tests.support.browser import keep_screenshot, tab_to

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = [("en", DESKTOP), ("fi", DESKTOP), ("en", PHONE), ("fi", PHONE)]
IDS = ["en-desktop", "fi-desktop", "en-phone", "fi-phone"]
ADMIN_USERNAME, ADMIN_PASSWORD = "ops", "correct horse battery staple"
WORDS = {
    "en": {"copied": "Copied", "merged": "The two records are now one.", "copy": "Copy"},
    "fi": {"copied": "Kopioitu", "merged": "Henkilötiedot on yhdistetty.", "copy": "Kopioi"},
}


def launch(page, world, user: str, locale: str) -> str:
    page.goto(f"{world.devlms.url}/launch/intl-skills-path?user={user}&locale={locale}")
    page.wait_for_url(f"{world.tool.url}/**launch_token=*", timeout=15000)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    return launch_token(page)


def no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth")


def expect_copied_beside(page, button, word: str) -> None:
    """Pressing the button announces the word in the live region right after it, on the button's line or just below."""
    feedback = button.locator("xpath=following-sibling::*[1]")
    expect(feedback).to_have_attribute("role", "status")
    button.click()
    expect(feedback).to_have_text(word)
    pressed, said = button.bounding_box(), feedback.bounding_box()
    assert abs(said["y"] - pressed["y"]) < 2 * pressed["height"] + 10, (pressed, said)
    assert page.locator("[data-testid=copy-feedback]:not(:empty)").count() == 1  # only beside this button


def twin_of_the_learner(world) -> tuple[int, int]:
    """The launched learner, and a second record of her from another LMS of the college: (kept id, merged id)."""
    from app.extensions import db
    from app.tenancy.models import Person
    from app.tenancy.services import record_person

    with world.app.app_context():
        learner = db.session.scalars(select(Person).where(Person.subject == "learner")).one()
        twin = record_person(learner.organisation_id, "https://its.example", "its-laura", name="Laura Learner",
                             email="laura@its.example")
        db.session.commit()
        return learner.id, twin.id


def choose_by_keyboard(page, field: str, person_id: int) -> None:
    """Tab into the radio group, then the arrow keys to the record (arrows choose as they move), Space to be sure."""
    tab_to(page, page, f"element.type === 'radio' && element.name === '{field}'", presses=60)
    for _ in range(25):
        if page.evaluate("document.activeElement.value") == str(person_id):
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(page.locator(f"input[name={field}][value='{person_id}']")).to_be_checked()


@pytest.mark.parametrize("locale, viewport", VIEWPORTS, ids=IDS)
def test_the_organisation_admin_s_sites_and_people_pages(journey_world, browser, locale, viewport):
    width = "phone" if viewport is PHONE else "desktop"
    words = WORDS[locale]
    learner = browser(viewport, locale=locale, clipboard=True)
    launch(learner, journey_world, "learner", locale)
    kept_id, merged_id = twin_of_the_learner(journey_world)
    page, audit = browser(viewport, locale=locale, clipboard=True), AccessibilityAudit()
    token = launch(page, journey_world, "orgadmin", locale)

    visit(page, journey_world.tool.url, "/organisation/sites", token)
    section = page.get_by_test_id("lms-section").first
    expect(section).to_have_attribute("open", "")  # the college's only LMS: open
    expect(section.locator("summary")).to_contain_text(f"({journey_world.devlms.url})")  # named with its issuer
    audit.check(page, f"admin-organisation-sites-{locale}-{width}")
    issuer_copy = section.locator("input[id$=-issuer] + button")
    expect(issuer_copy).to_have_text(words["copy"])
    expect_copied_beside(page, issuer_copy, words["copied"])
    assert page.evaluate("navigator.clipboard.readText()") == journey_world.devlms.url
    no_horizontal_scroll(page)
    keep_screenshot(page, f"admin-organisation-sites-copied-{locale}-{width}")
    section.locator("summary").focus()
    page.keyboard.press("Enter")  # a native disclosure: the keyboard closes it
    expect(section).not_to_have_attribute("open", "")
    audit.check(page, f"admin-organisation-sites-closed-{locale}-{width}")

    visit(page, journey_world.tool.url, "/organisation/people", token)
    audit.check(page, f"admin-organisation-people-{locale}-{width}")
    tab_to(page, page, "element.id === 'keep-search'", presses=60)
    page.keyboard.type("laura")
    page.keyboard.press("Enter")
    page.wait_for_url("**keep=laura**")
    expect(page.get_by_test_id("keep-results").locator("input[type=radio]")).to_have_count(2)
    no_horizontal_scroll(page)
    audit.check(page, f"admin-organisation-people-search-{locale}-{width}")
    choose_by_keyboard(page, "kept_id", kept_id)
    choose_by_keyboard(page, "merged_id", merged_id)
    tab_to(page, page, "element.type === 'submit' && element.closest('[data-testid=merge-form]') !== null")
    page.keyboard.press("Enter")
    page.wait_for_url("**/organisation/people?**keep=learner**")
    expect(page.get_by_text(words["merged"])).to_be_visible()
    expect(page.get_by_test_id("keep-results").locator("input[type=radio]")).to_have_count(1)  # the twin is gone
    audit.check(page, f"admin-organisation-people-merged-{locale}-{width}")

    from app.extensions import db
    from app.tenancy.models import Person
    with journey_world.app.app_context():
        assert db.session.get(Person, merged_id) is None and db.session.get(Person, kept_id) is not None

    audit.assert_passed()


@pytest.mark.parametrize("locale, viewport", VIEWPORTS, ids=IDS)
def test_the_installation_admin_s_overview_registration_and_registration_url(journey_world, browser, locale, viewport):
    from app.admin import accounts
    from app.extensions import db
    from app.tenancy.models import Deployment

    width = "phone" if viewport is PHONE else "desktop"
    with journey_world.app.app_context():
        accounts.create_admin_user(ADMIN_USERNAME, ADMIN_PASSWORD)
        db.session.commit()
        deployment = db.session.scalars(select(Deployment)).first()
        registration_id, organisation_id = deployment.registration_id, deployment.organisation_id
    page, audit = browser(viewport, locale=locale, clipboard=True), AccessibilityAudit()

    page.goto(f"{journey_world.tool.url}/admin/login")
    page.locator("#username").fill(ADMIN_USERNAME)
    page.locator("#password").fill(ADMIN_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{journey_world.tool.url}/admin/")
    expect(page.locator("[aria-labelledby=registrations-title] table")).to_contain_text(
        {"en": "a new organisation for each new site", "fi": "uusi organisaatio jokaiselle uudelle sivustolle"}[locale])
    expect(page.locator("body")).not_to_contain_text("new_organisation")
    audit.check(page, f"admin-overview-{locale}-{width}")

    page.goto(f"{journey_world.tool.url}/admin/registrations/{registration_id}")
    expect(page.locator("#new_deployment_policy option").first).not_to_contain_text("(new_organisation)")
    audit.check(page, f"admin-registration-{locale}-{width}")

    page.goto(f"{journey_world.tool.url}/admin/organisations/{organisation_id}")
    page.locator("#registration-url-title ~ form button[type=submit]").click()
    page.wait_for_url("**/registration-url")
    field = page.get_by_test_id("invitation-url")
    expect(field).to_be_visible()
    url = field.input_value()
    assert url.startswith(f"{journey_world.tool.url}/lti/register?invitation=")
    expect_copied_beside(page, page.locator("#invitation-url + button"), WORDS[locale]["copied"])
    assert page.evaluate("navigator.clipboard.readText()") == url
    no_horizontal_scroll(page)
    audit.check(page, f"admin-registration-url-copied-{locale}-{width}")

    audit.assert_passed()
