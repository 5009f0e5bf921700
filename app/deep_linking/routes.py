"""The module picker an instructor sees in the LMS's "add content" dialog (LTI Deep Linking), and its answers."""
from collections.abc import Callable

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _

from app.clock import current_clock
from app.deep_linking.catalogue import Search
from app.deep_linking.selection import InvalidSelection, read_selection
from app.deep_linking.services import (
    ResponseForm,
    answer_cancelled,
    answer_refused,
    answer_with_selection,
    claim_the_answer,
    link_title_language,
    may_add_content,
    picker_page,
)
from app.errors import AppError
from app.i18n import current_language
from app.learning.content import path_model
from app.lti.constants import DEEP_LINKING_REQUEST
from app.lti.deep_linking import deep_linking_settings
from app.lti.landing import Landing
from app.lti.models import Launch
from app.lti.session import current_launch, launch_required
from app.lti.tool_urls import ToolUrls

bp = Blueprint("deep_linking", __name__, url_prefix="/deep-linking")

CHOICE_FIELD = "item"  # "path" or "module:<module id>", once per ticked box


def picker_landing(launch: Launch) -> Landing | None:
    """A Deep Linking request (the LMS's "add content" dialog) lands on the picker, whoever sends it (the picker
    itself says who may add content)."""
    return Landing("deep_linking.picker") if launch.message_type == DEEP_LINKING_REQUEST else None


def _locale() -> str:
    return current_language()


def _search(values) -> Search:
    language = values.get("language", "").strip()
    return Search(query=values.get("q", "").strip(), area_id=values.get("area", "").strip(),
                  level_id=values.get("level", "").strip(),
                  language=language if language in current_app.config["LANGUAGES"] else "")


def _titles_language(values) -> str:
    return link_title_language(current_launch(), values.get("titles"), languages=current_app.config["LANGUAGES"],
                               page_locale=_locale())


def _picker(values, *, problem: AppError | None = None, status: int = 200):
    page = picker_page(current_launch(), path_model(), _search(values), values.getlist(CHOICE_FIELD), locale=_locale())
    return render_template("deep_linking/picker.html", page=page, path=path_model(), problem=problem,
                           choice_field=CHOICE_FIELD, languages=current_app.config["LANGUAGES"],
                           titles_language=_titles_language(values),
                           title=_("Add REX VET Path to your course")), status


def _to_the_lms(answer: Callable[[], ResponseForm], message: str):
    """The page that posts the signed response to the LMS's return URL (at once with scripts, by a button without).

    The LMS takes one answer per request: the launch's row is claimed first (one request wins, also when several
    arrive at once), then the response is signed and the page made, and the claim commits with it; a failure on
    the way rolls the claim back, so the instructor can still answer.
    """
    if not claim_the_answer(current_launch(), now=current_clock().now()):
        raise _already_answered()
    return render_template("deep_linking/return.html", form=answer(), message=message, title=_("Back to your LMS"))


def _already_answered() -> AppError:
    return AppError(
        _("Your choice was already sent to your LMS from this window."),
        hint=_("To add more modules, choose REX VET Path again in your LMS's “add content” dialog."),
        status=409,
    )


def _refused():
    """A learner's (or mentor's) request: say why, and let the LMS close its dialog with that message.

    The refusal is the request's one answer too: shown again (a reload), the page says why without a second one.
    """
    launch, now = current_launch(), current_clock().now()
    form = answer_refused(launch, now=now) if claim_the_answer(launch, now=now) else None
    return render_template("deep_linking/refused.html", form=form, title=_("Only instructors can add modules")), 403


def _check_can_answer():
    """Not a Deep Linking launch, or already answered: a clear refusal instead of a second response."""
    deep_linking_settings(current_launch())
    if current_launch().deep_linking_answered_at is not None:
        raise _already_answered()


@bp.get("/")
@launch_required()
def picker():
    """Browse and search the path's modules; a plain GET form, so it works without scripts and keeps what is ticked."""
    deep_linking_settings(current_launch())
    if not may_add_content(current_launch()):
        return _refused()
    return _picker(request.args)


@bp.post("/add")
@launch_required()
def add():
    """Send the chosen modules (or the whole path) to the LMS as resource links with gradebook columns."""
    launch = current_launch()
    _check_can_answer()
    if not may_add_content(launch):
        return _refused()
    settings = deep_linking_settings(launch)
    try:
        if not settings.accepts_resource_links:
            raise InvalidSelection(_("Your LMS does not accept course links here; press Cancel to return to it."))
        selection = read_selection(request.form.getlist(CHOICE_FIELD), path_model(),
                                   accept_multiple=settings.accept_multiple)
    except InvalidSelection as problem:
        return _picker(request.form, problem=problem, status=problem.status)
    titles = _titles_language(request.form)
    return _to_the_lms(lambda: answer_with_selection(
        launch, selection, path_model(), locale=titles, launch_url=ToolUrls.configured().launch_url,
        now=current_clock().now()), _("Adding your choice to the course…"))


@bp.post("/cancel")
@launch_required()
def cancel():
    """Add nothing: an empty response, and the LMS closes its dialog."""
    _check_can_answer()
    if not may_add_content(current_launch()):
        return _refused()
    return _to_the_lms(lambda: answer_cancelled(current_launch(), now=current_clock().now()),
                       _("Returning to your LMS…"))
