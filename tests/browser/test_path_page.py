"""The path page in Chromium with the shipped path: the call to action above the fold at 1280×700 and in the
LMS's 700 px frame, one card per area and no sideways scroll on a 390 px phone, no sideways scroll at 1280 px in
Finnish, 24 px radio buttons, and axe-core clean on a desktop and a phone in English and Finnish.
Screenshots: test-results/browser/path-*.png (path-phone-*-whole-page.png: the cards) and a11y-path-*.png."""
import pytest
from sqlalchemy import select

from tests.browser.accessibility import AccessibilityAudit, launch_token, visit
from tests.support.browser import ARTEFACTS, keep_screenshot, launch_in_course_page

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 700}
PHONE = {"width": 390, "height": 844}
DONE = ("erasmus-plus-for-vet", "supporting-learners-during-mobility")  # two shipped modules, so progress shows


def launch(page, world, locale: str = "en") -> str:
    page.goto(f"{world.devlms.url}/launch/intl-skills-path?user=learner&locale={locale}")
    page.wait_for_url(f"{world.tool.url}/**launch_token=*", timeout=15000)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    return launch_token(page)


def rate_and_complete(world) -> None:
    """What a learner a few weeks in has: a self-assessment (every Rookie statement "on my own") and two modules."""
    from app.clock import current_clock
    from app.extensions import db
    from app.learning.content import path_model
    from app.learning.self_assessment import record_self_assessment
    from app.lti.models import Launch
    from tests.support.badges import complete_module

    with world.app.app_context():
        launch = db.session.scalars(select(Launch).order_by(Launch.id.desc())).first()
        path = path_model()
        record_self_assessment(launch.organisation_id, launch.person_id,
                               {statement.id: 2 for statement in path.statements if statement.level == "rookie"},
                               path=path, now=current_clock().now())
        for module_id in DONE:
            complete_module(world.app, launch, module_id, now=current_clock().now())
        db.session.commit()


def bottom_of(locator) -> tuple[float, float]:
    """The element's bottom edge and the height of the viewport it is in (the frame's, for a framed page)."""
    return tuple(locator.evaluate("element => [element.getBoundingClientRect().bottom, window.innerHeight]"))


def scroll_widths(page) -> tuple[int, int]:
    return tuple(page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]"))


def test_the_call_to_action_is_above_the_fold_at_1280_by_700_before_and_after_the_self_assessment(lti_world,
                                                                                                  browser):
    page, audit = browser(DESKTOP), AccessibilityAudit()
    token = launch(page, lti_world)

    action = page.get_by_test_id("call-to-action")
    expect(action).to_have_text("Take the self-assessment")
    bottom, height = bottom_of(action)
    assert bottom <= height == 700
    keep_screenshot(page, "path-desktop-first-launch")

    rate_and_complete(lti_world)
    visit(page, lti_world.tool.url, "/", token)
    action = page.get_by_test_id("open-recommended")
    expect(action).to_have_text("Start this module")
    bottom, height = bottom_of(action)
    assert bottom <= height == 700
    expect(page.get_by_test_id("path-progress")).to_contain_text(f"{len(DONE)} of 32 modules completed")
    expect(page.get_by_role("progressbar", name=f"{len(DONE)} of 32 modules completed")).to_be_visible()
    assert scroll_widths(page)[0] <= scroll_widths(page)[1]
    expect(page.get_by_test_id("map-recommended")).to_have_count(1)
    keep_screenshot(page, "path-desktop-en")
    audit.check(page, "path-desktop-en")
    audit.assert_passed()


def test_the_call_to_action_is_visible_in_the_lms_s_700_px_frame(lti_world, browser):
    page = browser({"width": 1280, "height": 1000})
    frame = launch_in_course_page(page, lti_world)
    action = frame.get_by_test_id("call-to-action")
    expect(action).to_be_visible(timeout=15000)

    bottom, height = bottom_of(action)

    assert bottom <= height == 700
    keep_screenshot(page, "path-in-lms-frame")


@pytest.mark.parametrize("locale", ["en", "fi"])
def test_on_a_phone_the_map_is_one_card_per_area_without_sideways_scroll(lti_world, browser, locale):
    page, audit = browser(PHONE), AccessibilityAudit()
    token = launch(page, lti_world, locale)
    rate_and_complete(lti_world)
    visit(page, lti_world.tool.url, "/", token)

    scroll_width, client_width = scroll_widths(page)
    assert scroll_width <= client_width
    rows = page.locator("[data-testid=path-map] tbody tr")
    assert rows.count() == 8
    first, second = (rows.nth(index).bounding_box() for index in (0, 1))
    assert first["width"] <= client_width and second["y"] >= first["y"] + first["height"]  # cards, one below another
    expect(rows.first.locator(".cell-level").first).to_be_visible()  # each cell says its level
    expect(page.locator("[data-testid=path-map] thead")).not_to_be_in_viewport()
    for link in page.locator("[data-testid=path-map] .cell-modules a").all()[:10]:
        assert link.bounding_box()["height"] >= 24
    keep_screenshot(page, f"path-phone-{locale}")
    page.screenshot(path=str(ARTEFACTS / f"path-phone-{locale}-whole-page.png"), full_page=True)  # the cards
    audit.check(page, f"path-phone-{locale}")
    audit.assert_passed()


def test_in_finnish_at_1280_nothing_scrolls_sideways(lti_world, browser):
    page, audit = browser(DESKTOP), AccessibilityAudit()
    token = launch(page, lti_world, "fi")
    rate_and_complete(lti_world)
    visit(page, lti_world.tool.url, "/", token)
    expect(page.get_by_test_id("path-progress")).to_contain_text("moduulia suoritettu")

    scroll_width, client_width = scroll_widths(page)
    assert scroll_width <= client_width
    wider = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(element => element.scrollWidth > element.clientWidth + 1 && element.clientWidth > 0
                && getComputedStyle(element).overflowX === 'visible')
        .map(element => `${element.tagName}.${element.className} ${element.scrollWidth}>${element.clientWidth}: `
             + element.outerHTML.slice(0, 160)).slice(0, 5)""")
    assert wider == []  # no cell or heading overflows its box either
    keep_screenshot(page, "path-desktop-fi")
    page.screenshot(path=str(ARTEFACTS / "path-desktop-fi-whole-page.png"), full_page=True)  # the map as a table
    audit.check(page, "path-desktop-fi")
    audit.assert_passed()


def test_radio_buttons_are_24_px_targets(lti_world, browser):
    page = browser(PHONE)
    token = launch(page, lti_world)
    visit(page, lti_world.tool.url, "/self-assessment", token)

    radio = page.locator("input[type=radio]").first
    box = radio.bounding_box()

    assert box["width"] >= 24 and box["height"] >= 24
