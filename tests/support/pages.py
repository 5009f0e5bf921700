"""The tool's pages as a browser over real HTTP gets them (an LtiBrowser's session): links to follow and forms to
submit; and the way through the fixture content's Mobility basics with every answer right."""
import html
import re
from urllib.parse import urljoin


class Page:
    """A page of the tool as the browser got it, with what a learner would click or submit on it."""

    def __init__(self, browser, response):
        assert response.status_code == 200, response.text[:800]
        self.browser, self.response, self.text = browser, response, response.text

    def link(self, pattern: str) -> str:
        match = re.search(pattern, self.text)
        assert match, f"no link matching {pattern!r} on {self.response.url}"
        return urljoin(self.response.url, html.unescape(match.group(1)))

    def follow(self, pattern: str) -> "Page":
        return Page(self.browser, self.browser.session.get(self.link(pattern), timeout=30))

    def submit(self, action_contains: str, **fields) -> "Page":
        """POST the form whose action contains this text, with its CSRF token and these fields."""
        for action, body in re.findall(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', self.text, re.S):
            if action_contains in html.unescape(action):
                token = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
                url = urljoin(self.response.url, html.unescape(action))
                return Page(
                    self.browser, self.browser.session.post(url, data={"csrf_token": token, **fields}, timeout=30)
                )
        raise AssertionError(f"no form posting to {action_contains!r} on {self.response.url}")


def complete_mobility_basics(section: Page) -> Page:
    """From the module's first section to its completion, every answer right."""
    section = section.submit("/sections/welcome/done")
    section = section.submit("/activities/first", choice="prepare")
    section = section.submit("/activities/documents", choice=["agreement", "card"])
    section = section.submit("/sections/before/done")
    section = section.submit("/activities/homesick", choice="listen")
    section = section.submit("/sections/during/done")
    return section.submit("/sections/after/done")


def take_self_assessment(first_step: Page, **ratings: str) -> Page:
    """Through the self-assessment's steps from the one shown: each area's step is sent with the ratings of its own
    statements (`rating-<area id>.…` fields) and "next", or skipped without any; the last one finishes the taking.
    Returns the taking's report."""
    page = first_step
    while True:
        area = re.search(r'<fieldset class="area-step" id="area-fieldset" data-area="([^"]+)"', page.text).group(1)
        given = {name: value for name, value in ratings.items() if name.startswith(f"rating-{area}.")}
        last = 'data-testid="finish"' in page.text
        page = page.submit(f"/self-assessment/areas/{area}", action=("finish" if last else "next") if given else "skip",
                           **given)
        if last:
            return page
