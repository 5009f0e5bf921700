"""An instructor adds modules with the picker inside the development LMS's iframe, in Chromium, by keyboard and
by the controls' accessible names; the answer goes back to the LMS by itself (its script) and the links appear."""
import pytest

from tests.support.browser import COURSE, keep_screenshot

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect

pytestmark = pytest.mark.browser


def test_instructor_searches_ticks_two_modules_and_the_lms_adds_them(lti_world, chromium):
    page = chromium().new_page()
    page.goto(f"{lti_world.devlms.url}/courses/{COURSE}?deep_link=1&user=instructor")
    tool = page.frame_locator("iframe")

    expect(tool.get_by_role("heading", level=1)).to_have_text("Lisää REX VET Path kurssillesi", timeout=15000)
    search = tool.get_by_label("Hae otsikoista ja oppimistuloksista")
    search.fill("virtual exchange")
    search.press("Enter")  # "Hae" (search) is the form's first button, so Enter searches
    expect(tool.get_by_test_id("modules-found")).to_have_text("1 moduuli löytyi.")
    tool.get_by_role("checkbox", name="Virtuaalivaihto kumppaniluokan kanssa").check()

    search.fill("")
    tool.get_by_label("Taso").select_option("explorer")
    tool.get_by_role("button", name="Hae", exact=True).click()
    kept = tool.get_by_role("group", name="Myös valittu (ei tässä haussa)")
    expect(kept.get_by_role("checkbox", name="Virtuaalivaihto kumppaniluokan kanssa")).to_be_checked()
    tool.get_by_role("group", name="Moduulit").get_by_role("checkbox").first.check()
    keep_screenshot(page, "deep-linking-picker")
    tool.get_by_role("button", name="Lisää kurssille").click()

    expect(tool.get_by_role("heading", level=1)).to_contain_text("Content added to", timeout=15000)
    expect(tool.locator("li")).to_have_count(2)
    keep_screenshot(page, "deep-linking-added")
