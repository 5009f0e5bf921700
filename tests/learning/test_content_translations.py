"""Translations: module.<locale>.md carries the texts, and whatever it lacks stays English, section by section."""
import pytest

from app.learning.content import load_content

pytestmark = pytest.mark.sqlite


@pytest.fixture
def module(content_dir):
    return load_content(content_dir("good")).model.module("first-steps")


def test_a_translated_section_shows_in_its_locale(module):
    before = module.section("before")

    assert module.translations == ("fi",)
    assert module.localised("fi") == "Ensiaskeleet"
    assert before.localised("fi") == "Ennen"
    assert before.body.localised("fi") == "Valmistaudu yhdessä opiskelijan kanssa."
    assert module.outcomes[0].localised("fi") == "Tunnet vaiheet."


def test_a_section_missing_from_the_translation_falls_back_to_english(module):
    during = module.section("during")

    assert during.localised("fi") == "During"
    assert during.body.localised("fi") == "Stay in touch."
    assert during.activities[0].items[0].localised("fi") == "Call weekly."


def test_an_activity_missing_from_a_translated_section_stays_english(module):
    after = module.section("after")

    assert after.body.localised("fi") == "Tunnusta opittu."
    assert after.activities[0].localised("fi") == "What would you do differently?"


def test_translated_options_keep_the_english_right_answer(module):
    question = module.section("before").activities[0]

    assert [option.localised("fi") for option in question.options] == ["Valmistautuminen", "Matka"]
    assert [option.feedback.localised("fi") for option in question.options] == ["Oikein.", "Ei vielä."]
    assert [option.correct for option in question.options] == [True, False]


def test_a_locale_without_any_translation_is_english(module):
    assert module.localised("et") == "First steps"
    assert module.section("before").localised("es") == "Before"


def test_each_missing_piece_of_a_translation_is_a_warning_not_an_error(content_dir):
    loaded = load_content(content_dir("good"))

    translation_problems = [(p.severity, p.message) for p in loaded.problems if p.file == "first-steps/module.fi.md"]
    assert translation_problems == [
        ("warning", "section 'during' has no Finnish translation; English is shown"),
        ("warning", "activity 'after-thoughts' has no Finnish translation; English is shown"),
    ]


def test_a_translation_cannot_change_the_right_answer(content_dir):
    directory = content_dir("good")
    translation = directory / "first-steps" / "module.fi.md"
    translation.write_text(translation.read_text().replace("    text: Matka\n", "    text: Matka\n    correct: true\n"))

    loaded = load_content(directory)

    assert [(p.file, p.line, p.message) for p in loaded.errors] == [
        ("first-steps/module.fi.md", 21, "option 'b' of activity 'q1' is `correct: false` in module.md")]


def test_path_texts_fall_back_to_english(content_dir):
    model = load_content(content_dir("good")).model

    assert model.level("rookie").localised("fi") == "Aloittelija"
    assert model.level("rookie").localised("it") == "Rookie"
    assert model.area("mobility").statements_at("rookie")[1].localised("fi") == "Tiedän, keneltä kysyä."


def test_a_module_the_readers_language_lacks_is_marked_in_english_on_the_path_and_in_the_module(
        app, client, launch_as, content_dir):
    import shutil
    directory = content_dir("good")
    shutil.copytree(directory / "first-steps", directory / "english-only")
    (directory / "english-only" / "module.fi.md").unlink()
    english_only = directory / "english-only" / "module.md"
    english_only.write_text(english_only.read_text().replace("id: first-steps", "id: english-only")
                            .replace("title: First steps", "title: Only in English"))
    app.extensions["path_model"] = load_content(directory).model
    launch_as("learner", locale="fi")

    path_page = client.get("/").get_data(as_text=True)
    module_page = client.get("/modules/english-only/sections/before").get_data(as_text=True)
    translated_page = client.get("/modules/first-steps/sections/before").get_data(as_text=True)

    marked = ('<span lang="en">Only in English</span> '
              '<span class="in-english" data-testid="in-english">(englanniksi)</span>')
    assert marked in path_page
    assert path_page.count('data-testid="in-english"') == 1  # first-steps has its Finnish translation
    assert '<span lang="en">Only in English</span>' in module_page
    assert '<div class="section-text" lang="en">' in module_page  # a screen reader reads the English text as English
    assert 'data-testid="in-english"' not in translated_page
    assert '<div class="section-text">' in translated_page
