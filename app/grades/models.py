"""The grade outbox: per learner and line item, the newest score the LMS should hold and whether it does."""
from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import as_utc
from app.extensions import db
from app.lti.constants import LINE_ITEM_URL_MAX_LENGTH, RESOURCE_ID_MAX_LENGTH
from app.tenancy.models import Person


class GradeSync(db.Model):
    """One learner's score on one LMS line item: what should be there (`version`) and what was sent.

    Each new score overwrites the wanted values and bumps `version`; the sender sends whatever is newest when
    it runs, so an older score is never sent after a newer one, and sending twice is harmless.
    """

    __tablename__ = "grade_syncs"
    __table_args__ = (UniqueConstraint("organisation_id", "line_item_key", "person_id"),)

    PENDING, SENT, FAILED, NOT_SENT = "pending", "sent", "failed", "not_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), index=True)
    # The line item: the link's own URL, or "<container URL>#resource=<id>" for one the tool finds or creates.
    line_item_key: Mapped[str] = mapped_column(String(LINE_ITEM_URL_MAX_LENGTH))
    line_item_url: Mapped[str | None] = mapped_column(String(LINE_ITEM_URL_MAX_LENGTH))  # None until found or created
    line_items_url: Mapped[str | None] = mapped_column(String(LINE_ITEM_URL_MAX_LENGTH))
    resource_id: Mapped[str] = mapped_column(
        String(RESOURCE_ID_MAX_LENGTH)
    )  # a module id, or "path" for a whole-path link
    resource_link_id: Mapped[str | None] = mapped_column(String(255))
    label: Mapped[str] = mapped_column(String(300))
    user_id: Mapped[str] = mapped_column(String(255))  # the learner's `sub` at the LMS

    score_given: Mapped[float | None] = mapped_column(Float)
    score_maximum: Mapped[float | None] = mapped_column(Float)
    activity_progress: Mapped[str] = mapped_column(String(20))
    grading_progress: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    scored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the score's `timestamp`
    version: Mapped[int] = mapped_column(default=1)

    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    sent_version: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)  # why failed or not sent, or the last error while pending
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    person: Mapped[Person] = relationship()

    @property
    def is_synced(self) -> bool:
        return self.status == self.SENT and self.sent_version == self.version

    def score_json(self) -> dict:
        """The AGS score as the LMS receives it (AGS 2.0 §3.4): userId, timestamp and both progresses always."""
        score = {
            "userId": self.user_id,
            "timestamp": as_utc(self.scored_at).isoformat(timespec="milliseconds"),
            "activityProgress": self.activity_progress,
            "gradingProgress": self.grading_progress,
        }
        if self.score_given is not None:
            score["scoreGiven"], score["scoreMaximum"] = self.score_given, self.score_maximum
        if self.comment:
            score["comment"] = self.comment
        return score

