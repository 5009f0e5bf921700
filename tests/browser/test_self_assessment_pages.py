"""The self-assessment in Chromium, as a learner launched from the development LMS, on a desktop (1280 wide, English)
and a phone (390 wide, Finnish): one area per step gone through with the keyboard alone, an empty step's inline
error, leaving half way and resuming at the first unsaved area, the personal report (then / now after a second
taking) and the history. Every page type passes axe-core and fits the screen's width; screenshots and findings:
test-results/browser/a11y-self-assessment-*.png and axe-*.json."""
import pytest

from tests.browser.accessibility import AccessibilityAudit, launch_token, load_axe, visit
from tests.support.browser import keep_screenshot, tab_to

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = pytest.mark.browser

SCREENS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# What the learner reads, per language (the fixture path's level names are its own: Explorer is "Tutkija" there).
WORDS = {
    "en": {"area": "Area %s of 2", "report": "Your self-assessment report", "history": "Your self-assessments",
           "first": "First time", "up": "You moved up", "rookie": "Rookie", "explorer": "Explorer",
           "not_started": "Not started", "saved": "(saved)", "empty": "Rate at least one statement in this area",
           "was_saved": "Your self-assessment is saved.", "earlier": "this is an earlier report"},
    "fi": {"area": "Osa-alue %s/2", "report": "Itsearviointisi raportti", "history": "Itsearviointisi",
           "first": "Ensimmäinen kerta", "up": "Nousit tasolla", "rookie": "Aloittelija", "explorer": "Tutkija",
           "not_started": "Ei aloitettu", "saved": "(tallennettu)", "empty": "Arvioi tällä osa-alueella vähintään",
           "was_saved": "Itsearviointisi on tallennettu.", "earlier": "tämä on aiempi raportti"},
}


def radio(statement_id: str, value: int) -> str:
    return f'[id="rating-{statement_id}-{value}"]'


def fits_the_screen(page) -> None:
    """No sideways scrolling: the page is no wider than the window."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def rate_by_keyboard(page, statement_id: str, value: int) -> None:
    """Tab to the statement's radio group, then arrow to the rating (arrows choose as they move)."""
    tab_to(page, page, f"element.type === 'radio' && element.name === 'rating-{statement_id}'", presses=60)
    for _ in range(8):
        if page.evaluate("document.activeElement.value") == str(value):
            break
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    expect(page.locator(radio(statement_id, value))).to_be_checked()


def press_button(page, test_id: str) -> None:
    tab_to(page, page, f"element.dataset.testid === '{test_id}'", presses=60)
    page.keyboard.press("Enter")


@pytest.mark.parametrize("screen, locale", [("desktop", "en"), ("phone", "fi")])
def test_a_learner_takes_the_self_assessment_step_by_step_resumes_it_and_reads_the_report(
    journey_world, chromium, screen, locale
):
    words, name = WORDS[locale], f"self-assessment-{screen}-{locale}"
    context = chromium()
    load_axe(context)
    page = context.new_page()
    page.set_viewport_size(SCREENS[screen])
    audit = AccessibilityAudit()
    tool = journey_world.tool.url
    page.goto(f"{journey_world.devlms.url}/launch/intl-skills-path?user=learner&locale={locale}")
    page.wait_for_url(f"{tool}/**launch_token=*", timeout=15000)
    token = launch_token(page)

    # Step 1 of 2, its progress told in words and by a progress bar; nothing chosen yet.
    visit(page, tool, "/self-assessment", token)
    expect(page.get_by_test_id("step-position")).to_have_text(words["area"] % 1)
    expect(page.locator("progress#step-progress")).to_have_attribute("value", "0")
    expect(page.locator("[aria-current=step]")).to_have_count(1)
    expect(page.get_by_test_id("who-sees")).to_be_visible()
    fits_the_screen(page)
    audit.check(page, f"{name}-step")

    # Going on with nothing rated: the same step, its message focused at the top and tied to the area's fieldset.
    press_button(page, "next")
    expect(page.get_by_test_id("step-error")).to_be_focused()
    expect(page.get_by_test_id("step-error")).to_contain_text(words["empty"])
    area = page.locator("#area-fieldset")
    expect(area).to_have_attribute("aria-invalid", "true")
    expect(area).to_have_attribute("aria-describedby", "area-error")
    expect(page.get_by_test_id("step-position")).to_have_text(words["area"] % 1)
    fits_the_screen(page)
    audit.check(page, f"{name}-step-error")

    # The keyboard alone: arrows choose a rating, Enter sends the step with its first button ("next").
    rate_by_keyboard(page, "mobility.rookie.1", 2)
    rate_by_keyboard(page, "mobility.rookie.2", 3)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("step-position")).to_have_text(words["area"] % 2)

    # Leaving half way: the path, then the self-assessment again resumes at the first area not saved.
    visit(page, tool, "/", token)
    visit(page, tool, "/self-assessment", token)
    expect(page.get_by_test_id("step-position")).to_have_text(words["area"] % 2)
    expect(page.locator(".assessment-steps li").first).to_contain_text(words["saved"])
    expect(page.get_by_test_id("draft-note")).to_be_visible()
    keep_screenshot(page, f"{name}-resumed")
    press_button(page, "back")  # back to the saved area: its ratings are there
    expect(page.get_by_test_id("step-position")).to_have_text(words["area"] % 1)
    expect(page.locator(radio("mobility.rookie.1", 2))).to_be_checked()
    expect(page.locator(radio("mobility.rookie.2", 3))).to_be_checked()
    press_button(page, "next")
    expect(page.get_by_test_id("step-position")).to_have_text(words["area"] % 2)
    rate_by_keyboard(page, "languages.rookie.1", 1)
    press_button(page, "finish")

    # The report of a first taking.
    expect(page.get_by_role("heading", level=1)).to_have_text(words["report"])
    expect(page.get_by_role("status")).to_contain_text(words["was_saved"])
    mobility = page.locator("section.report-area[data-area=mobility]")
    expect(mobility.get_by_test_id("now")).to_have_text(words["rookie"])
    expect(mobility.get_by_test_id("change")).to_have_text(words["first"])
    expect(mobility.get_by_role("link")).to_have_count(1)  # the module suggested in the area
    fits_the_screen(page)
    audit.check(page, f"{name}-report-first")

    # A second taking, pre-filled from the first: Explorer in mobility, Rookie in languages.
    visit(page, tool, "/self-assessment", token)
    expect(page.locator(radio("mobility.rookie.1", 2))).to_be_checked()
    page.locator(radio("mobility.explorer.1", 2)).check()
    page.locator(radio("mobility.explorer.2", 3)).check()
    page.get_by_test_id("next").click()
    expect(page.locator(radio("languages.rookie.1", 1))).to_be_checked()
    page.locator(radio("languages.rookie.1", 2)).check()
    page.locator(radio("languages.rookie.2", 2)).check()
    page.get_by_test_id("finish").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(words["report"])
    expect(mobility.get_by_test_id("then")).to_have_text(words["rookie"])
    expect(mobility.get_by_test_id("now")).to_have_text(words["explorer"])
    expect(mobility.get_by_test_id("change")).to_have_text(words["up"])
    languages = page.locator("section.report-area[data-area=languages]")
    expect(languages.get_by_test_id("then")).to_have_text(words["not_started"])
    expect(languages.get_by_test_id("now")).to_have_text(words["rookie"])
    fits_the_screen(page)
    audit.check(page, f"{name}-report-then-now")

    # The history: both takings, newest first, each opening its own report.
    visit(page, tool, "/self-assessment/history", token)
    expect(page.get_by_role("heading", level=1)).to_have_text(words["history"])
    takings = page.get_by_test_id("takings").get_by_role("link")
    expect(takings).to_have_count(2)
    fits_the_screen(page)
    audit.check(page, f"{name}-history")
    takings.last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["report"])
    expect(page.locator("main")).to_contain_text(words["earlier"])
    expect(mobility.get_by_test_id("change")).to_have_text(words["first"])

    audit.assert_passed()
