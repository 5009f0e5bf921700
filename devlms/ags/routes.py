"""AGS 2.0 service endpoints (line items, scores, results) and the gradebook page."""

from flask import Blueprint, Response, render_template, request

from devlms.ags import line_items, scores
from devlms.ags.models import ScoreSubmission
from devlms.lti.constants import (
    LINE_ITEM_CONTAINER_TYPE,
    LINE_ITEM_TYPE,
    RESULT_CONTAINER_TYPE,
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    SCOPE_RESULT_READONLY,
    SCOPE_SCORE,
    SCORE_TYPE,
)
from devlms.service_http import document, require_media_type, requires_scope

bp = Blueprint("ags", __name__)

LINE_ITEMS = "/lti/courses/<course_id>/lineitems"
LINE_ITEM = LINE_ITEMS + "/<int:line_item_id>"

# Moodle answers an accepted (or ignored) score with 200 and an empty body.
SCORE_STATUS = {
    ScoreSubmission.ACCEPTED: 200,
    ScoreSubmission.IGNORED: 200,
    ScoreSubmission.REJECTED: 400,
    ScoreSubmission.REFUSED: 409,
}


@bp.get(LINE_ITEMS, endpoint="line_items")
@requires_scope(SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY)
def line_items_container(course_id: str):
    """The course's line items, filtered and paged."""
    page = line_items.list_line_items(course_id, request.args)
    return document(page.items, LINE_ITEM_CONTAINER_TYPE, headers=page.link_header())


@bp.post(LINE_ITEMS)
@requires_scope(SCOPE_LINEITEM)
def create_line_item(course_id: str):
    """Add a line item to the course."""
    require_media_type(LINE_ITEM_TYPE)
    created = line_items.create_line_item(course_id, request.get_json(force=True, silent=True))
    return document(created, LINE_ITEM_TYPE, status=201)


@bp.get(LINE_ITEM)
@requires_scope(SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY)
def line_item(course_id: str, line_item_id: int):
    """One line item."""
    return document(line_items.read_line_item(course_id, line_item_id), LINE_ITEM_TYPE)


@bp.put(LINE_ITEM)
@requires_scope(SCOPE_LINEITEM)
def update_line_item(course_id: str, line_item_id: int):
    """Replace a line item's values."""
    require_media_type(LINE_ITEM_TYPE)
    updated = line_items.update_line_item(course_id, line_item_id, request.get_json(force=True, silent=True))
    return document(updated, LINE_ITEM_TYPE)


@bp.delete(LINE_ITEM)
@requires_scope(SCOPE_LINEITEM)
def delete_line_item(course_id: str, line_item_id: int):
    """Remove a line item."""
    line_items.delete_line_item(course_id, line_item_id)
    return Response(status=204)


@bp.post(LINE_ITEM + "/scores")
@requires_scope(SCOPE_SCORE)
def post_score(course_id: str, line_item_id: int):
    """Take a score; the submission is kept even when refused, for the gradebook page."""
    require_media_type(SCORE_TYPE)
    submission = scores.record_score(course_id, line_item_id, request.get_data())
    status = SCORE_STATUS[submission.status]
    if status >= 400:
        error = {"error": "invalid_request", "error_description": submission.reason}
        return document(error, "application/json", status=status)
    return Response(status=status, mimetype=SCORE_TYPE)


@bp.get(LINE_ITEM + "/results")
@requires_scope(SCOPE_RESULT_READONLY)
def results(course_id: str, line_item_id: int):
    """The line item's current results, paged."""
    page = scores.list_results(course_id, line_item_id, request.args)
    return document(page.items, RESULT_CONTAINER_TYPE, headers=page.link_header())


@bp.get("/courses/<course_id>/gradebook")
def gradebook(course_id: str):
    """The gradebook page: line items, results, and every score with what became of it."""
    return render_template("ags/gradebook.html", gradebook=scores.gradebook(course_id))
