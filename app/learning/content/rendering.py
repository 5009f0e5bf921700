"""Module Markdown → safe HTML: Markdown renders it, nh3 keeps only the tags, attributes and URL schemes listed here."""
import markdown
import nh3
from markupsafe import Markup

# Section titles are the page's h2; a section's own headings start at h3.
ALLOWED_TAGS = {
    "p", "br", "hr", "h3", "h4", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "dl", "dt", "dd", "a", "abbr",
    "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> Markup:
    """HTML safe to put on a page: no scripts, event handlers, styles or javascript: links, whatever the text holds."""
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists", "def_list", "abbr"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        # The pages live in an LMS iframe: resources open in a new tab, without access to this one.
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"a": {"target": "_blank"}},
    )
    return Markup(cleaned)
