"""Submitting the tool's forms as a browser does: with the CSRF token the page carries."""
import re


def csrf_token_from(response) -> str:
    """The CSRF token the page's forms carry, as a browser would submit it."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def post_form(client, url: str, data: dict, *, page: str):
    """Load `page` like a browser, then POST `data` to `url` with the page's CSRF token."""
    token = csrf_token_from(client.get(page))
    return client.post(url, data={"csrf_token": token, **data})
