"""A learner's whole journey in a real browser, inside the development LMS's iframe on another site, with every
cookie of the tool blocked (the launch goes through the LMS's platform storage): the self-assessment, a module
done with the keyboard alone, the grade in the LMS's gradebook after the worker runs, the badge on "My badges"
and its public verification page.

The instructor's side (Deep Linking two modules in the iframe) is tests/browser/test_deep_linking_in_iframe.py.
"""
import pytest

from app.jobs.runner import Worker
from tests.support.browser import (
    COURSE,
    block_every_cookie_of,
    choose_radio,
    expect_path_page,
    keep_screenshot,
    launch_in_course_page,
    tab_to,
)

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect

pytestmark = pytest.mark.browser

def press_on(page, frame, matches: str, key: str = "Enter") -> None:
    tab_to(page, frame, matches, presses=80)
    page.keyboard.press(key)


def button_of(activity_id: str) -> str:
    return f"element.tagName === 'BUTTON' && element.form && element.form.action.includes('/activities/{activity_id}')"


def choice(value: str) -> str:
    return f"element.name === 'choice' && element.value === '{value}'"


CONTINUE = "element.dataset.testid === 'continue'"


def test_a_learner_s_journey_from_the_lms_to_a_grade_and_a_verified_badge(journey_world, chromium):
    world = journey_world
    context = chromium(block_every_cookie_of(world.tool.url))
    page = context.new_page()

    # Launched from the course page: the tool's frame on another site, no cookie, platform storage carries the state.
    tool = launch_in_course_page(page, world)
    expect_path_page(tool, "Learner")
    assert not [cookie for cookie in context.cookies() if cookie["domain"] == "127.0.0.1"]
    keep_screenshot(page, "journey-1-path")

    # The self-assessment
    tool.get_by_role("link", name="Take the self-assessment").first.click()
    expect(tool.get_by_role("heading", level=1)).to_have_text("Self-assessment")
    for statement in ("I know the steps of a mobility.", "I know whom to ask."):
        tool.get_by_role("group", name=statement).get_by_role("radio", name="With help").check()
    keep_screenshot(page, "journey-2-self-assessment")
    tool.get_by_role("button", name="Save and go to the next area").click()
    tool.get_by_role("button", name="Skip this area and finish").click()
    expect(tool.get_by_role("heading", level=1)).to_have_text("Your self-assessment report")
    tool.get_by_role("link", name="Go to your path").click()
    expect(tool.get_by_role("link", name="Take the self-assessment again")).to_be_visible()

    # A module with the keyboard alone, from the path page's link to the summary
    frame = page.frames[1]
    press_on(page, frame, "element.textContent.trim() === 'Mobility basics' && element.tagName === 'A'")
    expect(tool.get_by_test_id("module-title")).to_have_text("Mobility basics")
    press_on(page, frame, CONTINUE)
    expect(tool.get_by_role("heading", level=2)).to_have_text("Before")
    choose_radio(page, frame, "first", "prepare")
    press_on(page, frame, button_of("first"))
    expect(tool.get_by_test_id("feedback-first")).to_be_focused()
    press_on(page, frame, choice("agreement"), "Space")
    press_on(page, frame, choice("card"), "Space")
    press_on(page, frame, button_of("documents"))
    expect(tool.get_by_test_id("feedback-documents")).to_contain_text("Right.")
    keep_screenshot(page, "journey-3-module-section")
    press_on(page, frame, CONTINUE)
    expect(tool.get_by_role("heading", level=2)).to_have_text("During")
    choose_radio(page, frame, "homesick", "listen")
    press_on(page, frame, button_of("homesick"))
    expect(tool.get_by_test_id("feedback-homesick")).to_be_focused()
    press_on(page, frame, CONTINUE)
    expect(tool.get_by_role("heading", level=2)).to_have_text("After")
    press_on(page, frame, CONTINUE)  # "Finish the module"
    banner = tool.get_by_role("alert")  # the completion, read out at once, with the badge it earned
    expect(banner).to_contain_text("Module completed")
    expect(banner).to_be_focused()
    earned = banner.get_by_test_id("earned-badges")
    expect(earned).to_contain_text("You earned the badge Mobility starter")
    expect(earned.get_by_role("img", name="Badge image: Mobility starter")).to_be_visible()
    keep_screenshot(page, "journey-4-module-summary")

    # The worker sends the grade; the LMS's gradebook shows it in the path link's column: 1 of 2 modules done, the
    # path not finished (InProgress), graded FullyGraded so that Moodle keeps the 50 (it drops any other score).
    with world.app.app_context():
        Worker(worker_id="journey-worker").run_until_idle()
    gradebook = context.new_page()
    gradebook.goto(f"{world.devlms.url}/courses/{COURSE}/gradebook")
    column = gradebook.get_by_role("region", name="REX VET Path")
    # The score as posted (its row names the progresses); the result row below shows the same 50.0 now.
    score = column.get_by_role("row").filter(has_text="50.0 / 100.0").filter(has_text="InProgress")
    expect(score).to_have_count(1)
    for shown in ("accepted", "learner", "InProgress", "FullyGraded"):
        expect(score).to_contain_text(shown)
    expect(
        column.get_by_role("row", name="learner 50.0 / 100.0 1 of 2")
    ).to_be_visible()  # its result, with the comment
    keep_screenshot(gradebook, "journey-5-lms-gradebook")

    # The badge on "My badges", and its public verification page
    tool.get_by_role("link", name="Back to your path").first.click()
    tool.get_by_role("link", name="See your badges and the ones within reach").click()
    earned = tool.get_by_role("listitem").filter(has_text="Mobility starter").first
    expect(earned).to_be_visible()
    keep_screenshot(page, "journey-6-my-badges")
    with context.expect_page() as opened:
        tool.get_by_role("link", name="Public page of this badge").click()
    verification = opened.value
    verification.wait_for_load_state()
    assert verification.url.startswith(f"{world.tool.url}/badges/awards/")
    expect(verification.get_by_role("heading", level=1)).to_have_text("Mobility starter")
    expect(verification.get_by_test_id("valid")).to_have_text("This badge is valid.")
    expect(verification.get_by_test_id("signature")).to_have_text("verified with the issuer's published key")
    issuer = verification.get_by_test_id("award-issuer")  # the issuer: the college, linking to its profile page
    expect(issuer.get_by_role("link", name="Development College")).to_be_visible()
    expect(verification.get_by_test_id("earner")).to_have_count(0)  # no name unless the learner chooses to show it
    keep_screenshot(verification, "journey-7-badge-verification")
