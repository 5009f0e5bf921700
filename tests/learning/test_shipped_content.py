"""The shipped training package (modules/): every module reachable from the path page, and each translated module
shown in its language."""
import re

import pytest
from markupsafe import escape

from app.config import PROJECT_ROOT
from app.learning.content import load_content

pytestmark = pytest.mark.sqlite

SHIPPED = load_content(PROJECT_ROOT / "modules", locales=["en", "fi", "et", "it", "nl", "es"]).model


def test_the_path_page_links_every_shipped_module(client, launch_as):
    launch_as("learner")

    page = client.get("/").get_data(as_text=True)

    linked = set(re.findall(r'<li data-module="([^"]+)"><a href="/modules/\1\?launch_token=', page))
    assert linked == {module.id for module in SHIPPED.modules}
    assert len(linked) >= 16


@pytest.mark.parametrize("module, locale", [
    (module, locale) for module in SHIPPED.modules for locale in module.translations
])
def test_a_translated_module_is_shown_in_the_launch_s_language(client, launch_as, module, locale):
    launch_as("learner", locale=locale)
    first = module.sections[0]

    page = client.get(f"/modules/{module.id}/sections/{first.id}").get_data(as_text=True)

    assert f'<html lang="{locale}">' in page
    assert module.title.localised(locale) != module.title.english
    assert str(escape(module.title.localised(locale))) in page
    assert str(escape(first.title.localised(locale))) in page and first.title.localised(locale) != first.title.english


def test_the_shipped_package_covers_every_area_at_two_levels_and_every_level():
    cells = {(module.area, module.level) for module in SHIPPED.modules}

    assert all(len({level for area, level in cells if area == path_area.id}) >= 2 for path_area in SHIPPED.areas)
    assert {level for _, level in cells} == {level.id for level in SHIPPED.levels}
    assert {locale for module in SHIPPED.modules for locale in module.translations} >= {"fi", "et", "it", "nl", "es"}
