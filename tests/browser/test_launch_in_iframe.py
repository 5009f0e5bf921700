"""A real browser (Debian's Chromium) launches the tool inside the development LMS's iframe, the LMS on
localhost and the tool on 127.0.0.1 (two sites), under each cookie policy a browser may have.

Screenshots of each case are kept in test-results/ as artefacts.
"""
import pytest

from tests.support.browser import (
    COURSE,
    ENGLISH_HEADING,
    FINNISH_HEADING,
    block_every_cookie_of,
    expect_path_page,
    keep_screenshot,
    launch_in_course_page,
)

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect

pytestmark = pytest.mark.browser


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
