"""Who may read an organisation's reports (the skills map): its organisation admins (an institution or system
Administrator launch), the instructors of the course those admins designate as the reporting course, and
the installation admin. A course-level Administrator is an instructor, and only of the reporting course counts.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import AppError, Forbidden
from app.extensions import db
from app.lti.models import Launch
from app.models_base import read_once_per_request
from app.reports.models import ReportSettings
from app.tenancy.models import Course
from app.tenancy.roles import INSTRUCTOR
from app.tenancy.services import get_scoped_or_404


def reporting_course_id(organisation_id: int) -> int | None:
    """Read once per request: every instructor's page asks (the header's skills-map link, may_read_reports)."""
    return read_once_per_request(_reporting_course_key(organisation_id), lambda: db.session.scalar(
        select(ReportSettings.reporting_course_id).where(ReportSettings.organisation_id == organisation_id)
    ))


def reporting_course_read(organisation_id: int, course_id: int | None) -> None:
    """A page that read the reporting course with its own rows (the course dashboard, in one statement) tells this
    request's other readers, so the header does not read it again."""
    read_once_per_request(_reporting_course_key(organisation_id), lambda: course_id)


def _reporting_course_key(organisation_id: int) -> tuple:
    return ("reporting course", organisation_id)


def may_read_reports(launch: Launch) -> bool:
    if launch.is_organisation_admin:
        return True
    return (launch.course_role == INSTRUCTOR and launch.course_id is not None
            and launch.course_id == reporting_course_id(launch.organisation_id))


def require_report_reader(launch: Launch) -> None:
    if not may_read_reports(launch):
        raise Forbidden(
            _("The skills map is for your organisation's administrators and the instructors of its reporting course."),
            hint=_("Ask your organisation's administrator to open it, or to make your course the reporting course."),
        )


def require_organisation_admin(launch: Launch) -> None:
    if not launch.is_organisation_admin:
        raise Forbidden(
            _("This page is for your organisation's administrators."),
            hint=_("Organisation admins launch with an institution administrator role in the LMS."),
        )


def set_reporting_course(organisation_id: int, course_id: int | None) -> Course | None:
    """The organisation admin designates the course whose instructors may read the reports (None: no course)."""
    course = get_scoped_or_404(Course, course_id, organisation_id) if course_id else None
    settings = db.session.get(ReportSettings, organisation_id)
    if settings is None:
        settings = ReportSettings(organisation_id=organisation_id)
        db.session.add(settings)
    settings.reporting_course_id = course.id if course else None
    return course


def parse_course_choice(value: str | None) -> int | None:
    if value in (None, "", "none"):
        return None
    if not value.isdigit():
        raise AppError(_("Choose a course from the list, or \"No reporting course\"."))
    return int(value)
