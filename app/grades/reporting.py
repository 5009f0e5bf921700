"""What the grades feature gives a person's data export: the scores kept for their LMS gradebook and whether each was
sent. Registered from app.reports.init_app; grades never imports reports."""
from sqlalchemy import select

from app.extensions import db
from app.grades.models import GradeSync


def grades_of_person(organisation_id: int, person_id: int) -> list[dict]:
    """The person's scores, one per LMS gradebook column, as their data export lists them."""
    syncs = db.session.scalars(select(GradeSync).where(
        GradeSync.organisation_id == organisation_id, GradeSync.person_id == person_id).order_by(GradeSync.id))
    return [
        {
            "gradebook_column": sync.label,
            "score": sync.score_given,
            "maximum": sync.score_maximum,
            "activity_progress": sync.activity_progress,
            "grading_progress": sync.grading_progress,
            "comment": sync.comment,
            "scored_at": sync.scored_at.isoformat() if sync.scored_at else None,
            "status": sync.status,
            "sent_at": sync.sent_at.isoformat() if sync.sent_at else None,
        }
        for sync in syncs
    ]
