"""Learning data: self-assessments kept as dated history (the skills map compares dates), and module progress."""
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import JSONType, TimestampMixin


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


class ModuleProgress(db.Model):
    """A person's way through one module, shared by every course and launch of their organisation.

    Keyed by module id (a retired module's progress stays in history). `completed_at` and `score` are set
    once, when the completion rule is first met, and never taken back: badges and grades rest on them.
    """

    __tablename__ = "module_progress"
    __table_args__ = (
        UniqueConstraint("organisation_id", "person_id", "module_id"),
        CheckConstraint("score BETWEEN 0 AND 100", name="score_is_a_percentage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))  # indexed by the unique key
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    module_id: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_section_id: Mapped[str | None] = mapped_column(String(200))  # where the learner resumes
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    score: Mapped[int | None] = mapped_column(SmallInteger)  # % of scored answers right when completed

    sections_seen: Mapped[list["SectionSeen"]] = relationship(
        back_populates="progress", cascade="all, delete-orphan", order_by="SectionSeen.id"
    )
    responses: Mapped[list["ActivityResponse"]] = relationship(
        back_populates="progress", cascade="all, delete-orphan", order_by="ActivityResponse.id"
    )

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    @property
    def seen_section_ids(self) -> set[str]:
        return {seen.section_id for seen in self.sections_seen}

    def response(self, activity_id: str) -> "ActivityResponse | None":
        return next((response for response in self.responses if response.activity_id == activity_id), None)


class SectionSeen(db.Model):
    """A section the learner went through (pressed "Continue" on)."""

    __tablename__ = "sections_seen"
    __table_args__ = (UniqueConstraint("progress_id", "section_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    progress_id: Mapped[int] = mapped_column(ForeignKey("module_progress.id", ondelete="CASCADE"))
    section_id: Mapped[str] = mapped_column(String(200))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    progress: Mapped[ModuleProgress] = relationship(back_populates="sections_seen")


class ActivityResponse(db.Model):
    """The learner's latest answer to one activity: chosen options, ticked checklist items or reflection text.

    Retries overwrite the answer and count an attempt; the score uses the latest answer.
    """

    __tablename__ = "activity_responses"
    __table_args__ = (UniqueConstraint("progress_id", "activity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    progress_id: Mapped[int] = mapped_column(ForeignKey("module_progress.id", ondelete="CASCADE"))
    activity_id: Mapped[str] = mapped_column(String(200))
    chosen_ids: Mapped[list] = mapped_column(JSONType, default=list)  # options chosen or checklist items ticked
    text: Mapped[str | None] = mapped_column(Text)  # a reflection, kept for the learner to revisit
    is_correct: Mapped[bool | None] = mapped_column()  # None: not a scored activity
    attempts: Mapped[int] = mapped_column(default=1)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    progress: Mapped[ModuleProgress] = relationship(back_populates="responses")
