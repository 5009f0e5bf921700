"""The shipped training package (modules/): every module reachable from the path page, and each translated module
shown in its language."""
import re

import pytest
from markupsafe import escape

from app.config import PROJECT_ROOT
from app.learning.content import load_content

pytestmark = pytest.mark.sqlite

SHIPPED = load_content(PROJECT_ROOT / "modules", locales=["en", "fi", "et", "it", "nl", "es"]).model


def test_a_learner_reaches_every_shipped_module_from_the_path_page(client, launch_as):
    launch_as("learner")

    page = client.get("/").get_data(as_text=True)

    links = dict(re.findall(r'<li data-module="([^"]+)"><a href="(/modules/\1\?launch_token=[^"]+)"', page))
    assert set(links) == {module.id for module in SHIPPED.modules}
    assert len(links) >= 32
    for module in SHIPPED.modules:
        opened = client.get(links[module.id].replace("&amp;", "&"), follow_redirects=True)
        assert opened.status_code == 200, module.id
        assert str(escape(module.sections[0].title.english)) in opened.get_data(as_text=True), module.id


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


def test_the_shipped_package_fills_every_area_at_every_level_and_teaches_every_statement():
    cells = {(module.area, module.level) for module in SHIPPED.modules}
    taught = {statement_id for module in SHIPPED.modules for statement_id in module.teaches}

    assert cells == {(area.id, level.id) for area in SHIPPED.areas for level in SHIPPED.levels}
    assert len(cells) == 32
    assert taught == {statement.id for statement in SHIPPED.statements}
    assert {locale for module in SHIPPED.modules for locale in module.translations} >= {"fi", "et", "it", "nl", "es"}
