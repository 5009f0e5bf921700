"""A real browser (Debian's Chromium) launches the tool inside the development LMS's iframe, the LMS on
localhost and the tool on 127.0.0.1 (two sites), under each cookie policy a browser may have.

Screenshots of each case are kept in test-results/ as artefacts.
"""
import json
import shutil
from pathlib import Path

import pytest

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-results" / "browser"
COURSE, LINK = "intl-skills", "intl-skills-path"
# The development LMS's instructor launches in Finnish (locale fi), its learner in English.
ENGLISH_HEADING, FINNISH_HEADING = "international skills path", "Kansainvälisen osaamisen polkusi"

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium(tmp_path):
    """Start Chromium with a profile whose Preferences the test writes first (FACTS: the only switches that work)."""
    with playwright.sync_playwright() as driver:
        contexts = []

        def start(preferences: dict | None = None):
            profile = tmp_path / f"profile-{len(contexts)}"
            (profile / "Default").mkdir(parents=True)
            (profile / "Default" / "Preferences").write_text(json.dumps(preferences or {}))
            context = driver.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, viewport={"width": 1100, "height": 1000}
            )
            contexts.append(context)
            return context

        yield start
        for context in contexts:
            context.close()


def block_every_cookie_of(tool_url: str) -> dict:
    """Like Safari may behave: no cookie for the tool anywhere, partitioned or not, framed or at top level."""
    return {"profile": {"content_settings": {"exceptions": {"cookies": {f"{tool_url},*": {"setting": 2}}}}}}


def launch_in_course_page(page, world, user="learner", **options):
    query = "&".join(f"{k}={v}" for k, v in {"link": LINK, "user": user, **options}.items())
    page.goto(f"{world.devlms.url}/courses/{COURSE}?{query}")
    return page.frame_locator("iframe")


def expect_path_page(tool, role_text: str, heading: str = ENGLISH_HEADING):
    expect(tool.get_by_role("heading", level=1)).to_contain_text(heading, timeout=15000)
    expect(tool.get_by_test_id("role")).to_contain_text(role_text)


def keep_screenshot(page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"))


@pytest.mark.parametrize("button, role_text, heading", [
    ("Launch as learner", "Learner", ENGLISH_HEADING), ("Launch as instructor", "Opettaja", FINNISH_HEADING),
])
def test_default_profile_launches_in_the_iframe(lti_world, chromium, button, role_text, heading):
    page = chromium().new_page()
    page.goto(f"{lti_world.devlms.url}/courses/{COURSE}")

    page.get_by_role("button", name=button).first.click()

    expect_path_page(page.frame_locator("iframe"), role_text, heading)
    keep_screenshot(page, f"default-profile-{button.split()[-1]}")


def test_third_party_cookies_allowed_launches_in_the_iframe(lti_world, chromium):
    page = chromium({"profile": {"cookie_controls_mode": 0}}).new_page()

    tool = launch_in_course_page(page, lti_world)

    expect_path_page(tool, "Learner")
    keep_screenshot(page, "third-party-cookies-allowed")


def test_every_cookie_blocked_launches_through_platform_storage(lti_world, chromium):
    context = chromium(block_every_cookie_of(lti_world.tool.url))
    page = context.new_page()

    tool = launch_in_course_page(page, lti_world)

    expect_path_page(tool, "Learner")
    assert not [c for c in context.cookies() if c["domain"] == "127.0.0.1"]
    keep_screenshot(page, "every-cookie-blocked-platform-storage")


def test_every_cookie_blocked_without_storage_continues_in_a_new_window(lti_world, chromium):
    context = chromium(block_every_cookie_of(lti_world.tool.url))
    page = context.new_page()
    tool = launch_in_course_page(page, lti_world, storage="off")
    offer = tool.get_by_role("button", name="Open in a new window")
    expect(offer).to_be_visible(timeout=15000)
    keep_screenshot(page, "every-cookie-blocked-new-window-offer")

    with context.expect_page() as new_window:
        offer.click()
    window = new_window.value

    expect_path_page(window, "Learner")
    assert window.url.startswith(lti_world.tool.url)
    keep_screenshot(window, "every-cookie-blocked-new-window")


def test_two_launches_in_two_tabs_never_mix(lti_world, chromium):
    context = chromium()
    learner_tab, instructor_tab = context.new_page(), context.new_page()
    learner_tool = launch_in_course_page(learner_tab, lti_world, user="learner")
    expect_path_page(learner_tool, "Learner")
    instructor_tool = launch_in_course_page(instructor_tab, lti_world, user="instructor")
    expect_path_page(instructor_tool, "Opettaja", FINNISH_HEADING)

    tool_frame = learner_tab.frames[1]
    tool_frame.goto(tool_frame.url)  # the learner's tab loads its page again after the instructor's launch

    expect_path_page(learner_tab.frame_locator("iframe"), "Learner")
    keep_screenshot(learner_tab, "two-tabs-learner")
    keep_screenshot(instructor_tab, "two-tabs-instructor")
