"""Learning data: self-assessments kept as dated history (the skills map compares dates), and module progress."""
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
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
    # The path content its self_rated_levels were worked out for (app.learning.self_assessment.ladder_fingerprint);
    # None: not stored (a taking saved before levels were stored).
    levels_fingerprint: Mapped[str | None] = mapped_column(String(32))

    ratings: Mapped[list["SelfRating"]] = relationship(
        back_populates="self_assessment", cascade="all, delete-orphan", order_by="SelfRating.id"
    )
    # Deleted with the taking by the ORM too, as its ratings are: SQLite does not enforce the foreign key.
    self_rated_levels: Mapped[list["SelfRatedLevel"]] = relationship(cascade="all, delete-orphan")


class SelfAssessmentDraft(db.Model):
    """A taking in progress, saved area by area until the person finishes it (then it becomes a SelfAssessment and
    goes). Kept apart from SelfAssessment so that placement, the skills map, the dashboard and the history, which
    read SelfAssessment, only ever see finished takings. One per person."""

    __tablename__ = "self_assessment_drafts"
    __table_args__ = (UniqueConstraint("organisation_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))  # indexed by the unique key
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ratings: Mapped[dict] = mapped_column(JSONType, default=dict)  # statement id → rating on the scale
    areas: Mapped[dict] = mapped_column(JSONType, default=dict)  # area id → "rated" or "skipped", once saved


class SelfRating(db.Model):
    """A rating of one can-do statement (by its id in path.yaml; a retired id stays in history)."""

    __tablename__ = "self_ratings"
    __table_args__ = (
        UniqueConstraint("self_assessment_id", "statement_id"),
        CheckConstraint("rating BETWEEN 0 AND 3", name="rating_on_scale"),
        # The skills map counts, per latest self-assessment, the statements rated "on my own" (2) or higher: this
        # partial index holds just those, and both columns the map reads, so it answers without the table.
        Index("ix_self_ratings_on_my_own", "self_assessment_id", "statement_id",
              postgresql_where=text("rating >= 2"), sqlite_where=text("rating >= 2")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    self_assessment_id: Mapped[int] = mapped_column(ForeignKey("self_assessments.id", ondelete="CASCADE"))
    statement_id: Mapped[str] = mapped_column(String(200))
    rating: Mapped[int] = mapped_column(SmallInteger)

    self_assessment: Mapped[SelfAssessment] = relationship(back_populates="ratings")


class SelfRatedLevel(db.Model):
    """One area's self-rated level of one taking, stored when the taking is saved so that the skills map reads a
    row per placed area instead of every rating (app.learning.self_assessment.self_rated_orders). Only areas at a
    level are stored: an area the taking has no row for is not started.

    The level depends on the path content (which statements sit at which level of which area): the taking's
    `levels_fingerprint` names the content they were worked out for, and a reader uses them only while the path
    still has that fingerprint (app.learning.self_assessment.ladder_fingerprint); it works other takings out from
    their ratings.
    """

    __tablename__ = "self_rated_levels"

    self_assessment_id: Mapped[int] = mapped_column(
        ForeignKey("self_assessments.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    level_order: Mapped[int] = mapped_column(SmallInteger)  # the level's order: never 0 (not started is no row)


class ModuleProgress(db.Model):
    """A person's way through one module, shared by every course and launch of their organisation.

    Keyed by module id (a retired module's progress stays in history). The module is taken in attempts
    (ModuleAttempt); `completed_at` is set when an attempt first meets the completion rule and never taken back,
    and `score` is the module's result: the best score of a completed attempt. Badges and grades rest on them.
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
    score: Mapped[int | None] = mapped_column(SmallInteger)  # the best completed attempt's score

    attempts: Mapped[list["ModuleAttempt"]] = relationship(
        back_populates="progress", cascade="all, delete-orphan", order_by="ModuleAttempt.number"
    )

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    @property
    def current_attempt(self) -> "ModuleAttempt | None":
        return self.attempts[-1] if self.attempts else None

    @property
    def seen_section_ids(self) -> set[str]:
        """The sections gone through in the current attempt."""
        attempt = self.current_attempt
        return attempt.seen_section_ids if attempt else set()

    @property
    def has_gone_through_a_section(self) -> bool:
        return any(attempt.sections_seen for attempt in self.attempts)

    def response(self, activity_id: str) -> "ActivityResponse | None":
        """The answer to an activity in the current attempt."""
        attempt = self.current_attempt
        return attempt.response(activity_id) if attempt else None


class ModuleAttempt(db.Model):
    """One attempt at a module: the versions of its questions drawn for it, the sections gone through and the
    answers. The first answer to each scored activity is the one that counts (docs/content.md, "Attempts")."""

    __tablename__ = "module_attempts"
    __table_args__ = (
        UniqueConstraint("progress_id", "number"),
        CheckConstraint("score BETWEEN 0 AND 100", name="attempt_score_is_a_percentage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    progress_id: Mapped[int] = mapped_column(ForeignKey("module_progress.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()  # 1, 2, … within the progress
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    versions: Mapped[dict] = mapped_column(JSONType, default=dict)  # activity id → version id drawn for it
    shuffle_seed: Mapped[int] = mapped_column()  # orders the options of this attempt, the same on every reload
    score: Mapped[int] = mapped_column(SmallInteger, default=0)  # % of scored activities right at the first answer
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # when it met the rule
    summary_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # then it may be restarted

    progress: Mapped[ModuleProgress] = relationship(back_populates="attempts")
    sections_seen: Mapped[list["SectionSeen"]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="SectionSeen.id"
    )
    responses: Mapped[list["ActivityResponse"]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="ActivityResponse.id"
    )

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    @property
    def seen_section_ids(self) -> set[str]:
        return {seen.section_id for seen in self.sections_seen}

    def response(self, activity_id: str) -> "ActivityResponse | None":
        return next((response for response in self.responses if response.activity_id == activity_id), None)

    def version_id(self, activity_id: str) -> str:
        """The version of the activity this attempt shows (the activity itself unless a variant was drawn)."""
        return self.versions.get(activity_id, activity_id)


class SectionSeen(db.Model):
    """A section the learner went through (pressed "Continue" on) in an attempt."""

    __tablename__ = "sections_seen"
    __table_args__ = (UniqueConstraint("attempt_id", "section_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("module_attempts.id", ondelete="CASCADE"))
    section_id: Mapped[str] = mapped_column(String(200))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    attempt: Mapped[ModuleAttempt] = relationship(back_populates="sections_seen")


class ActivityResponse(db.Model):
    """The learner's answer to one activity in one attempt: chosen options, ticked checklist items or a reflection.

    For a scored activity the first answer is kept apart and is the one that counts (`first_correct`); a retry
    replaces only the latest answer, which the feedback shows.
    """

    __tablename__ = "activity_responses"
    __table_args__ = (UniqueConstraint("attempt_id", "activity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("module_attempts.id", ondelete="CASCADE"))
    activity_id: Mapped[str] = mapped_column(String(200))
    version_id: Mapped[str] = mapped_column(String(200))  # the activity's id, or a variant's (`ka1-who.v2`)
    first_chosen_ids: Mapped[list] = mapped_column(JSONType, default=list)
    first_correct: Mapped[bool | None] = mapped_column()  # what counts; None: not a scored activity
    first_answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    chosen_ids: Mapped[list] = mapped_column(JSONType, default=list)  # latest: options chosen or items ticked
    text: Mapped[str | None] = mapped_column(Text)  # a reflection, kept for the learner to revisit
    is_correct: Mapped[bool | None] = mapped_column()  # the latest answer's
    tries: Mapped[int] = mapped_column(default=1)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    attempt: Mapped[ModuleAttempt] = relationship(back_populates="responses")
