"""What an instructor's choice becomes: ltiResourceLink items with a title, a text, the launch URL, the module as
custom parameter and a lineItem; and the choices that are refused with a reason."""
import pytest
from flask_babel import force_locale

from app.deep_linking.catalogue import Search, find_modules
from app.deep_linking.selection import InvalidSelection, content_items, read_selection
from tests.support.content import small_path

pytestmark = pytest.mark.sqlite

LAUNCH_URL = "https://tool.example/lti/launch"
PATH = small_path()


def items_for(choices, *, locale="en", accept_multiple=True):
    with force_locale(locale):
        selection = read_selection(choices, PATH, accept_multiple=accept_multiple)
        return content_items(selection, PATH, locale=locale, launch_url=LAUNCH_URL)


def test_a_module_becomes_a_resource_link_with_its_module_parameter_and_a_gradebook_column(app):
    [item] = items_for(["module:mobility-abroad"])

    assert item == {
        "type": "ltiResourceLink",
        "title": "Module mobility-abroad",
        "text": "Learner mobility, Explorer level, 15 minutes. You can do what mobility-abroad teaches.",
        "url": LAUNCH_URL,
        "custom": {"module": "mobility-abroad"},
        "lineItem": {"label": "Module mobility-abroad", "scoreMaximum": 100, "resourceId": "mobility-abroad",
                     "tag": "rexvet-module"},
    }


def test_the_whole_path_is_one_link_without_a_module_parameter_and_its_own_column(app):
    [item] = items_for(["path"])

    assert item["type"] == "ltiResourceLink" and item["url"] == LAUNCH_URL
    assert "custom" not in item  # a link without `module` opens the path page
    assert item["title"] == "REX VET Path: your international skills path"
    assert "4 modules" in item["text"]
    assert item["lineItem"] == {"label": item["title"], "scoreMaximum": 100, "resourceId": "path", "tag": "rexvet-path"}


def test_items_come_whole_path_first_then_modules_in_the_paths_order_once_each(app):
    items = items_for(["module:languages-email", "module:mobility-basics", "path", "module:mobility-basics"])

    assert [item.get("custom", {}).get("module") for item in items] == [None, "mobility-basics", "languages-email"]


def test_titles_and_texts_are_in_the_launchs_language(app):
    [item] = items_for(["module:mobility-basics"], locale="fi")

    assert item["title"] == "Moduuli mobility-basics"
    assert (
        item["text"]
        == "Opiskelijoiden liikkuvuus, taso Aloittelija, 15 minuuttia. You can do what mobility-basics teaches."
    )
    assert item["lineItem"]["label"] == "Moduuli mobility-basics"


@pytest.mark.parametrize("choices, problem", [
    ([], "Choose at least one module or the whole path"),
    (["", "  "], "Choose at least one module or the whole path"),
    (["module:retired-module"], "The path has no module “retired-module” any more."),
    (["mobility-basics"], "“mobility-basics” is not one of the choices on this page."),
    (["file:../../etc/passwd"], "is not one of the choices on this page."),
])
def test_choices_that_name_nothing_on_the_path_are_refused_with_a_reason(app, choices, problem):
    with pytest.raises(InvalidSelection, match=problem):
        items_for(choices)


def test_an_lms_that_adds_one_item_at_a_time_gets_one_or_a_clear_refusal(app):
    assert len(items_for(["module:mobility-basics"], accept_multiple=False)) == 1

    with pytest.raises(InvalidSelection, match="Your LMS adds one item at a time"):
        items_for(["module:mobility-basics", "path"], accept_multiple=False)


@pytest.mark.parametrize("search, found", [
    (Search(), ["mobility-basics", "mobility-abroad", "mobility-guide", "languages-email"]),
    (Search(area_id="languages"), ["languages-email"]),
    (Search(level_id="rookie"), ["mobility-basics", "languages-email"]),
    (Search(area_id="mobility", level_id="explorer"), ["mobility-abroad"]),
    (Search(query="ABROAD"), ["mobility-abroad"]),  # title, any case
    (Search(query="what languages-email teaches"), ["languages-email"]),  # outcomes, every word
    (Search(query="module guide"), ["mobility-guide"]),
    (Search(query="moduuli"), ["mobility-basics", "mobility-abroad", "mobility-guide", "languages-email"]),  # in fi
    (Search(query="nothing-like-this"), []),
])
def test_modules_are_found_by_area_level_title_and_outcome(app, search, found):
    catalogue = find_modules(PATH, search, locale="fi")

    assert [module.id for module in catalogue.modules] == found


def test_search_ignores_accents_and_finds_english_text_on_a_translated_page(app):
    assert [m.id for m in find_modules(PATH, Search(query="Módulé mobility-guide"), locale="fi").modules] == [
        "mobility-guide"
    ]


def test_unknown_area_or_level_is_reported_and_every_module_shown(app):
    catalogue = find_modules(PATH, Search(area_id="astronomy", level_id="wizard"), locale="en")

    assert (catalogue.unknown_area, catalogue.unknown_level) == ("astronomy", "wizard")
    assert len(catalogue.modules) == 4


def test_modules_are_grouped_by_area_then_level_in_the_paths_order(app):
    groups = find_modules(PATH, Search(), locale="en").groups

    assert [(group.area.id, [level.level.id for level in group.levels]) for group in groups] == [
        ("mobility", ["rookie", "explorer", "practitioner"]), ("languages", ["rookie"])]
