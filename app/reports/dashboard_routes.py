"""The instructor's course dashboard (/courses/<id>/dashboard), its CSV export, the roster and grade actions on
it; one learner's path read-only (/courses/<id>/learners/<person id>) for the course's instructors and the learner's
mentors; a mentor's list of their mentees (/mentees), where a mentor's launch lands."""

from collections import Counter
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from babel.lists import format_list
from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale, get_timezone
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.badges.catalogue import badge_catalogue
from app.clock import current_clock
from app.errors import Forbidden
from app.grades.passback import retry as retry_score
from app.i18n import current_language, once_per_language
from app.learning.content import path_model
from app.lti.roster import request_roster
from app.lti.session import current_launch
from app.reports.dashboard import NOT_STARTED, Filters, course_dashboard, course_shows_self_assessments, dashboard_csv
from app.reports.learner_view import course_member_or_404, learner_view
from app.tenancy.mentors import is_mentee, mentees_in_course
from app.tenancy.models import Course
from app.tenancy.roles import INSTRUCTOR, MENTOR
from app.tenancy.services import get_scoped_or_404

bp = Blueprint("dashboard", __name__)


def _instructors_course(course_id: int) -> Course:
    """The course of this launch, for its instructor; another organisation's course does not exist here."""
    launch = current_launch()
    # The launch's own course came with its session (no statement); any other is looked up to answer 404 or 403.
    course = launch.course if course_id == launch.course_id else get_scoped_or_404(Course, course_id,
                                                                                   launch.organisation_id)
    if launch.course_role != INSTRUCTOR or launch.course_id != course.id:
        raise Forbidden(_("The course dashboard is for the instructors of the course."),
                        hint=_("Open REX VET Path from this course in the LMS as its teacher."))
    return course


@bp.get("/courses/<int:course_id>/dashboard")
def course(course_id: int):
    """Who is where on the path, page by page, with filters and sorting."""
    course = _instructors_course(course_id)
    path = path_model()
    board = course_dashboard(course, path, Filters.from_args(request.args, path),
                             shows_self_assessments=course_shows_self_assessments(current_launch().organisation))
    words = _row_words()
    names = _PathNames(path, current_language(), words)
    day = _day_formatter()
    return render_template(
        "reports/dashboard.html",
        board=board,
        path=path,
        badges=badge_catalogue(),
        words=words,
        names=names,
        cells=_Cells(names, _cells_made(path, (str(get_locale()), current_language()))),
        role_lines=_RoleLines(words),
        latest_activity=_dated(words.latest_activity, day),
        taken_on=_dated(words.taken_on, day),
        learner_url=_learner_url(course),
        dashboard_url=_dashboard_url(course),
        area_list=_area_list,
        not_started=NOT_STARTED,
        title=_("Course dashboard"),
    )


class _PathNames:
    """The path's titles in the page's language, and the cells' words that name a level, made once per page.

    A matrix has a cell per member and area (or module): looked up here, not localised and formatted per cell.
    """

    def __init__(self, path, locale: str, words: SimpleNamespace):
        self.areas = [(area.id, area.localised(locale)) for area in path.areas]  # the areas matrix's columns
        self.area = dict(self.areas)
        # The modules matrix's columns: by area, then level, as its header groups them.
        self.modules = [(module.id, module.localised(locale)) for area in path.areas for level in path.levels
                        for module in path.modules_for(area.id, level.id)]
        # The modules matrix's upper header: each area with modules, over as many columns as it has.
        counts = Counter(module.area for module in path.modules)
        self.area_groups = [(name, counts[area_id]) for area_id, name in self.areas if counts[area_id]]
        self.words = words
        self.level = {level.id: level.localised(locale) for level in path.levels}
        self.by_self = {level_id: words.by_self % {"level": name} for level_id, name in self.level.items()}
        self.by_modules = {level_id: words.by_modules % {"level": name} for level_id, name in self.level.items()}
        self.by_badge = {level_id: words.by_badge % {"level": name} for level_id, name in self.level.items()}


class _Cells:
    """The matrices' cells, each one alike rendered once by the template's macro and reused.

    A page has a cell per member and area (or module), and most are alike (not started, the same level reached the
    same way): the macro runs for each distinct cell, not for each of the page's hundreds or thousands. A cell is
    the same on every page in the same language (`made`: the cells kept for the path and language), so the macro
    runs once per process for it, unless templates reload (development): then once per page.
    """

    def __init__(self, names: "_PathNames", made: dict[tuple, Any]):
        self.names = names
        self._made = made

    def levels(self, row, level_cell) -> Markup:
        """A member's cells of the areas matrix, in path order; `level_cell(placement, shows_self)` makes one."""
        shows_self = row.self_rated is not None
        # Members placed alike share one list of placements (dashboard.py places each standing once and keeps the
        # lists): their cells are the same. The list is kept with its cells, so its id names no other list meanwhile.
        key = ("levels", id(row.placements), shows_self)
        kept = self._made.get(key)
        if kept is not None:
            return kept[1]
        made = self._join(
            (("area", placement.area.id, shows_self, _level_id(placement.self_rated),
              _level_id(placement.completed), _level_id(placement.demonstrated)),
             level_cell, (placement, shows_self))
            for placement in row.placements)
        self._made[key] = (row.placements, made)
        return made

    def modules(self, row, module_cell) -> Markup:
        """A member's cells of the modules matrix; `module_cell(module_id, name, state, attempts)` makes one."""
        states, attempts = row.module_states, row.attempts
        cells = []
        for module_id, name in self.names.modules:
            state = states.get(module_id, "none")
            taken = attempts.get(module_id) if state != "none" else None
            cells.append((("module", module_id, state, taken), module_cell, (module_id, name, state, taken)))
        return self._join(cells)

    def summary(self, row) -> Markup:
        """"2 completed, 1 in progress": once per distinct pair of counts."""
        counts = (len(row.completed), len(row.in_progress))
        made = self._made.get(counts)
        if made is None:
            made = self._made[counts] = self.names.words.modules % {"completed": counts[0], "started": counts[1]}
        return made

    def _join(self, cells) -> Markup:
        made = self._made
        parts = []
        for key, macro, arguments in cells:
            cell = made.get(key)
            if cell is None:
                cell = made[key] = macro(*arguments)
            parts.append(cell)
        return Markup("\n      ".join(parts))  # every part is a macro's Markup already: nothing to escape


# The matrices' cells made so far (_Cells), for the latest path model (the content loaded at start) and each language's
# words: read and replaced as one tuple, so threads never mix two paths' cells; a language's emptied past _CELLS_MAX.
_cells: tuple[object, dict[tuple[str, str], dict[tuple, Any]]] = (None, {})
_CELLS_MAX = 20_000


def _cells_made(path, language: tuple[str, str]) -> dict[tuple, Any]:
    """The cells kept for this path in the page's language (its locale for the words, its language for the path's
    titles)."""
    global _cells
    if current_app.jinja_env.auto_reload:  # a template edited in development shows on the next page
        return {}
    kept_path, by_language = _cells
    if kept_path is not path:
        kept_path, by_language = _cells = (path, {})
    made = by_language.setdefault(language, {})
    if len(made) > _CELLS_MAX:
        made.clear()
    return made


_DAYS: dict[tuple[str, date], str] = {}  # (locale, day) → the day as the `dateformat` filter writes it
_DAYS_MAX = 20_000


def _day_formatter():
    """The `dateformat` filter for the rows' dates: each distinct day formatted once per language (the same words
    on every page), not once per row or page."""
    zone = get_timezone()
    locale = str(get_locale())
    if len(_DAYS) > _DAYS_MAX:
        _DAYS.clear()

    def day(moment: datetime) -> str:
        if moment.tzinfo is None:  # stored as UTC, as Flask-Babel's to_user_timezone takes it
            moment = moment.replace(tzinfo=UTC)
        local = zone.normalize(moment.astimezone(zone)).date()
        made = _DAYS.get((locale, local))
        if made is None:
            made = _DAYS[locale, local] = format_date(local)
        return made
    return day


class _RoleLines(dict):
    """A member's role, and their LMS status unless active ("Learner · inactive in the LMS"), by their membership row
    (role, status): made once per distinct pair on the page."""

    def __init__(self, words: SimpleNamespace):
        super().__init__()
        self.words = words

    def __missing__(self, membership) -> Markup:
        role, status = membership
        names = {"learner": _("Learner"), "instructor": _("Instructor"), "mentor": _("Mentor"),
                 "learner_view": _("Viewer")}
        line = escape(names.get(role, role))
        if status and status != "Active":
            statuses = {"Inactive": self.words.inactive, "Deleted": self.words.departed}
            line += Markup(" · ") + statuses.get(status, status)
        self[membership] = line
        return line


_DATED: dict[tuple[str, str], Markup] = {}  # (a line in the page's language, a day as `day` writes it) → the line
_DATED_MAX = 20_000


def _dated(line: Markup, day):
    """A row's dated line ("Latest activity 3 Dec 2026", from `words` and the `day` formatter): filled in once per
    distinct line and day (the same words on every page), not once per row."""
    if len(_DATED) > _DATED_MAX:
        _DATED.clear()

    def dated(moment: datetime) -> Markup:
        shown = day(moment)
        made = _DATED.get((line, shown))
        if made is None:
            made = _DATED[line, shown] = line % {"date": shown}
        return made
    return dated


def _level_id(level) -> str | None:
    return level.id if level else None


def _learner_url(course: Course):
    """Person id → the link to their path on this page: url_for once, not once per row (with the launch's token)."""
    made = url_for("dashboard.learner", course_id=course.id, person_id=0)
    before, after = made.split("/learners/0", 1)
    return lambda person_id: f"{before}/learners/{int(person_id)}{after}"


def _dashboard_url(course: Course):
    """A query (name → value) → the link to this dashboard with it: url_for once, not once per column header.

    The same link as url_for's: the query in the given order, the launch's token last (its url_defaults), encoded
    as werkzeug encodes a query string.
    """
    path, _, token = url_for("dashboard.course", course_id=course.id).partition("?")

    def url(query: dict) -> str:
        encoded = urlencode([(name, value) for name, value in query.items() if value is not None], safe=_QUERY_SAFE)
        joined = "&".join(part for part in (encoded, token) if part)
        return f"{path}?{joined}" if joined else path
    return url


_QUERY_SAFE = "!$'()*,/:;?@"  # what werkzeug leaves unquoted in a query string (werkzeug.urls._urlencode)


def _area_list(areas, locale: str) -> str:
    """Areas' titles as one list in the page's language ("A, B and C")."""
    titles = [area.localised(locale) for area in areas]
    try:
        return format_list(titles, locale=str(get_locale()))
    except (ValueError, LookupError):  # a locale babel lacks list patterns for
        return ", ".join(titles)


@bp.get("/courses/<int:course_id>/learners/<int:person_id>")
def learner(course_id: int, person_id: int):
    """One member's path, read-only: for the course's instructors, and for the mentors the LMS names them to."""
    launch = current_launch()
    course = get_scoped_or_404(Course, course_id, launch.organisation_id)
    in_course = launch.course_id == course.id
    if in_course and launch.course_role == INSTRUCTOR:
        shows_self_assessments = course_shows_self_assessments(launch.organisation)
    elif in_course and launch.course_role == MENTOR:
        course_member_or_404(course, person_id)
        if not is_mentee(launch.organisation_id, course.id, launch.person_id, person_id):
            raise Forbidden(_("You can see the paths of the people your LMS names as your mentees."),
                            hint=_("Open REX VET Path again from the course in the LMS; it says whom you mentor."))
        shows_self_assessments = False  # self-ratings are for the person and, where allowed, their instructors
    else:
        raise Forbidden(_("A learner's path is for the instructors of the course and the learner's mentors."),
                        hint=_("Open REX VET Path from this course in the LMS as its teacher."))
    path = path_model()
    view = learner_view(course, person_id, path, shows_self_assessments=shows_self_assessments)
    return render_template("reports/learner_path.html", view=view, path=path, badges=badge_catalogue(),
                           area_list=_area_list, is_mentor=launch.course_role == MENTOR,
                           title=view.person.name or _("A learner's path"))


@bp.get("/mentees")
def mentees():
    """A mentor's mentees in this course, as their launch names them, each linking to their path."""
    launch = current_launch()
    if launch.course_role != MENTOR:
        raise Forbidden(_("This page lists a mentor's mentees."),
                        hint=_("Open REX VET Path from the course in the LMS as a mentor."))
    if launch.course_id is None:  # a launch from outside any course names no course's mentees: their own path
        return redirect(url_for("learning.home"))
    found = mentees_in_course(launch.organisation_id, launch.course_id, launch.person_id)
    return render_template("reports/mentees.html", course=launch.course, mentees=found, title=_("Your mentees"))


@once_per_language
def _row_words() -> SimpleNamespace:
    """The words of every row in the request's language, translated once per language, not once per page (a gettext
    per cell was a third of the page's time): the same words for every page in that language. Shared by those pages:
    read, never changed.

    Those with placeholders are filled in by the template with `%`, which escapes the values (Markup).
    """
    words = {
        "name_not_shared": _("Name not shared by the LMS"), "inactive": _("inactive in the LMS"),
        "departed": _("no longer in the course"), "position": _("%(level)s in %(areas)s"),
        "not_started": _("Not started"), "modules": _("%(completed)s completed, %(started)s in progress"),
        "latest_activity": _("Latest activity %(date)s"), "taken_on": _("Taken on %(date)s"),
        "no_badges": _("None yet"),
        "grade_sent": _("Up to date"), "grade_pending": _("Waiting to be sent"), "next_try": _("next try %(time)s"),
        "grade_not_sent": _("Not sent"), "grade_failed": _("Failed"), "send_again": _("Send again"),
        "no_grade": _("No grade yet"),
        "completed_attempts": _("result %(score)s %%, %(count)s attempt(s)"),
        "open_attempts": _("attempt %(count)s; no score goes to the LMS until the module is completed"),
        # What the LMS's gradebook shows for one link: a score of 100, or "–" when it has none yet.
        "lms_shows": _("%(link)s: %(score)s / 100 in the LMS"),
        # How a learner reached their level in an area (a cell of the areas matrix).
        "by_self": _("self-rated: %(level)s"), "by_modules": _("modules: %(level)s"),
        "by_badge": _("demonstrated: %(level)s"), "module_completed": _("Completed"),
        "module_in_progress": _("In progress"), "open_path": _("Path"),
        # The cells' data-label (the phone cards' headings), once per page rather than once per row.
        "grade_label": _("Grade in the LMS"), "modules_label": _("Modules"), "badges_label": _("Badges"),
        "position_label": _("Position on the path"), "self_assessment": _("Self-assessment"),
    }
    # Attributes, not a dict's keys: Jinja tries `words.name` as an attribute first, and a dict's miss raises.
    return SimpleNamespace(**{name: Markup(escape(text)) for name, text in words.items()})


@bp.get("/courses/<int:course_id>/dashboard.csv")
def export(course_id: int):
    """Every member under the current filters, as CSV."""
    course = _instructors_course(course_id)
    path = path_model()
    board = course_dashboard(course, path, Filters.from_args(request.args, path), everything=True,
                             shows_self_assessments=course_shows_self_assessments(current_launch().organisation))
    return Response(dashboard_csv(board, path), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="course-{course.id}-dashboard.csv"'})


@bp.post("/courses/<int:course_id>/roster")
def refresh_roster(course_id: int):
    """Read the roster from the LMS again now (in the background)."""
    course = _instructors_course(course_id)
    if request_roster(course, now=current_clock().now(), at_once=True):
        flash(_("The roster is being read from the LMS; reload the page in a moment."), "success")
    else:
        flash(_("The LMS did not offer this course's roster (Names and Roles service) in this launch."), "warning")
    return redirect(url_for("dashboard.course", course_id=course.id))


@bp.post("/courses/<int:course_id>/grades/<int:grade_sync_id>/retry")
def retry_grade(course_id: int, grade_sync_id: int):
    """Send a learner's failed score again."""
    course = _instructors_course(course_id)
    retry_score(course.organisation_id, grade_sync_id, now=current_clock().now(), course_id=course.id)
    flash(_("The score is queued to be sent again."), "success")
    # Back to the dashboard with its filters; not with url_for's own options (_external, _scheme…) or a second
    # course_id, which a crafted query string could otherwise pass.
    filters = {name: value for name, value in request.args.items() if name != "course_id" and not name.startswith("_")}
    return redirect(url_for("dashboard.course", course_id=course.id, **filters))
