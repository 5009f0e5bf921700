"""The browser tests' accessibility check: axe-core, loaded from the project's node_modules (installed by `make test`
from package-lock.json, never a CDN), run on a page or on the tool's frame inside the LMS.

A check fails on violations whose impact is serious or critical; every finding, minor ones included, is written
beside the page's screenshot in test-results/browser/ (axe-<page>.json) for a person to read.
"""
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.browser import ARTEFACTS, keep_screenshot

PROJECT = Path(__file__).resolve().parents[2]
AXE = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")

RUN_AXE = """async () => {
    const result = await axe.run(document);
    const brief = list => list.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map(
            n => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\\s+/g, ' ')),
    }));
    return {violations: brief(result.violations), incomplete: brief(result.incomplete),
            rules_passed: result.passes.map(rule => rule.id)};
}"""


def load_axe(context) -> None:
    """Every page and frame of the browser context gets axe-core before its own scripts (and despite its CSP)."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE.relative_to(PROJECT)}): `make test` installs it, or run `npm ci`")
    context.add_init_script(path=str(AXE))


def run_axe(target) -> dict:
    """axe-core's findings on the page or frame: violations, incomplete (for a person to review), rules passed."""
    found = target.evaluate(RUN_AXE)
    assert len(found["rules_passed"]) > 10, f"axe-core checked almost nothing: {found['rules_passed']}"
    return found


SIDEWAYS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
# The elements reaching past the window's right edge whose children do not (where to look), at most three.
PAST_THE_EDGE = """() => [...document.body.querySelectorAll('*')]
    .filter(element => element.getBoundingClientRect().right > document.documentElement.clientWidth + 1
            && ![...element.children].some(child => child.getBoundingClientRect().right
                                                     > document.documentElement.clientWidth + 1))
    .slice(0, 3).map(element => `<${element.tagName.toLowerCase()} class="${element.className}"> ends at `
                     + `${Math.round(element.getBoundingClientRect().right)} px: `
                     + (element.textContent || '').trim().slice(0, 60))"""


class AccessibilityAudit:
    """Checks pages one after another and fails at the end with every blocking violation of every page, and every
    page that scrolls sideways at the width it was checked at (WCAG 1.4.10 Reflow: a wide table scrolls inside its
    own region, never the page)."""

    def __init__(self):
        self.blocking: dict[str, list[dict]] = {}
        self.sideways: dict[str, tuple[int, int, list[str]]] = {}  # page → its width, the window's, what is wider
        self.checked: list[str] = []

    def check(self, page, name: str, *, frame=None) -> list[dict]:
        """axe-core on the page (or on the tool's frame in it); the screenshot and the findings are kept as
        test-results/browser/a11y-<name>.png and axe-<name>.json."""
        (frame or page).wait_for_load_state("load")
        keep_screenshot(page, f"a11y-{name}")
        found = run_axe(frame or page)
        (ARTEFACTS / f"axe-{name}.json").write_text(json.dumps(found, indent=2, ensure_ascii=False))
        self.checked.append(name)
        blocking = [violation for violation in found["violations"] if violation["impact"] in BLOCKING]
        if blocking:
            self.blocking[name] = blocking
        scroll_width, window_width = (frame or page).evaluate(SIDEWAYS)
        if scroll_width > window_width + 1:
            self.sideways[name] = (scroll_width, window_width, (frame or page).evaluate(PAST_THE_EDGE))
        return found["violations"]

    def assert_passed(self) -> None:
        """No serious or critical violation on any page checked, and no page scrolling sideways."""
        assert not self.blocking, "serious or critical accessibility violations:\n" + "\n".join(
            f"- {page}: [{v['impact']}] {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"])
            for page, violations in self.blocking.items() for v in violations)
        assert not self.sideways, "pages that scroll sideways (scroll width > window width):\n" + "\n".join(
            f"- {page}: {scroll} px > {window} px; " + "; ".join(wider)
            for page, (scroll, window, wider) in self.sideways.items())


def launch_token(page) -> str:
    [token] = parse_qs(urlsplit(page.url).query)["launch_token"]
    return token


def visit(page, tool_url: str, path: str, token: str):
    """Open a tool page in the launch whose token the links carry (the tool's session is not a cookie)."""
    separator = "&" if "?" in path else "?"
    return page.goto(f"{tool_url}{path}{separator}launch_token={token}")


def open_from_navigation(page, endpoint: str) -> None:
    """Follow the header's link to a page (named by its endpoint, in any language), as a person would: on a phone
    the links fold behind the Menu button."""
    toggle = page.get_by_test_id("nav-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    page.get_by_test_id(f"nav-{endpoint}").click()
