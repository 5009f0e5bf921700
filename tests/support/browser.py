"""A real browser (Debian's Chromium through Playwright) for the tests under tests/browser: the `chromium`
fixture, the learner's-journey world, and the steps those tests share. Playwright is imported only when a
browser test runs, so the rest of the suite needs none of it."""
import json
import shutil
from pathlib import Path

import pytest

from tests.support.badges import write_badges
from tests.support.content import serve_fixture_content

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-results" / "browser"
COURSE, LINK = "intl-skills", "intl-skills-path"
# The development LMS's instructor launches in Finnish (locale fi), its learner in English.
ENGLISH_HEADING, FINNISH_HEADING = "international skills path", "Kansainvälisen osaamisen polkusi"

STARTER_BADGE = """id: mobility-starter
name: Mobility starter
description: Knows the steps of a mobility.
criteria: Completed the module Mobility basics.
rule: {type: module_completed, module: mobility-basics}
image: module.svg
"""


def playwright():
    """playwright.sync_api, or the test is skipped where it is not installed."""
    return pytest.importorskip("playwright.sync_api")


@pytest.fixture
def chromium(tmp_path):
    """Start Chromium with a profile whose Preferences the test writes first: cookie blocking is set there
    (block_every_cookie_of), in the profile, before Chromium starts."""
    with playwright().sync_playwright() as driver:
        contexts = []

        def start(preferences: dict | None = None):
            profile = tmp_path / f"profile-{len(contexts)}"
            (profile / "Default").mkdir(parents=True)
            (profile / "Default" / "Preferences").write_text(json.dumps(preferences or {}))
            context = driver.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1100, "height": 1000},
            )
            contexts.append(context)
            return context

        yield start
        for context in contexts:
            context.close()


@pytest.fixture
def journey_world(lti_world, tmp_path):
    """The fixture path (two modules, Mobility basics scored) and a badge for completing Mobility basics."""
    serve_fixture_content(lti_world, "player", tmp_path)
    lti_world.app.config["BADGE_TEMPLATES_DIR"] = str(
        write_badges(tmp_path / "badges", {"mobility-starter.yaml": STARTER_BADGE}))
    lti_world.app.extensions.pop("badge_catalogue", None)
    return lti_world


def block_every_cookie_of(tool_url: str) -> dict:
    """Like Safari may behave: no cookie for the tool anywhere, partitioned or not, framed or at top level."""
    return {"profile": {"content_settings": {"exceptions": {"cookies": {f"{tool_url},*": {"setting": 2}}}}}}


def launch_in_course_page(page, world, user="learner", **options):
    query = "&".join(f"{k}={v}" for k, v in {"link": LINK, "user": user, **options}.items())
    page.goto(f"{world.devlms.url}/courses/{COURSE}?{query}")
    return page.frame_locator("iframe")


def expect_path_page(tool, role_text: str, heading: str = ENGLISH_HEADING):
    expect = playwright().expect
    expect(tool.get_by_role("heading", level=1)).to_contain_text(heading, timeout=15000)
    expect(tool.get_by_test_id("role")).to_contain_text(role_text)


def keep_screenshot(page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"))


def tab_to(page, frame, matches: str, *, presses: int = 40) -> None:
    """Press Tab until the focused element inside the tool's frame satisfies the JavaScript test `matches`."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if frame.evaluate(f"(element => {matches})(document.activeElement)"):
            return
    pytest.fail(f"Tab never reached an element where {matches}")


def choose_radio(page, frame, activity_id: str, value: str) -> None:
    """Choose an option of a single-choice activity with the keyboard: Tab reaches the radio group once (its options
    come in the attempt's shuffled order), then the arrow keys move through it, choosing as they go."""
    tab_to(page, frame, f"element.type === 'radio' && element.id.startsWith('activity-{activity_id}-')", presses=80)
    for _ in range(10):
        if frame.evaluate("document.activeElement.value") == value:
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
