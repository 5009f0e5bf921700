"""A module inside the LMS iframe in a real browser, used with the keyboard only: sections, an answer whose
feedback takes focus, the LMS asked to fit its frame (lti.frameResize), and a phone-sized screen."""
import pytest

from tests.support.browser import choose_radio, keep_screenshot, tab_to
from tests.support.content import add_module_link, serve_fixture_content

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = pytest.mark.browser

MODULE_LINK = "mobility-basics-link"


@pytest.fixture
def module_world(lti_world, tmp_path):
    serve_fixture_content(lti_world, "player", tmp_path)
    add_module_link(lti_world, MODULE_LINK, "mobility-basics")
    return lti_world


def test_a_learner_goes_through_a_module_with_the_keyboard_and_hears_the_feedback(module_world, chromium):
    page = chromium().new_page()
    page.goto(f"{module_world.devlms.url}/courses/intl-skills?link={MODULE_LINK}&user=learner")
    # Listening from now on: the tool announces its height on every page it loads, the next one included.
    page.evaluate(
        "window.frameMessages = []; window.addEventListener('message', e => window.frameMessages.push(e.data))"
    )
    tool = page.frame_locator("iframe")
    expect(tool.get_by_test_id("module-title")).to_have_text("Mobility basics", timeout=15000)
    frame = page.frames[1]

    tab_to(page, frame, "element.dataset.testid === 'continue'")
    page.keyboard.press("Enter")
    expect(tool.get_by_role("heading", level=2)).to_have_text("Before")

    choose_radio(page, frame, "first", "prepare")
    tab_to(page, frame, "element.textContent.trim() === 'Check my answer'")
    page.keyboard.press("Enter")

    feedback = tool.get_by_test_id("feedback-first")
    expect(feedback).to_contain_text("Right.")
    expect(feedback).to_be_focused()  # a screen reader reads the feedback next
    messages = page.evaluate("window.frameMessages")
    assert any(message.get("subject") == "lti.frameResize" and message["height"] > 300 for message in messages
               if isinstance(message, dict))
    keep_screenshot(page, "module-keyboard-feedback")


def test_a_section_fits_a_phone_screen(module_world, chromium):
    context = chromium()
    page = context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{module_world.devlms.url}/launch/{MODULE_LINK}?user=learner")  # the LMS's own full-page launch
    page.wait_for_url(f"{module_world.tool.url}/modules/**", timeout=15000)

    expect(page.get_by_test_id("module-title")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
    keep_screenshot(page, "module-on-a-phone")


def test_completing_a_module_with_the_keyboard_announces_the_banner_with_the_score_and_the_next_step(module_world,
                                                                                                       chromium):
    page = chromium().new_page()
    page.goto(f"{module_world.devlms.url}/launch/{MODULE_LINK}?user=learner")
    page.wait_for_url(f"{module_world.tool.url}/modules/**", timeout=15000)
    expect(page.get_by_test_id("completion-rule")).to_contain_text(
        "go through all 4 sections and answer at least 3 of 3 questions right at the first try")
    page.get_by_test_id("continue").click()
    page.locator("input[name=choice][value=prepare]").check()
    page.get_by_role("button", name="Check my answer").first.click()
    page.locator("input[name=choice][value=agreement]").check()
    page.locator("input[name=choice][value=card]").check()
    page.get_by_role("button", name="Check my answer").nth(1).click()
    page.get_by_test_id("continue").click()
    page.locator("input[name=choice][value=listen]").check()
    page.get_by_role("button", name="Choose").first.click()
    page.get_by_test_id("continue").click()

    tab_to(page, page.main_frame, "element.dataset.testid === 'continue'")  # "Finish the module"
    page.keyboard.press("Enter")

    banner = page.get_by_role("alert")  # read out by screen readers as it appears
    expect(banner).to_contain_text("Module completed")
    expect(banner).to_contain_text("with a score of 100 % in attempt 1")
    expect(banner).to_be_focused()
    page.keyboard.press("Tab")
    next_step = banner.get_by_role("link", name="See what to do next on your path")
    expect(next_step).to_be_focused()  # the next step is the next stop of the keyboard
    keep_screenshot(page, "module-completed-banner")
