"""The header's navigation in Chromium, by keyboard, on a desktop in a 700 px tall window (an LMS frame's height)
and on a phone: every page the role may open is reached with Tab, the current page is marked, the phone's Menu
button opens the links with Enter; My data downloads the person's own data; an error page's ways on work; My data
and the error page pass axe-core in English and Finnish, on a desktop and on a phone.
Screenshots: test-results/browser/nav-*.png and a11y-*.png."""
import csv
import io
import json

import pytest

from tests.browser.accessibility import AccessibilityAudit, launch_token, visit
from tests.support.browser import keep_screenshot

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 700}
PHONE = {"width": 390, "height": 844}
LEARNER_PAGES = ["Your path", "Self-assessment", "My badges", "My data"]
ORGANISATION_ADMIN_PAGES = LEARNER_PAGES + [
    "Course dashboard", "Skills map", "People and their data", "LMS sites and settings", "Badges awarded",
    "Badge reviewers", "Badge issuer profile"]


def launch(page, world, user: str, locale: str = "en") -> str:
    """A full-page launch from the development LMS; the launch token of the tool's session."""
    page.goto(f"{world.devlms.url}/launch/intl-skills-path?user={user}&locale={locale}")
    page.wait_for_url(f"{world.tool.url}/**launch_token=*", timeout=15000)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    return launch_token(page)


def focused(page) -> dict:
    return page.evaluate("""() => {
        const element = document.activeElement;
        return {text: element.textContent.trim(), inNav: !!element.closest('.site-nav'),
                current: element.getAttribute('aria-current'), visible: element.getBoundingClientRect().height > 0};
    }""")


def tab_through_navigation(page) -> list[str]:
    """Tab from the top of the page until focus leaves the header's navigation: the links reached, in order."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        now = focused(page)
        if now["inNav"]:
            assert now["visible"], f"{now['text']} is focused but not shown"
            reached.append(now["text"])
        elif reached:
            return reached
    pytest.fail(f"Tab did not leave the navigation: {reached}")


def test_an_organisation_admin_reaches_every_page_by_keyboard_in_a_700_px_window(journey_world, browser):
    page = browser(DESKTOP)
    launch(page, journey_world, "orgadmin")

    nav = page.get_by_test_id("site-nav")
    expect(nav.get_by_role("link", name="Your path", exact=True)).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("nav-toggle")).to_be_hidden()  # wide enough: the links are listed
    assert tab_through_navigation(page) == ORGANISATION_ADMIN_PAGES
    header_bottom = page.evaluate("document.querySelector('.site-header').getBoundingClientRect().bottom")
    assert header_bottom < 200, f"the header takes {header_bottom}px of a 700 px frame"
    keep_screenshot(page, "nav-desktop-organisation-admin")

    nav.get_by_role("link", name="Skills map").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/reports/skills-map?*")
    expect(nav.get_by_role("link", name="Skills map")).to_have_attribute("aria-current", "page")
    expect(nav.locator("[aria-current]")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]


def test_on_a_phone_the_menu_button_opens_the_links_by_keyboard(journey_world, browser):
    page = browser(PHONE)
    launch(page, journey_world, "learner")
    toggle = page.get_by_test_id("nav-toggle")
    links = page.locator("#site-nav-links")

    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(links).to_be_hidden()
    keep_screenshot(page, "nav-phone-closed")

    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(links).to_be_visible()
    keep_screenshot(page, "nav-phone-open")
    reached = []
    for _ in LEARNER_PAGES:
        page.keyboard.press("Tab")
        reached.append(focused(page)["text"])
    assert reached == LEARNER_PAGES
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.keyboard.press("Enter")  # on My data
    page.wait_for_url("**/my-data?*")
    expect(page.get_by_role("heading", level=1)).to_have_text("My data")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("site-nav").get_by_role("link", name="My data")).to_have_attribute(
        "aria-current", "page")
    page.keyboard.press("Escape")
    expect(links).to_be_hidden()
    expect(toggle).to_be_focused()


def test_my_data_downloads_the_persons_own_data(journey_world, browser):
    page = browser(DESKTOP)
    token = launch(page, journey_world, "learner")
    visit(page, journey_world.tool.url, "/my-data", token)
    keep_screenshot(page, "nav-my-data")

    with page.expect_download() as csv_download:
        page.get_by_test_id("download-csv").click()
    download = csv_download.value
    assert download.suggested_filename.startswith("rex-vet-path-my-data-") and download.suggested_filename.endswith(
        ".csv")
    body = open(download.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(body)))
    person = {row["field"]: row["value"] for row in rows if row["section"] == "person"}
    assert person["lms_user_id"] and person["issuer"] == journey_world.devlms.url
    assert any(row["section"] == "launches" for row in rows)

    with page.expect_download() as json_download:
        page.get_by_test_id("download-json").click()
    data = json.loads(open(json_download.value.path(), encoding="utf-8").read())
    assert data["person"]["lms_user_id"] == person["lms_user_id"]
    assert isinstance(data["person"]["id"], int)


def test_an_error_page_leads_back_and_on_to_the_path(journey_world, browser):
    page = browser(DESKTOP)
    token = launch(page, journey_world, "learner")
    my_data = f"{journey_world.tool.url}/my-data?launch_token={token}"
    page.goto(my_data)

    page.evaluate(f"location.href = '/modules/no-such-module?launch_token={token}'")  # a link from My data
    page.wait_for_url("**/modules/no-such-module?*")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    keep_screenshot(page, "nav-error-page")
    page.get_by_test_id("way-back").click()
    page.wait_for_url("**/my-data?*")
    expect(page.get_by_role("heading", level=1)).to_have_text("My data")

    page.goto(f"{journey_world.tool.url}/modules/no-such-module?launch_token={token}")  # typed: no page to link
    expect(page.get_by_test_id("way-back")).to_have_count(0)
    page.get_by_test_id("history-back").click()  # the browser's Back, which the page shows
    page.wait_for_url("**/my-data?*")

    page.goto(f"{journey_world.tool.url}/modules/no-such-module?launch_token={token}")
    page.get_by_test_id("way-home").click()
    page.wait_for_url(f"{journey_world.tool.url}/?launch_token=*")
    expect(page.get_by_role("heading", level=1)).to_contain_text("international skills path")


def test_an_error_before_any_launch_says_to_open_the_tool_from_the_lms(journey_world, browser):
    page = browser(PHONE)

    response = page.goto(f"{journey_world.tool.url}/my-data")

    assert response.status == 403
    expect(page.get_by_test_id("site-nav")).to_have_count(0)
    expect(page.get_by_text("Open REX VET Path again from your course in the LMS.")).to_be_visible()
    keep_screenshot(page, "nav-error-before-launch")


@pytest.mark.parametrize("locale", ["en", "fi"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_my_data_and_the_error_page_have_no_serious_accessibility_violation(journey_world, browser, locale, viewport):
    page, audit = browser(viewport), AccessibilityAudit()
    token = launch(page, journey_world, "orgadmin", locale=locale)
    size = "desktop" if viewport is DESKTOP else "phone"

    visit(page, journey_world.tool.url, "/my-data", token)
    audit.check(page, f"my-data-{locale}-{size}")
    if viewport is PHONE:
        page.get_by_test_id("nav-toggle").click()
        audit.check(page, f"navigation-open-{locale}-{size}")
    response = visit(page, journey_world.tool.url, "/modules/no-such-module", token)
    assert response.status == 404
    audit.check(page, f"error-page-in-a-launch-{locale}-{size}")
    page.goto(f"{journey_world.tool.url}/my-data")
    audit.check(page, f"error-page-before-a-launch-{size}")

    audit.assert_passed()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
