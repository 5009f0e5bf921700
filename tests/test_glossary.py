"""One voice per language (docs/translation.md): the glossary's checked terms (docs/glossary/checked.yaml) are the
same in the interface, the path, the badges and the modules, and the variants to avoid appear nowhere."""
import re
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from app.config import PROJECT_ROOT

pytestmark = pytest.mark.sqlite

CHECKED = yaml.safe_load((PROJECT_ROOT / "docs" / "glossary" / "checked.yaml").read_text(encoding="utf-8"))


def _locale_values(node, locale):
    """Every text of `locale` in a YAML tree of {en: …, fi: …} mappings (path.yaml, a badge file)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == locale and isinstance(value, str):
                yield value
            else:
                yield from _locale_values(value, locale)
    elif isinstance(node, list):
        for item in node:
            yield from _locale_values(item, locale)


def texts_a_reader_sees(locale: str) -> dict[str, str]:
    """file → the text of that language in it."""
    texts = {}
    with open(PROJECT_ROOT / "app" / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale=locale)
    texts["messages.po"] = "\n".join(
        text for message in catalog if message.id
        for text in (message.string if isinstance(message.string, tuple) else (message.string,)) if text)
    texts["modules/path.yaml"] = "\n".join(
        _locale_values(yaml.safe_load((PROJECT_ROOT / "modules" / "path.yaml").read_text(encoding="utf-8")), locale))
    for badge in sorted((PROJECT_ROOT / "badge_templates").glob("*.yaml")):
        texts[f"badge_templates/{badge.name}"] = "\n".join(
            _locale_values(yaml.safe_load(badge.read_text(encoding="utf-8")), locale))
    for module in sorted((PROJECT_ROOT / "modules").glob(f"*/module.{locale}.md")):
        texts[str(module.relative_to(PROJECT_ROOT))] = module.read_text(encoding="utf-8")
    return texts


@pytest.mark.parametrize("locale", sorted(CHECKED))
def test_the_path_names_the_levels_as_the_glossary_does(locale):
    path = yaml.safe_load((PROJECT_ROOT / "modules" / "path.yaml").read_text(encoding="utf-8"))

    names = {level["id"]: level["title"][locale] for level in path["levels"]}

    assert names == CHECKED[locale]["levels"]


def _found(texts: dict[str, str], patterns: list[str]) -> list[str]:
    return [f"{file}: {match.group(0)!r} (avoid {pattern!r})" for file, text in texts.items() for pattern in patterns
            for match in [re.search(pattern, text)] if match]


@pytest.mark.parametrize("locale", sorted(CHECKED))
def test_no_variant_the_glossary_avoids_appears_anywhere_a_reader_of_the_language_looks(locale):
    assert _found(texts_a_reader_sees(locale), CHECKED[locale]["avoid"]) == []


@pytest.mark.parametrize("locale", sorted(CHECKED))
def test_the_interface_the_path_and_the_badges_address_the_reader_informally(locale):
    texts = {file: text for file, text in texts_a_reader_sees(locale).items() if not file.startswith("modules/")
             or file == "modules/path.yaml"}

    assert _found(texts, CHECKED[locale]["formal"]) == []


def test_every_language_of_the_package_has_its_checked_terms():
    assert set(CHECKED) == {"fi", "et", "it", "nl", "es"}
    assert all(Path(PROJECT_ROOT / "docs" / "glossary" / f"{locale}.md").exists() for locale in CHECKED)
