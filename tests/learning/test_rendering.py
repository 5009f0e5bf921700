"""Module Markdown becomes HTML with nothing raw getting through: no scripts, handlers, styles or javascript: links."""
import pytest

from app.learning.content.rendering import render_markdown

pytestmark = pytest.mark.sqlite


def test_markdown_becomes_html():
    html = render_markdown("### Before you go\n\n- **ID** card\n- [Europass](https://europass.europa.eu/en)")

    assert "<h3>Before you go</h3>" in html
    assert "<strong>ID</strong>" in html
    assert 'href="https://europass.europa.eu/en"' in html


def test_links_open_in_a_new_tab_without_access_to_the_tool():
    html = render_markdown("[Erasmus+](https://erasmus-plus.ec.europa.eu/)")

    assert 'target="_blank"' in html
    assert 'rel="noopener noreferrer"' in html


def test_script_tags_and_their_content_are_removed():
    html = render_markdown("Hello <script>alert('x')</script> world")

    assert "<script" not in html and "alert" not in html
    assert "Hello" in html and "world" in html


def test_javascript_links_lose_their_target():
    html = render_markdown("[click](javascript:alert(1)) and <a href=\"javascript:alert(2)\">here</a>")

    assert "javascript:" not in html
    assert "click" in html and "here" in html


@pytest.mark.parametrize("raw", [
    '<img src="x" onerror="alert(1)">',
    '<a href="https://example.org" onclick="alert(1)">link</a>',
    '<p onmouseover="alert(1)">text</p>',
    '<div style="position:fixed">overlay</div>',
])
def test_event_handlers_and_styles_in_raw_html_are_stripped(raw):
    html = render_markdown(raw)

    assert "alert" not in html
    assert "style=" not in html
    assert "onerror" not in html and "onclick" not in html and "onmouseover" not in html


@pytest.mark.parametrize("raw", ["<iframe src='https://evil.example'></iframe>", "<form action='/x'><input></form>",
                                 "<object data='x'></object>", "<h1>Big</h1>", "<style>body{}</style>"])
def test_raw_html_outside_the_allowed_tags_is_removed(raw):
    html = render_markdown(raw)

    for tag in ("<iframe", "<form", "<input", "<object", "<h1", "<style"):
        assert tag not in html


def test_the_result_is_markup_safe_to_put_in_a_template():
    assert render_markdown("x").__html__() == "<p>x</p>"
