"""Baking credentials into badge images and reading them back (the OB 2.0 and OB 3.0 baking specs).

PNG: an uncompressed iTXt chunk (keyword `openbadges` for OB 2.0, `openbadgecredential` for OB 3.0), written
and read by Pillow. SVG: the namespace on the root and the assertion/credential element right after it.
"""
import io
from xml.sax.saxutils import quoteattr

from defusedxml import ElementTree

# Pillow (about 3.5 MB per process) is imported in the PNG functions, not here: the modules that import this one
# are loaded by every web worker at start, which bakes or reads a PNG only for a badge image's download (issue 30).

OB2_PNG_KEYWORD, OB3_PNG_KEYWORD = "openbadges", "openbadgecredential"
OB2_SVG_NAMESPACE, OB3_SVG_NAMESPACE = "http://openbadges.org", "https://purl.imsglobal.org/ob/v3p0"


class NotBaked(ValueError):
    """The image carries no credential of the kind asked for."""


def bake_png(png: bytes, keyword: str, text: str) -> bytes:
    from PIL import Image, PngImagePlugin

    image = Image.open(io.BytesIO(png))
    info = PngImagePlugin.PngInfo()
    for key, value in image.text.items():  # keep what the image already says, but never an older badge
        if key not in (OB2_PNG_KEYWORD, OB3_PNG_KEYWORD):
            info.add_text(key, value)
    info.add_itxt(keyword, text, zip=False)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def unbake_png(png: bytes, keyword: str) -> str:
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    image.load()
    value = image.text.get(keyword)
    if value is None:
        raise NotBaked(f"the PNG has no iTXt chunk {keyword!r}")
    return str(value)


def bake_svg_ob2(svg: str, assertion_url: str, assertion_json: str) -> str:
    """`<openbadges:assertion verify="<hosted assertion URL>">` with the assertion's JSON in CDATA, as the OB 2.0
    baking specification writes a hosted assertion (and as 1EdTech's own openbadges-bakery bakes one).

    1EdTech's validator (openbadges 1.1.2 with openbadges-bakery 1.2.4) cannot read this form on Python 3: the
    bakery's `svg_bakery.unbake` returns the attribute as `nodeValue.encode('utf-8')`, bytes, which
    `detect_input_type` then takes for neither a URL, JSON nor a JWS (NotImplementedError) — so it refuses the SVGs
    its own bakery makes. We follow the specification, which readers that look for the attribute need
    (openbadgeslib's `baking.extract_svg` finds nothing without it); the validator still checks the hosted assertion
    the attribute names and the baked PNG (tests/badges/test_credentials.py).
    """
    element = (f"<openbadges:assertion verify={quoteattr(assertion_url)}><![CDATA[{_cdata(assertion_json)}]]>"
               "</openbadges:assertion>")
    return _insert_after_root(svg, "openbadges", OB2_SVG_NAMESPACE, element)


def bake_svg_ob3(svg: str, jws: str) -> str:
    return _insert_after_root(svg, "openbadges", OB3_SVG_NAMESPACE, f"<openbadges:credential verify={quoteattr(jws)}/>")


def unbake_svg(svg: str | bytes, namespace: str) -> tuple[str | None, str | None]:
    """(verify attribute, element text) of the baked element of this namespace."""
    root = ElementTree.fromstring(svg if isinstance(svg, bytes) else svg.encode("utf-8"))
    name = "assertion" if namespace == OB2_SVG_NAMESPACE else "credential"
    element = root.find(f"{{{namespace}}}{name}")
    if element is None:
        raise NotBaked(f"the SVG has no <openbadges:{name}> in {namespace}")
    return element.get("verify"), (element.text or "").strip() or None


def _insert_after_root(svg: str, prefix: str, namespace: str, element: str) -> str:
    start = svg.find("<svg")
    end = svg.find(">", start)
    if start < 0 or end < 0:
        raise ValueError("not an SVG document")
    opening = svg[start:end]
    self_closing = opening.endswith("/")
    if self_closing:
        opening = opening[:-1]
    opening += f' xmlns:{prefix}="{namespace}">'
    rest = svg[end + 1:]
    if self_closing:
        rest = "</svg>" + rest
    return svg[:start] + opening + element + rest


def _cdata(text: str) -> str:
    return text.replace("]]>", "]]]]><![CDATA[>")
