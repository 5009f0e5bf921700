"""The reader's language, and the locale their dates and numbers are written in (Flask-Babel's locale).

The language is what the LMS sent at launch (kept for the session), else the browser's preference: one of
config LANGUAGES, and what texts are looked up by (`current_language()`). English is written for European
readers: a bare `en` formats dates and numbers as en_GB (7 December 2026, not December 7, 2026); a launch that
says en-US gets en_US.
"""
from flask import current_app, g, has_request_context, request
from flask_babel import get_locale

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


def current_language() -> str:
    """The reader's language code (`en`, `fi`, …): what module, path and badge texts are looked up by."""
    return get_locale().language
