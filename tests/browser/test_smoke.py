"""A real browser (Debian's Chromium, default profile: third-party cookies blocked) launches the tool
inside the development LMS's iframe, on another site than the LMS."""
import shutil

import pytest

playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_page():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context()
        yield context.new_page()
        context.close()
        browser.close()


@pytest.mark.parametrize("button, role_text", [("Launch as learner", "Learner"), ("Launch as instructor", "Instructor")])
def test_tool_launches_inside_the_lms_iframe(lti_world, browser_page, button, role_text):
    page = browser_page
    page.goto(f"{lti_world.devlms.url}/courses/intl-skills")

    page.get_by_role("button", name=button).first.click()

    tool = page.frame_locator("iframe")
    playwright.expect(tool.get_by_role("heading", level=1)).to_contain_text("international skills path", timeout=15000)
    playwright.expect(tool.get_by_test_id("role")).to_contain_text(role_text)
    assert lti_world.tool.url.startswith("http://127.0.0.1") and "localhost" in lti_world.devlms.url
