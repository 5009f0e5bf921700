"""The reader's language, and the locale their dates and numbers are written in (Flask-Babel's locale).

Times are shown in the reader's organisation's time zone (its admin's setting; UTC without one), and say which.

The language is what the LMS sent at launch (kept for the session), else the browser's preference: one of
config LANGUAGES, and what texts are looked up by (`current_language()`). English is written for European
readers: a bare `en` formats dates and numbers as en_GB (7 December 2026, not December 7, 2026); a launch that
says en-US gets en_US.

Words every page in a language shares (labels, a table's fixed texts) are translated once per app and locale with
`@once_per_language`, the one way to keep them.
"""
import functools
from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

from babel import Locale
from flask import current_app, g, has_request_context, request
from flask_babel import format_datetime, get_locale, get_timezone, get_translations
from jinja2 import pass_eval_context
from markupsafe import Markup

TIME_ZONE_SOURCE = "time_zone_source"  # app.extensions key: the feature that knows the request's organisation
WORDS_PER_LANGUAGE = "words_per_language"  # app.extensions key: a once_per_language function → locale → its result
ENGLISH_FORMATS = {"US": "en_US"}  # the English regions formatted otherwise than en_GB
DEFAULT_ENGLISH_FORMAT = "en_GB"


def select_locale() -> str:
    """Flask-Babel's locale selector: the language, with the English region for formats."""
    if not has_request_context():  # CLI, worker, services outside a request
        return _with_formats(current_app.config["BABEL_DEFAULT_LOCALE"], None)
    languages = current_app.config["LANGUAGES"]
    launch_locale = getattr(g, "locale", None)
    if launch_locale:
        language, _, region = launch_locale.replace("_", "-").partition("-")
        for candidate in (launch_locale, language):
            if candidate in languages:
                return _with_formats(candidate, region.upper() or None)
    chosen = request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    return _with_formats(chosen, None)


def _with_formats(language: str, region: str | None) -> str:
    if language != "en":
        return language
    return ENGLISH_FORMATS.get(region, DEFAULT_ENGLISH_FORMAT)


def install_template_gettext(jinja_env) -> None:
    """The templates' _(), ngettext(), pgettext() and npgettext(), as flask_babel installs them but with the
    translations looked up once per locale in a request (flask_babel looks them up in every call, about half of
    its cost; a page has dozens), and `_()`'s texts translated once per language for the process."""
    jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    jinja_env.globals["_"] = jinja_env.globals["gettext"] = template_gettext
    # create_app adds page_gettext as a context processor: the page's own `_`, its language looked up per render.


TEMPLATE_TEXTS = "template_texts"  # app.extensions key: language → {a template's literal text → its translation}
_TEXTS_OUTSIDE_AN_APP: dict[str, str] = {}  # the same, untranslated, where there is no locale (no request or app)


def _gettext_with(texts: dict[str, str]):
    """The templates' `_()` over one language's translated texts: what Jinja's new-style gettext gives (the
    translation, `%` applied with the variables, escaped in an HTML template), each text translated once per app and
    language.

    The texts are the templates' own literals (none passes a variable), so the memo is as small as they are few.
    A large page calls `_()` dozens of times, and through Flask-Babel and Jinja's two wrappers each call cost as much
    as a table row."""
    @pass_eval_context
    def gettext(eval_context, text: str, **variables) -> str:
        translated = texts.get(text)
        if translated is None:
            translated = texts[text] = request_translations().ugettext(text)
        if eval_context.autoescape:
            return Markup(translated) % variables
        return translated % variables
    return gettext


def page_gettext() -> dict:
    """A context processor: each render's `_` bound to the language it renders in (looked up once per render, not
    per text; a `force_locale` block renders with its own). Macros imported without the context use the global."""
    return {"_": _gettext_with(_template_texts())}


@pass_eval_context
def template_gettext(eval_context, text: str, **variables) -> str:
    """The global `_` (macros imported without the page's context): the same, its language looked up per call."""
    return _gettext_with(_template_texts())(eval_context, text, **variables)


def _template_texts() -> dict[str, str]:
    """The app's translated template texts for the current locale."""
    return _for_locale()[1]


def request_translations():
    """flask_babel's translations for the current locale."""
    return _for_locale()[0]


def _for_locale() -> tuple:
    """The current locale's translations and the app's translated template texts for it, kept on `g` with the
    locale object they are for: a `force_locale` block (an email in its reader's language) has another locale
    object, so it gets its own."""
    locale = get_locale()
    if locale is None:  # outside a request or app context
        return get_translations(), _TEXTS_OUTSIDE_AN_APP
    kept = g.get("_for_locale")
    if kept is not None and kept[0] is locale:
        return kept[1]
    # Per app, as once_per_language keeps words: two apps in one process (the tests') may translate differently.
    found = (get_translations(), current_app.extensions.setdefault(TEMPLATE_TEXTS, {}).setdefault(str(locale), {}))
    g._for_locale = (locale, found)
    return found


Words = TypeVar("Words")


class WordsPerLanguage(Generic[Words]):
    """A function's result kept per app and per locale (once_per_language): call it for the current locale's."""

    def __init__(self, make: Callable[[], Words]):
        self._make = make
        functools.update_wrapper(self, make)

    def __call__(self) -> Words:
        # Per app, not per process: the tests build many apps in one process, not all with the same translations.
        # Two requests asking at once may both make the words; either result is kept, and they are the same.
        kept = current_app.extensions.setdefault(WORDS_PER_LANGUAGE, {}).setdefault(self._make, {})
        locale = str(get_locale())
        try:
            return kept[locale]
        except KeyError:
            words = kept[locale] = self._make()
            return words

    def forget(self, app) -> None:
        """Drop the app's kept results in every locale: the next call makes them again (what they are made from
        changed, e.g. a navigation entry was added)."""
        app.extensions.get(WORDS_PER_LANGUAGE, {}).pop(self._make, None)


def once_per_language(make: Callable[[], Words]) -> WordsPerLanguage[Words]:
    """A decorator: the function's words (labels, a page's fixed texts) translated once per app and locale, not once
    per call, with `.forget(app)` to drop them.

    The result is shared by every request in that locale: read it, never change it. The function takes no
    arguments; what it translates is read in the current locale (a `force_locale` block gets its own)."""
    return WordsPerLanguage(make)


def current_language() -> str:
    """The reader's language code (`en`, `fi`, …): what module, path and badge texts are looked up by."""
    return get_locale().language


def register_time_zone_source(app, source: Callable[[], str | None]) -> None:
    """The feature that knows the request's organisation (lti: the launch) tells which time zone it chose."""
    app.extensions[TIME_ZONE_SOURCE] = source


def select_time_zone() -> str | None:
    """Flask-Babel's time zone selector: the organisation's zone, else None (BABEL_DEFAULT_TIMEZONE, UTC)."""
    source = current_app.extensions.get(TIME_ZONE_SOURCE)
    return source() if source is not None and has_request_context() else None


def format_time(moment: datetime, width: str = "short") -> str:
    """A date and time in the reader's locale and time zone, with the zone named: "07/12/2026, 14:05 (Europe/Helsinki)"
    (Babel's long and full formats name it themselves). The `datetimeformat` filter of the pages."""
    written = format_datetime(moment, width)
    return written if width in ("long", "full") else f"{written} ({get_timezone().zone})"  # long and full name it


def language_name(code: str) -> str:
    """A language's own name for itself (suomi, eesti, italiano …): how a reader finds theirs in a list."""
    return Locale.parse(code).get_display_name(code)
