"""Learning data: self-assessments, kept as dated history (the skills map compares dates)."""
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import TimestampMixin


class SelfAssessment(TimestampMixin, db.Model):
    """One taking of the self-assessment by a person; a new taking is a new row, never an update."""

    __tablename__ = "self_assessments"
    __table_args__ = (Index("ix_self_assessments_person_taken", "organisation_id", "person_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    ratings: Mapped[list["SelfRating"]] = relationship(
        back_populates="self_assessment", cascade="all, delete-orphan", order_by="SelfRating.id"
    )


class SelfRating(db.Model):
    """A rating of one can-do statement (by its id in path.yaml; a retired id stays in history)."""

    __tablename__ = "self_ratings"
    __table_args__ = (
        UniqueConstraint("self_assessment_id", "statement_id"),
        CheckConstraint("rating BETWEEN 0 AND 3", name="rating_on_scale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    self_assessment_id: Mapped[int] = mapped_column(ForeignKey("self_assessments.id", ondelete="CASCADE"))
    statement_id: Mapped[str] = mapped_column(String(200))
    rating: Mapped[int] = mapped_column(SmallInteger)

    self_assessment: Mapped[SelfAssessment] = relationship(back_populates="ratings")
