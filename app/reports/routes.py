"""Report pages: the skills map (page, print, CSV, XLSX), the reporting course, and people's data rights.

The same pages serve two readers: a launch (`reports.*`, for organisation admins and the reporting course's
instructors; data rights for organisation admins only) and the installation admin (`admin.reports.*`, under
/admin/organisations/<id>/reports: create_app nests `admin_bp` in the admin blueprint, whose login guard and
framing rule apply to it).
"""
from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.clock import current_clock
from app.extensions import db
from app.learning.content import path_model
from app.lti.session import current_launch
from app.reports import exports, personal_data
from app.reports.access import (
    parse_course_choice,
    reporting_course_id,
    require_organisation_admin,
    require_report_reader,
    set_reporting_course,
)
from app.reports.charts import bars, heatmap
from app.reports.report_cache import cached_skills_report
from app.tenancy.models import Course, Organisation, Person
from app.tenancy.services import get_scoped_or_404, scoped

bp = Blueprint("reports", __name__, url_prefix="/reports")
admin_bp = Blueprint("reports", __name__, url_prefix="/organisations/<int:organisation_id>/reports")


# --- who is reading, and the URLs of their pages ----------------------------------------------------------

def _reader(*, data_rights: bool = False) -> Organisation:
    """The organisation whose reports this request may read; checks the reader's right."""
    if request.blueprint == "admin.reports":
        organisation = db.get_or_404(Organisation, request.view_args["organisation_id"])
        g.report_endpoint, g.report_args = "admin.reports.", {"organisation_id": organisation.id}
        return organisation
    launch = current_launch()
    (require_organisation_admin if data_rights else require_report_reader)(launch)
    g.report_endpoint, g.report_args = "reports.", {}
    return launch.organisation


@bp.app_context_processor
def report_urls():
    def report_url(name: str, **values) -> str:
        return url_for(g.report_endpoint + name, **g.report_args, **values)

    return {"report_url": report_url}


def _locale() -> str:
    from app.i18n import current_language

    return current_language()


def _report(organisation: Organisation):
    report, _computed = cached_skills_report(
        path_model(), organisation, now=current_clock().now(), locale=_locale(),
        group=request.args.get("group"), granularity=request.args.get("by"), period=request.args.get("period"),
        compare=request.args.get("compare"),
    )
    return report


# --- the skills map -------------------------------------------------------------------------------------------

PERCENT = "percent"


def _percent_view() -> bool:
    """The percent view (?view=percent): a presentation of the published counts, so it needs no figures of its own."""
    return request.args.get("view") == PERCENT


def skills_map(**_ids):
    """The skills map with its charts, change over time, gaps and activity; counts or percentages."""
    organisation = _reader()
    report = _report(organisation)
    percent = _percent_view()
    charts = {}
    if report.filters:
        locale = _locale()
        charts["map"] = heatmap([row.area.localised(locale) for row in report.map_rows], report.level_titles,
                                [row.cells for row in report.map_rows], [row.total for row in report.map_rows],
                                percent=percent)
        if report.comparisons:
            comparison = report.comparisons[0]
            size = comparison.columns[0][1]
            charts["movement"] = bars([label for label, _cells in comparison.rows],
                                      [cells[0] for _label, cells in comparison.rows],
                                      [size] * len(comparison.rows), percent=percent)
        if report.activity_rows:
            charts["activity"] = bars([label for label, _cells in report.activity_rows[:-1]],
                                      [cells[0] for _label, cells in report.activity_rows[:-1]])
    printable = request.endpoint.endswith("print_map")
    return render_template("reports/skills_map.html", report=report, charts=charts, printable=printable,
                           percent=percent, title=_("Skills map"))


def print_map(**_ids):
    """The same page without filters and links, for printing."""
    return skills_map()


def export_csv(**_ids):
    """The page's tables as CSV."""
    report = _report(_reader())
    if not report.filters:
        return skills_map()
    body = exports.as_csv(exports.report_tables(report, _locale()))
    return _download(body, "text/csv; charset=utf-8", _file_name(report, "csv"))


def export_xlsx(**_ids):
    """The page's tables as an XLSX workbook."""
    report = _report(_reader())
    if not report.filters:
        return skills_map()
    body = exports.as_xlsx(exports.report_tables(report, _locale()))
    return _download(
        body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _file_name(report, "xlsx")
    )


def _file_name(report, extension: str) -> str:
    return f"skills-map-{report.organisation.id}-{report.filters.period.slug}.{extension}"


def _download(body, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- the reporting course (organisation admins) ---------------------------------------------------------------

@bp.get("/settings")
def settings():
    """Choose the course whose instructors may read the skills map."""
    organisation = _reader(data_rights=True)
    courses = db.session.scalars(scoped(Course, organisation.id).order_by(Course.title, Course.id)).all()
    return render_template("reports/settings.html", courses=courses, chosen=reporting_course_id(organisation.id),
                           title=_("Who reads the skills map"))


@bp.post("/settings")
def save_settings():
    """Save the reporting course."""
    organisation = _reader(data_rights=True)
    course = set_reporting_course(organisation.id, parse_course_choice(request.form.get("reporting_course")))
    flash(_("Instructors of %(course)s may now read the skills map.", course=course.title or course.context_id)
          if course else _("Only organisation admins read the skills map now."), "success")
    return redirect(url_for("reports.settings"), 303)


# --- people's data rights (organisation admins and the installation admin) ---------------------------------------

def people(**_ids):
    """The people of the organisation, each with their data export and erasure."""
    organisation = _reader(data_rights=True)
    return render_template("reports/people.html", people=personal_data.erasable_people(organisation.id),
                           title=_("People's data"))


def export_person_json(person_id: int, **_ids):
    """Everything the tool holds about one person, as JSON."""
    data = personal_data.person_data(_reader(data_rights=True).id, person_id)
    return _download(personal_data.as_json(data), "application/json", f"person-{person_id}.json")


def export_person_csv(person_id: int, **_ids):
    """Everything the tool holds about one person, as CSV (one value a row)."""
    data = personal_data.person_data(_reader(data_rights=True).id, person_id)
    return _download(personal_data.as_csv(data), "text/csv; charset=utf-8", f"person-{person_id}.csv")


def confirm_erase(person_id: int, **_ids):
    """Ask before erasing: what goes, and that it cannot be undone."""
    organisation = _reader(data_rights=True)
    person = get_scoped_or_404(Person, person_id, organisation.id)
    return render_template("reports/erase.html", person=person, erase_word=personal_data.erase_word(),
                           title=_("Erase a person's data"))


def erase(person_id: int, **_ids):
    """Erase the person's data (the form carries the typed confirmation)."""
    organisation = _reader(data_rights=True)
    personal_data.erase_person(organisation.id, person_id, confirmation=request.form.get("confirmation", ""),
                               now=current_clock().now())
    flash(_("The person's data was erased."), "success")
    return redirect(url_for(g.report_endpoint + "people", **g.report_args), 303)


def _route(rule: str, view, methods=("GET",)):
    for blueprint in (bp, admin_bp):
        blueprint.add_url_rule(rule, view.__name__, view, methods=list(methods))


_route("/skills-map", skills_map)
_route("/skills-map/print", print_map)
_route("/skills-map.csv", export_csv)
_route("/skills-map.xlsx", export_xlsx)
_route("/people", people)
_route("/people/<int:person_id>/data.json", export_person_json)
_route("/people/<int:person_id>/data.csv", export_person_csv)
_route("/people/<int:person_id>/erase", confirm_erase)
_route("/people/<int:person_id>/erase", erase, methods=("POST",))

