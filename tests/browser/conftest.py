import pytest

from tests.browser.accessibility import load_axe


@pytest.fixture
def browser(chromium):
    """A new page in its own Chromium context with axe-core loaded, at the given window size (the context's default
    when None), asking for `locale` first (Accept-Language) and allowed the clipboard when asked."""
    def start(viewport: dict | None = None, *, locale: str | None = None, clipboard: bool = False):
        context = chromium()
        load_axe(context)
        if clipboard:
            context.grant_permissions(["clipboard-read", "clipboard-write"])
        page = context.new_page()
        if viewport:
            page.set_viewport_size(viewport)
        if locale:
            page.set_extra_http_headers({"Accept-Language": locale})
        return page
    return start
