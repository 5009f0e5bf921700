"""The gradebook: line items (columns) and every score a tool posted to them."""

from sqlalchemy import JSON, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from devlms.extensions import db


class LineItem(db.Model):
    """A gradebook column of a course, optionally bound to one resource link."""

    __tablename__ = "line_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("course.id"))
    resource_link_id: Mapped[str | None] = mapped_column(ForeignKey("resource_link.id"))
    label: Mapped[str] = mapped_column(String(200))
    score_maximum: Mapped[float] = mapped_column(Float)
    resource_id: Mapped[str | None] = mapped_column(String(200))
    tag: Mapped[str | None] = mapped_column(String(200))
    start_date_time: Mapped[str | None] = mapped_column(String(50))
    end_date_time: Mapped[str | None] = mapped_column(String(50))

    submissions: Mapped[list["ScoreSubmission"]] = relationship(
        back_populates="line_item", order_by="ScoreSubmission.id", cascade="all, delete-orphan"
    )


class ScoreSubmission(db.Model):
    """One score POST, kept whatever became of it, so the gradebook page can explain it."""

    __tablename__ = "score_submission"

    ACCEPTED = "accepted"
    IGNORED = "ignored"  # older than the stored score: answered 200, not stored
    REJECTED = "rejected"  # broke a rule: answered 400
    REFUSED = "refused"  # older than the stored score under the "moodle" policy: answered 409

    id: Mapped[int] = mapped_column(primary_key=True)
    line_item_id: Mapped[int] = mapped_column(ForeignKey("line_item.id"))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    user_id: Mapped[str | None] = mapped_column(String(100))
    score_given: Mapped[float | None] = mapped_column(Float)
    score_maximum: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    timestamp: Mapped[str | None] = mapped_column(String(50))
    # The timestamp as epoch seconds with its fraction, for ordering scores of one user.
    timestamp_seconds: Mapped[float | None] = mapped_column(Float)
    activity_progress: Mapped[str | None] = mapped_column(String(20))
    grading_progress: Mapped[str | None] = mapped_column(String(20))
    submission: Mapped[dict | None] = mapped_column(JSON)

    line_item: Mapped[LineItem] = relationship(back_populates="submissions")
