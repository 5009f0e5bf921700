"""Reports' own tables: the launch history the activity figures count, and who may read the organisation's reports.

Launch rows (app.lti.models.Launch) are tool sessions, purged hours after they expire; the activity figures
need every launch for months, so each launch also leaves a LaunchRecord (no token, no claims).
"""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class LaunchRecord(db.Model):
    """That a person launched the tool from a course at a time: the activity figures and the course groups read it."""

    __tablename__ = "report_launches"
    __table_args__ = (Index("ix_report_launches_person", "organisation_id", "person_id", "launched_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    launched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ReportSettings(db.Model):
    """An organisation's report settings: the course whose instructors may read its skills map."""

    __tablename__ = "report_settings"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    reporting_course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"))
