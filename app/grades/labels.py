"""Words for the grade passback's codes on the admin's grade outbox: the row's state (GradeSync.status) and the
AGS progress values sent to the LMS (`Completed`, `FullyGraded`: the spec's codes, which admins read as words)."""
from flask_babel import lazy_gettext as _l

from app.grades.models import GradeSync
from app.grades.policy import COMPLETED, FULLY_GRADED, IN_PROGRESS, NOT_READY, PENDING, STARTED

SYNC_STATUS_LABELS = {
    GradeSync.PENDING: _l("pending"),
    GradeSync.SENT: _l("sent"),
    GradeSync.FAILED: _l("failed"),
    GradeSync.NOT_SENT: _l("not sent"),
}

# AGS 2.0 Score: activityProgress and gradingProgress (also the values other tools' rows may hold).
PROGRESS_LABELS = {
    "Initialized": _l("not started"),
    STARTED: _l("started"),
    IN_PROGRESS: _l("in progress"),
    "Submitted": _l("submitted"),
    COMPLETED: _l("completed"),
    FULLY_GRADED: _l("fully graded"),
    PENDING: _l("grade pending"),
    "PendingManual": _l("grade pending a teacher"),
    "Failed": _l("grading failed"),
    NOT_READY: _l("no grade yet"),
}


def sync_status_label(code: str | None) -> str:
    """The word for a grade row's state; an unknown code as it is."""
    return str(SYNC_STATUS_LABELS.get(code, code or ""))


def progress_label(code: str | None) -> str:
    """The words for an AGS activity or grading progress code; an unknown code as it is."""
    return str(PROGRESS_LABELS.get(code, code or ""))
