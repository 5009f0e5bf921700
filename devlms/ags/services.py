"""Assignment and Grade Services 2.0 on the platform side: line items, scores and results.

Scores are checked the way Moodle's gradebook service checks them, so a tool that passes here
does not fail on a real Moodle.
"""

import json
import math
from datetime import datetime

from flask import current_app

from devlms import clock
from devlms.ags.models import LineItem, ScoreSubmission
from devlms.courses.models import Course, ResourceLink
from devlms.courses.services import is_gradable_learner
from devlms.errors import InvalidServiceRequest
from devlms.extensions import db
from devlms.lti.constants import AGS_SCOPES
from devlms.paging import Page, paginate
from devlms.urls import platform_url

ACTIVITY_PROGRESS = ("Initialized", "Started", "InProgress", "Submitted", "Completed")
GRADING_PROGRESS = ("FullyGraded", "Pending", "PendingManual", "Failed", "NotReady")


def endpoint_claim(course_id: str, link_id: str | None) -> dict:
    """The AGS endpoint claim of a launch: the course's line items, and the link's own line item if it has one."""
    claim = {"scope": list(AGS_SCOPES), "lineitems": platform_url("ags.line_items", course_id=course_id)}
    if link_id is not None:
        line_item = db.session.scalar(
            db.select(LineItem).filter_by(resource_link_id=link_id).order_by(LineItem.id).limit(1)
        )
        if line_item is not None:
            claim["lineitem"] = line_item_url(line_item)
    return claim


def service_course(course_id: str) -> Course:
    """The course a service call is about, or a 404."""
    course = db.session.get(Course, course_id)
    if course is None:
        raise InvalidServiceRequest(f"there is no course {course_id!r}", error="not_found", status=404)
    return course


def service_line_item(course_id: str, line_item_id: int) -> LineItem:
    """A line item of the course, or a 404."""
    line_item = db.session.get(LineItem, line_item_id)
    if line_item is None or line_item.course_id != course_id:
        raise InvalidServiceRequest(f"course {course_id!r} has no line item {line_item_id}",
                                    error="not_found", status=404)
    return line_item


def list_line_items(course: Course, query: dict) -> Page:
    """A page of the course's line items, filtered by resource_link_id, resource_id and tag."""
    filters = {name: query[name] for name in ("resource_link_id", "resource_id", "tag") if query.get(name)}
    line_items = db.session.scalars(
        db.select(LineItem).filter_by(course_id=course.id, **filters).order_by(LineItem.id)
    ).all()
    return paginate(line_items, query, "ags.line_items", course_id=course.id, **filters)


def create_line_item(course: Course, body) -> LineItem:
    """A new line item from the tool's JSON; label and a positive scoreMaximum are required."""
    line_item = LineItem(course_id=course.id)
    _apply_line_item(line_item, body)
    db.session.add(line_item)
    db.session.flush()
    return line_item


def update_line_item(line_item: LineItem, body) -> LineItem:
    """Replace the line item's values with the tool's JSON (PUT)."""
    _apply_line_item(line_item, body)
    return line_item


def delete_line_item(line_item: LineItem) -> None:
    """Remove the line item and its scores."""
    db.session.delete(line_item)


def line_item_json(line_item: LineItem) -> dict:
    """The line item as AGS represents it."""
    document = {
        "id": line_item_url(line_item),
        "label": line_item.label,
        "scoreMaximum": line_item.score_maximum,
        "resourceLinkId": line_item.resource_link_id,
        "resourceId": line_item.resource_id,
        "tag": line_item.tag,
        "startDateTime": line_item.start_date_time,
        "endDateTime": line_item.end_date_time,
    }
    return {name: value for name, value in document.items() if value is not None}


def line_item_url(line_item: LineItem) -> str:
    """The line item's id: its URL."""
    return platform_url("ags.line_item", course_id=line_item.course_id, line_item_id=line_item.id)


def record_score(line_item: LineItem, raw_body: bytes) -> ScoreSubmission:
    """Keep a score POST with what became of it: accepted, ignored (older), refused (older, Moodle) or rejected."""
    submission = ScoreSubmission(line_item=line_item, received_at=clock.now(),
                                 body=raw_body.decode("utf-8", errors="replace"))
    db.session.add(submission)
    try:
        score = json.loads(raw_body)
    except ValueError:
        score = None
    problems = _score_problems(line_item, score)
    if problems:
        submission.status, submission.reason = ScoreSubmission.REJECTED, "; ".join(problems)
        return submission

    submission.user_id = score["userId"]
    submission.score_given = score.get("scoreGiven")
    submission.score_maximum = score.get("scoreMaximum")
    submission.comment = score.get("comment")
    submission.timestamp = score["timestamp"]
    submission.timestamp_seconds = _parse_timestamp(score["timestamp"]).timestamp()
    submission.activity_progress = score["activityProgress"]
    submission.grading_progress = score["gradingProgress"]
    submission.submission = score.get("submission")
    submission.status, submission.reason = _timestamp_verdict(line_item, submission)
    return submission


def list_results(line_item: LineItem, query: dict) -> Page:
    """A page of the line item's results (each learner's current score), optionally for one user_id."""
    user_id = query.get("user_id")
    results = [_result_json(line_item, score) for score in current_scores(line_item)
               if not user_id or score.user_id == user_id]
    return paginate(results, query, "ags.results", course_id=line_item.course_id, line_item_id=line_item.id,
                    user_id=user_id)


def current_scores(line_item: LineItem) -> list[ScoreSubmission]:
    """Each user's newest accepted score on the line item."""
    newest: dict[str, ScoreSubmission] = {}
    for score in line_item.submissions:
        if score.status == ScoreSubmission.ACCEPTED:
            known = newest.get(score.user_id)
            if known is None or score.timestamp_seconds >= known.timestamp_seconds:
                newest[score.user_id] = score
    return sorted(newest.values(), key=lambda score: score.user_id)


def _result_json(line_item: LineItem, score: ScoreSubmission) -> dict:
    """A result: the score scaled to the line item's maximum, as Moodle's gradebook keeps it."""
    result = {
        "id": platform_url("ags.results", course_id=line_item.course_id, line_item_id=line_item.id,
                           user_id=score.user_id),
        "scoreOf": line_item_url(line_item),
        "userId": score.user_id,
        "resultMaximum": line_item.score_maximum,
    }
    # Moodle drops scoreGiven unless grading is FullyGraded.
    if score.score_given is not None and score.grading_progress == "FullyGraded":
        result["resultScore"] = score.score_given / score.score_maximum * line_item.score_maximum
    if score.comment:
        result["comment"] = score.comment
    return result


def _score_problems(line_item: LineItem, score) -> list[str]:
    """Every reason to reject a score (AGS 2.0 section 3.4 and Moodle's checks)."""
    if not isinstance(score, dict):
        return ["the body must be a JSON object"]
    problems = []
    if not isinstance(score.get("userId"), str) or not score["userId"]:
        problems.append("userId is required")
    elif not is_gradable_learner(line_item.course_id, score["userId"]):
        problems.append(f"user {score['userId']!r} is not a gradable learner of course {line_item.course_id!r}")
    if "timestamp" not in score:
        problems.append("timestamp is required")
    elif _parse_timestamp(score["timestamp"]) is None:
        problems.append(f"timestamp {score['timestamp']!r} is not an ISO 8601 date-time with a time zone offset")
    for name, allowed in (("activityProgress", ACTIVITY_PROGRESS), ("gradingProgress", GRADING_PROGRESS)):
        if name not in score:
            problems.append(f"{name} is required")
        elif score[name] not in allowed:
            problems.append(f"{name} {score[name]!r} is not one of {', '.join(allowed)}")
    if "scoreGiven" in score:
        if not _is_number(score["scoreGiven"]) or score["scoreGiven"] < 0:
            problems.append("scoreGiven must be a number of at least 0")
        if "scoreMaximum" not in score:
            problems.append("scoreMaximum is required when scoreGiven is present")
    if "scoreMaximum" in score and (not _is_number(score["scoreMaximum"]) or score["scoreMaximum"] <= 0):
        problems.append("scoreMaximum must be a number greater than 0")
    if "comment" in score and not isinstance(score["comment"], str):
        problems.append("comment must be a string")
    return problems


def _timestamp_verdict(line_item: LineItem, submission: ScoreSubmission) -> tuple[str, str | None]:
    """Accept a score unless the stored one for the same user is newer (AGS 2.0 section 3.4.7)."""
    # The new submission has no status yet, so it is not among the current scores.
    stored = next((score for score in current_scores(line_item) if score.user_id == submission.user_id), None)
    if stored is None:
        return ScoreSubmission.ACCEPTED, None
    if current_app.config["DEVLMS_OLDER_SCORE_POLICY"] == "moodle":
        # Moodle compares whole seconds and refuses even an equal timestamp, with 409.
        if int(stored.timestamp_seconds) >= int(submission.timestamp_seconds):
            return ScoreSubmission.REFUSED, (f"Refusing score with an earlier timestamp: the stored score is from "
                                             f"{stored.timestamp}")
    elif submission.timestamp_seconds < stored.timestamp_seconds:
        return ScoreSubmission.IGNORED, f"older than the stored score from {stored.timestamp}"
    return ScoreSubmission.ACCEPTED, None


def _apply_line_item(line_item: LineItem, body) -> None:
    """Set a line item's values from the tool's JSON, after checking them all."""
    if not isinstance(body, dict):
        raise InvalidServiceRequest("the body must be a JSON object")
    problems = []
    if not isinstance(body.get("label"), str) or not body["label"].strip():
        problems.append("label is required")
    if not _is_number(body.get("scoreMaximum")) or body["scoreMaximum"] <= 0:
        problems.append("scoreMaximum is required and must be a number greater than 0")
    for name in ("resourceId", "tag", "resourceLinkId"):
        if body.get(name) is not None and not isinstance(body[name], str):
            problems.append(f"{name} must be a string")
    for name in ("startDateTime", "endDateTime"):
        if body.get(name) is not None and _parse_timestamp(body[name]) is None:
            problems.append(f"{name} must be an ISO 8601 date-time with a time zone offset")
    link_id = body.get("resourceLinkId")
    if isinstance(link_id, str):
        link = db.session.get(ResourceLink, link_id)
        if link is None or link.course_id != line_item.course_id:
            problems.append(f"resourceLinkId {link_id!r} is not a resource link of course {line_item.course_id!r}")
    if problems:
        raise InvalidServiceRequest("; ".join(problems))
    line_item.label = body["label"]
    line_item.score_maximum = float(body["scoreMaximum"])
    line_item.resource_link_id = link_id
    line_item.resource_id = body.get("resourceId")
    line_item.tag = body.get("tag")
    line_item.start_date_time = body.get("startDateTime")
    line_item.end_date_time = body.get("endDateTime")


def _parse_timestamp(value) -> datetime | None:
    """An ISO 8601 date-time with a time zone offset, or None."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _is_number(value) -> bool:
    """A JSON number (not a boolean, not NaN)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
