"""The picker's answers to the LMS: the chosen modules, nothing (cancel), or a refusal, each a signed response."""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import update

from app.deep_linking.catalogue import Catalogue, Search, find_modules
from app.deep_linking.selection import Selection, content_items, kept_choices
from app.extensions import db
from app.learning.content.model import PathModel
from app.lti.deep_linking import DeepLinkingSettings, deep_linking_response, deep_linking_settings
from app.lti.models import Launch
from app.tenancy.roles import INSTRUCTOR


@dataclass(frozen=True)
class ResponseForm:
    """The form the browser posts to the LMS: its return URL and the signed response (form field JWT)."""

    return_url: str
    token: str


@dataclass(frozen=True)
class PickerPage:
    settings: DeepLinkingSettings
    search: Search
    catalogue: Catalogue
    selection: Selection

    @property
    def hidden_choices(self) -> tuple:
        """Modules ticked earlier that the current search does not show: kept, and listed apart."""
        shown = {module.id for module in self.catalogue.modules}
        return tuple(module for module in self.selection.modules if module.id not in shown)


def may_add_content(launch: Launch) -> bool:
    """Instructors (and sub-roles) of the course and the organisation's admins add modules; learners never."""
    return launch.course_role == INSTRUCTOR or launch.is_organisation_admin


def link_title_language(launch: Launch, chosen: str | None, *, languages: list[str], page_locale: str) -> str:
    """The language of the titles of the links added to the course: the instructor's choice, else the organisation's
    language, else the page's (LTI sends no course language)."""
    for candidate in (chosen, launch.organisation.language, page_locale):
        if candidate in languages:
            return candidate
    return page_locale


def picker_page(launch: Launch, path: PathModel, search: Search, choices: list[str], *, locale: str) -> PickerPage:
    """What the picker shows: the LMS's settings, the modules found, and what is already ticked."""
    return PickerPage(deep_linking_settings(launch), search, find_modules(path, search, locale=locale),
                      kept_choices(choices, path))


def answer_with_selection(
    launch: Launch, selection: Selection, path: PathModel, *, locale: str, launch_url: str, now: datetime,
) -> ResponseForm:
    """The signed response that adds the chosen modules (or the whole path) to the course."""
    with force_locale(locale):  # the titles' language, which may differ from the page's: the whole path's too
        items = content_items(selection, path, locale=locale, launch_url=launch_url)
    return ResponseForm(*deep_linking_response(launch, items, now=now))


def answer_cancelled(launch: Launch, *, now: datetime) -> ResponseForm:
    """Cancel: an empty response, so the LMS closes its dialog and adds nothing (Deep Linking 2.0 §4.5)."""
    return ResponseForm(*deep_linking_response(launch, [], now=now))


def answer_refused(launch: Launch, *, now: datetime) -> ResponseForm:
    """A learner's request: an empty response whose errormsg the LMS shows."""
    return ResponseForm(*deep_linking_response(
        launch, [], now=now, error_message=_("Only instructors of the course can add REX VET Path modules to it."),
    ))


def claim_the_answer(launch: Launch, *, now: datetime) -> bool:
    """True for the one request that may send this Deep Linking request's answer; False for every other.

    One conditional UPDATE of the launch's row: under concurrency (a double click, a Moodle "repost", six tabs)
    PostgreSQL makes the others wait for the first one's commit and then finds the row answered. Called in the
    transaction that the answer's page commits, so an answer that fails before it is sent claims nothing.
    """
    claimed = db.session.execute(
        update(Launch)
        .where(Launch.id == launch.id, Launch.deep_linking_answered_at.is_(None))
        .values(deep_linking_answered_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    return claimed == 1
