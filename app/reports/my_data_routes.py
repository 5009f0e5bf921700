"""My data: what the tool keeps about the launched person and who sees it, and their own data to download.

The download is the organisation admin's export of one person (app.reports.personal_data), scoped to the launch's
organisation and person: a person reads their own data, and nothing of anyone else's.
"""
from flask import Blueprint, Response, render_template
from flask_babel import gettext as _

from app.clock import current_clock
from app.lti.session import current_launch, launch_required
from app.reports import personal_data

bp = Blueprint("my_data", __name__, url_prefix="/my-data")

# Excel reads a CSV without a byte order mark in the computer's legacy code page (ä becomes Ã¤); other
# spreadsheets and csv readers skip it.
BYTE_ORDER_MARK = "\ufeff"


@bp.get("")
@launch_required()
def page():
    """What the tool keeps about you, who sees each kind of it, and your data to download."""
    launch = current_launch()
    return render_template("reports/my_data.html", launch=launch, organisation=launch.organisation,
                           title=_("My data"))


@bp.get("/my-data.json")
@launch_required()
def download_json():
    """Everything the tool keeps about you, as JSON."""
    launch = current_launch()
    data = personal_data.person_data(launch.organisation_id, launch.person_id)
    return _download(personal_data.as_json(data), "application/json", "json")


@bp.get("/my-data.csv")
@launch_required()
def download_csv():
    """Everything the tool keeps about you, as one CSV file: one value a row (section, item, field, value)."""
    launch = current_launch()
    data = personal_data.person_data(launch.organisation_id, launch.person_id)
    return _download(BYTE_ORDER_MARK + personal_data.as_csv(data), "text/csv; charset=utf-8", "csv")


def _download(body: str, mimetype: str, extension: str) -> Response:
    name = f"rex-vet-path-my-data-{current_clock().now().date().isoformat()}.{extension}"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",  # personal data: not kept in a shared computer's browser cache
    })
