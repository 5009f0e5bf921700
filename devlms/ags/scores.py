"""AGS 2.0 scores and results on the platform side, and the gradebook page's view of them.

Scores are checked the way Moodle's gradebook service checks them, so a tool that passes here
does not fail on a real Moodle.
"""

import json
from dataclasses import dataclass

from flask import current_app

from devlms import clock
from devlms.ags.line_items import line_item_url, service_line_item
from devlms.ags.models import LineItem, ScoreSubmission
from devlms.ags.values import is_number, parse_timestamp
from devlms.courses.models import Course
from devlms.courses.services import get_course, is_gradable_learner
from devlms.extensions import db
from devlms.paging import Page, paginate
from devlms.urls import platform_url

ACTIVITY_PROGRESS = ("Initialized", "Started", "InProgress", "Submitted", "Completed")
GRADING_PROGRESS = ("FullyGraded", "Pending", "PendingManual", "Failed", "NotReady")


@dataclass(frozen=True)
class Gradebook:
    """A course's line items, each with its current results and every score posted to it."""

    course: Course
    columns: list[tuple[LineItem, list[dict], list[ScoreSubmission]]]


def record_score(course_id: str, line_item_id: int, raw_body: bytes) -> ScoreSubmission:
    """Keep a score POST with what became of it: accepted, ignored or refused (older), or rejected."""
    line_item = service_line_item(course_id, line_item_id)
    try:
        score = json.loads(raw_body)
    except ValueError:
        score = None
    submission = ScoreSubmission(line_item_id=line_item.id, received_at=clock.now(),
                                 body=raw_body.decode("utf-8", errors="replace"))
    problems = _score_problems(line_item, score)
    if problems:
        submission.status, submission.reason = ScoreSubmission.REJECTED, "; ".join(problems)
    else:
        submission.user_id = score["userId"]
        submission.score_given = score.get("scoreGiven")
        submission.score_maximum = score.get("scoreMaximum")
        submission.comment = score.get("comment")
        submission.timestamp = score["timestamp"]
        submission.timestamp_seconds = parse_timestamp(score["timestamp"]).timestamp()
        submission.activity_progress = score["activityProgress"]
        submission.grading_progress = score["gradingProgress"]
        submission.submission = score.get("submission")
        submission.status, submission.reason = _timestamp_verdict(line_item, submission)
    db.session.add(submission)
    return submission


def list_results(course_id: str, line_item_id: int, query) -> Page:
    """A page of the line item's results (each learner's current score), optionally for one user_id."""
    line_item = service_line_item(course_id, line_item_id)
    user_id = query.get("user_id")
    results = [_result_json(line_item, score) for score in current_scores(line_item)
               if not user_id or score.user_id == user_id]
    return paginate(results, query, "ags.results", course_id=course_id, line_item_id=line_item.id, user_id=user_id)


def gradebook(course_id: str) -> Gradebook:
    """Everything the gradebook page shows for a course."""
    course = get_course(course_id)
    line_items = db.session.scalars(db.select(LineItem).filter_by(course_id=course.id).order_by(LineItem.id)).all()
    return Gradebook(course, [
        (item, [_result_json(item, score) for score in current_scores(item)], list(item.submissions))
        for item in line_items
    ])


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
    # Moodle keeps scoreGiven only when grading is FullyGraded.
    if score.score_given is not None and score.grading_progress == "FullyGraded":
        result["resultScore"] = score.score_given / score.score_maximum * line_item.score_maximum
    if score.comment:
        result["comment"] = score.comment
    return result


def _score_problems(line_item: LineItem, score) -> list[str]:
    """Every reason to reject a score (AGS 2.0 section 3.4, and Moodle's checks)."""
    if not isinstance(score, dict):
        return ["the body must be a JSON object"]
    problems = []
    if not isinstance(score.get("userId"), str) or not score["userId"]:
        problems.append("userId is required")
    elif not is_gradable_learner(line_item.course_id, score["userId"]):
        problems.append(f"user {score['userId']!r} is not a gradable learner of course {line_item.course_id!r}")
    if "timestamp" not in score:
        problems.append("timestamp is required")
    elif parse_timestamp(score["timestamp"]) is None:
        problems.append(f"timestamp {score['timestamp']!r} is not an ISO 8601 date-time with a time zone offset")
    for name, allowed in (("activityProgress", ACTIVITY_PROGRESS), ("gradingProgress", GRADING_PROGRESS)):
        if name not in score:
            problems.append(f"{name} is required")
        elif score[name] not in allowed:
            problems.append(f"{name} {score[name]!r} is not one of {', '.join(allowed)}")
    if "scoreGiven" in score:
        if not is_number(score["scoreGiven"]) or score["scoreGiven"] < 0:
            problems.append("scoreGiven must be a number of at least 0")
        if "scoreMaximum" not in score:
            problems.append("scoreMaximum is required when scoreGiven is present")
    if "scoreMaximum" in score and (not is_number(score["scoreMaximum"]) or score["scoreMaximum"] <= 0):
        problems.append("scoreMaximum must be a number greater than 0")
    if "comment" in score and not isinstance(score["comment"], str):
        problems.append("comment must be a string")
    return problems


def _timestamp_verdict(line_item: LineItem, submission: ScoreSubmission) -> tuple[str, str | None]:
    """Accept a score unless the stored one for the same user is newer (AGS 2.0 section 3.4.7)."""
    stored = next((score for score in current_scores(line_item) if score.user_id == submission.user_id), None)
    if stored is None:
        return ScoreSubmission.ACCEPTED, None
    if current_app.config["DEVLMS_OLDER_SCORE_POLICY"] == "moodle":
        # Moodle compares whole seconds and refuses even an equal timestamp, with 409.
        if int(stored.timestamp_seconds) >= int(submission.timestamp_seconds):
            return ScoreSubmission.REFUSED, f"refusing a score with an earlier timestamp than {stored.timestamp}"
    elif submission.timestamp_seconds < stored.timestamp_seconds:
        return ScoreSubmission.IGNORED, f"older than the stored score from {stored.timestamp}"
    return ScoreSubmission.ACCEPTED, None
