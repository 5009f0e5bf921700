"""Badge images: the badge's SVG template filled in (Jinja, XML-escaped), and the PNG rendered from it by cairosvg.

cairosvg (with Debian's libcairo2) renders the SVG as a browser would; the text uses only the fonts shipped in
badge_templates/fonts/, through a fontconfig file of its own, so an image looks the same on every machine.
"""
import os
import textwrap
from functools import lru_cache
from pathlib import Path

from defusedxml import ElementTree
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from app.badges.definitions import BadgeDefinition
from app.learning.content.model import PathModel

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
FONTS_FOLDER = "fonts"
LINE_WIDTH = 14  # characters per line of the badge name on the image
SAMPLE = {"name": "A badge name long enough to wrap", "lines": ["A badge name", "long enough", "to wrap"],
          "level": "Practitioner", "area": "Learner mobility", "colour": "#1f5f8b", "badge_id": "sample"}


class TemplateProblem(ValueError):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    # The templates are the college's files: sandboxed, every value XML-escaped, a misspelt placeholder an error.
    return SandboxedEnvironment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)


def _render(template_path: Path, values: dict) -> str:
    try:
        template = _environment().from_string(template_path.read_text(encoding="utf-8"))
        svg = template.render(**values)
    except TemplateError as error:
        raise TemplateProblem(str(error), getattr(error, "lineno", None)) from None
    try:
        root = ElementTree.fromstring(svg.encode("utf-8"))
    except ElementTree.ParseError as error:
        raise TemplateProblem(f"not well-formed XML ({error})", error.position[0]) from None
    except Exception as error:  # defusedxml refuses entities and DTDs: nothing but plain SVG is allowed
        raise TemplateProblem(f"refused: {error}") from None
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise TemplateProblem(f"the root element is {root.tag!r}, not an <svg> in the SVG namespace", 1)
    return svg


def check_template(template_path: Path) -> None:
    """Raise TemplateProblem unless the template renders to well-formed SVG with sample values."""
    _render(template_path, SAMPLE)


def render_svg(directory, badge: BadgeDefinition, path: PathModel | None) -> str:
    """The badge's image as SVG, in English (a badge class has one image, whatever the earner's language)."""
    level = path.level(badge.align_level) if path and badge.align_level else None
    area = path.area(badge.align_area) if path and badge.align_area else None
    name = badge.name.english
    return _render(Path(directory) / "images" / badge.image, {
        "name": name, "lines": textwrap.wrap(name, LINE_WIDTH)[:4], "colour": badge.colour, "badge_id": badge.id,
        "level": level.title.english if level else "", "area": area.title.english if area else "",
    })


def render_png(svg: str, directory, *, size: int = 400) -> bytes:
    """The SVG rendered to a PNG `size` pixels wide with the shipped fonts."""
    os.environ.setdefault("FONTCONFIG_FILE", str(Path(directory).resolve() / FONTS_FOLDER / "fonts.conf"))
    import cairosvg  # after FONTCONFIG_FILE: fontconfig reads it once, when cairo first looks for a font

    return cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=size, output_height=size)
