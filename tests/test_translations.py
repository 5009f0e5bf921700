"""The interface speaks the partners' languages: complete catalogs, and pages in the locale of the launch."""
import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, render_template_string, request
from flask_babel import Babel, get_locale

from app.i18n import once_per_language, page_gettext
from tests.support.factories import LEARNER_ROLE, make_launch, make_world, sign_in

pytestmark = pytest.mark.sqlite

APP_DIR = Path(__file__).resolve().parents[1] / "app"
TRANSLATIONS = APP_DIR / "translations"
LOCALES = ("fi", "et", "it", "nl", "es")
# The installation admin's pages may stay English; everything else is seen by learners, teachers and LMS admins.
ADMIN_ONLY = ("app/admin/", "app/templates/admin/")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]")

PATH_HEADINGS = {
    "fi": "Kansainvälisen osaamisen polkusi",
    "et": "Sinu rahvusvaheliste oskuste arengutee",
    "it": "Il tuo percorso nelle competenze internazionali",
    "nl": "Jouw leerpad internationale vaardigheden",
    "es": "Tu itinerario de competencias internacionales",
}


def catalog(locale: str):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=locale)


def is_learner_facing(message) -> bool:
    return any(not path.startswith(ADMIN_ONLY) for path, _ in message.locations)


def forms(text: str | tuple) -> tuple:
    """A message's text, or each plural form of it."""
    return text if isinstance(text, tuple) else (text,)


def is_translated(message) -> bool:
    return all(forms(message.string)) and not message.fuzzy


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def source_messages() -> dict[str, list[str]]:
    """What `make translations-extract` finds in the code today: msgid → files."""
    with open(TRANSLATIONS / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, list[str]] = {}
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
    for filename, _, message, _, _ in extract_from_dir(str(APP_DIR), method_map, options_map, keywords=keywords):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, []).append(f"app/{filename}")
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_compiles_without_format_errors(locale):
    messages = catalog(locale)

    problems = [(message.id, errors) for message, errors in messages.check()]
    write_mo(io.BytesIO(), messages)

    assert problems == []


@pytest.mark.parametrize("locale", LOCALES)
def test_every_learner_facing_message_is_translated_and_not_fuzzy(locale):
    messages = [message for message in catalog(locale) if message.id and is_learner_facing(message)]

    untranslated = [message.id for message in messages if not is_translated(message)]

    assert messages
    assert untranslated == []


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders_of_the_english(locale):
    mismatched = [
        (message.id, translation) for message in catalog(locale) if message.id
        for translation in forms(message.string)
        if translation and placeholders(forms(message.id)[-1]) != placeholders(translation)
    ]

    assert mismatched == []


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_has_every_learner_facing_message_of_the_code(locale):
    in_catalog = {message.id for message in catalog(locale)}

    missing = [
        msgid for msgid, files in source_messages().items()
        if msgid not in in_catalog and any(not path.startswith(ADMIN_ONLY) for path in files)
    ]

    assert missing == [], "run `make translations-extract` and translate the new messages"


@pytest.fixture
def compiled_catalogs():
    stale = [
        str(po) for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")
        if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    assert stale == [], "compile the catalogs first: `make translations`"


@pytest.mark.parametrize("locale", LOCALES)
def test_path_page_follows_the_locale_of_the_launch(app, client, clock, compiled_catalogs, locale):
    world = make_world()
    sign_in(client, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now(), locale=locale))

    page = client.get("/").get_data(as_text=True)

    assert f'<html lang="{locale}">' in page
    assert PATH_HEADINGS[locale] in page
    assert "Your international skills path" not in page


def test_regional_launch_locale_uses_its_language(app, client, clock, compiled_catalogs):
    world = make_world()
    sign_in(client, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now(), locale="fi-FI"))

    page = client.get("/").get_data(as_text=True)

    assert PATH_HEADINGS["fi"] in page


def test_refused_launch_is_explained_in_the_browsers_language(client, compiled_catalogs):
    response = client.post(
        "/lti/launch", data={"id_token": "not-a-jwt", "state": "s"}, headers={"Accept-Language": "es-ES,es;q=0.9"}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<html lang="es">' in page
    assert "No se ha podido aceptar el inicio desde tu LMS" in page
    assert "El id_token no es un JWT bien formado." in page
    assert "Referencia para el soporte técnico:" in page


def test_refused_launch_stays_english_without_a_known_language(client, compiled_catalogs):
    response = client.post(
        "/lti/launch", data={"id_token": "not-a-jwt", "state": "s"}, headers={"Accept-Language": "de"}
    )

    page = response.get_data(as_text=True)
    assert "The id_token is not a well-formed JWT." in page
    assert "The launch from your LMS could not be accepted" in page


@pytest.mark.parametrize(("launch_locale", "formats", "language", "date"), [
    ("en", "en_GB", "en", "7 Dec 2026"),  # a bare English locale writes dates the European way
    ("en-GB", "en_GB", "en", "7 Dec 2026"),
    ("en-US", "en_US", "en", "Dec 7, 2026"),
    ("fi-FI", "fi", "fi", "7.12.2026"),
    ("es", "es", "es", "7 dic 2026"),
])
def test_dates_follow_the_readers_locale_and_english_is_written_the_european_way(
        app, launch_locale, formats, language, date):
    from datetime import date as day

    from flask import g
    from flask_babel import format_date, refresh

    from app.i18n import current_language, select_locale

    with app.test_request_context("/"):
        g.locale = launch_locale
        refresh()
        assert select_locale() == formats
        assert current_language() == language
        assert format_date(day(2026, 12, 7), "medium") == date


def test_templates_follow_a_forced_locale_within_a_request_and_return_to_the_readers(app, compiled_catalogs):
    """The templates' translations are kept per request (app.i18n.request_translations): an email written in its
    reader's language with force_locale must still get that language, and the page after it the reader's again."""
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/", headers={"Accept-Language": "fi"}):
        before = render_template_string('{{ _("Your path") }}')
        with force_locale("et"):
            forced = render_template_string('{{ _("Your path") }}')
        after = render_template_string('{{ _("Your path") }}')

    assert (before, forced, after) == ("Polkusi", "Sinu arengutee", "Polkusi")


def test_a_template_text_escapes_its_variables_in_html_and_keeps_them_as_they_are_in_plain_text(app):
    """The templates' `_()` (app.i18n.template_gettext) keeps Jinja's new-style gettext behaviour: a translated text
    is a format string, its variables escaped only where the template escapes (an email's plain text part does not)."""
    from flask import render_template_string

    with app.test_request_context("/"):
        html = render_template_string('{{ _("%(name)s wrote", name=who) }}', who="<b>A&B</b>")
        plain = render_template_string(
            '{% autoescape false %}{{ _("%(name)s wrote", name=who) }}{% endautoescape %}', who="<b>A&B</b>")

    assert html == "&lt;b&gt;A&amp;B&lt;/b&gt; wrote"
    assert plain == "<b>A&B</b> wrote"


def reading_app(name: str, hello: str) -> Flask:
    """An app whose "translation" of hello is its own, in the language the request's browser asks for."""
    app = Flask(name)
    app.config["HELLO"] = hello
    Babel(app, locale_selector=lambda: request.accept_languages.best_match(["en", "fi"]))
    return app


class CountedWords:
    """A once_per_language function that counts how often its words are made."""

    def __init__(self):
        self.made = 0
        self.read = once_per_language(self._make)

    def _make(self) -> str:
        self.made += 1
        return f"{current_app.config['HELLO']} in {get_locale()}"

    def in_language(self, app: Flask, language: str) -> str:
        with app.test_request_context("/", headers={"Accept-Language": language}):
            return self.read()


def test_words_kept_once_per_language_are_made_once_for_each_language():
    words, app = CountedWords(), reading_app("tool", "hello")

    read = [words.in_language(app, language) for language in ("en", "fi", "en", "fi")]

    assert read == ["hello in en", "hello in fi", "hello in en", "hello in fi"]
    assert words.made == 2


def test_two_apps_in_one_process_never_share_the_words_they_keep():
    words, first, second = CountedWords(), reading_app("first", "hello"), reading_app("second", "hei")

    assert [words.in_language(first, "en"), words.in_language(second, "en")] == ["hello in en", "hei in en"]


def test_forgotten_words_are_made_again_in_that_app_only():
    words, forgetting, other = CountedWords(), reading_app("forgetting", "hello"), reading_app("other", "hei")
    words.in_language(forgetting, "en"), words.in_language(other, "en")
    forgetting.config["HELLO"] = other.config["HELLO"] = "good day"

    words.read.forget(forgetting)

    assert [words.in_language(forgetting, "en"), words.in_language(other, "en")] == ["good day in en", "hei in en"]


def app_translating(name: str, hello: str, directory: Path) -> Flask:
    """An app whose Finnish catalog translates "Hello" as `hello`, with the templates' `_` of every page of ours."""
    (directory / "fi" / "LC_MESSAGES").mkdir(parents=True)
    catalog = Catalog(locale="fi")
    catalog.add("Hello", hello)
    with open(directory / "fi" / "LC_MESSAGES" / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)
    app = Flask(name)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(directory)
    Babel(app, locale_selector=lambda: "fi")
    app.context_processor(page_gettext)
    return app


def test_two_apps_in_one_process_render_their_own_translations_of_a_template_text(tmp_path):
    first = app_translating("first", "Hei", tmp_path / "first")
    second = app_translating("second", "Moi", tmp_path / "second")

    rendered = []
    for app in (first, second, first):
        with app.test_request_context("/"):
            rendered.append(render_template_string("{{ _('Hello') }}"))

    assert rendered == ["Hei", "Moi", "Hei"]
