"""A person's data rights: an admin exports everything the tool holds about one person, or erases it.

Export: the person, their course memberships, launches, self-assessments with every rating, and module
progress with sections gone through, answers and reflections; other features' records are added with
`register_personal_data` (the badges feature's awards, by `app.reports.init_app`). JSON keeps the structure; CSV
flattens it to one row per value (section, item, field, value), so nothing is left out.

Erasure sends `person_erased` inside the transaction: every feature deletes its own rows of the person (the
badges feature revokes awards with the reason "erased at the earner's request"); then their memberships go and
the person row is emptied (no name, email, locale or LMS user id) and marked erased, so other features' rows
keep a valid reference and the reports no longer count them. The log names the person only by internal id.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import secrets
from collections.abc import Callable
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import update

from app.errors import AppError
from app.events import person_erased
from app.extensions import db
from app.learning.models import ModuleProgress, SelfAssessment
from app.reports.models import LaunchRecord, ReportSettings
from app.tenancy.models import Course, Membership, Person
from app.tenancy.services import get_scoped_or_404, scoped

log = logging.getLogger(__name__)

PersonalData = Callable[[int, int], list[dict]]  # (organisation_id, person_id) → records


def register_personal_data(app, section: str, records: PersonalData) -> None:
    """Add a feature's records of a person to the export (call from the feature's init_app)."""
    app.extensions.setdefault("personal_data_sections", {})[section] = records


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def person_data(organisation_id: int, person_id: int) -> dict:
    """Everything the tool holds about the person, in their organisation only."""
    person = get_scoped_or_404(Person, person_id, organisation_id)
    if person.erased_at is not None:
        raise AppError(_("This person's data was erased on %(date)s: there is nothing left to export.",
                         date=person.erased_at.date().isoformat()), status=410)
    courses = {course.id: course for course in db.session.scalars(scoped(Course, organisation_id))}

    def course_title(course_id):
        course = courses.get(course_id)
        return (course.title or course.label or course.context_id) if course else None

    data = {
        "person": {
            "id": person.id,
            "issuer": person.issuer,
            "lms_user_id": person.subject,
            "name": person.name,
            "email": person.email,
            "locale": person.locale,
            "first_seen": _time(person.created_at),
            "last_launch": _time(person.last_launch_at),
        },
        "memberships": [
            {
                "course": course_title(membership.course_id),
                "role": membership.role,
                "lti_roles": membership.lti_roles,
                "since": _time(membership.created_at),
                # A mentor's mentees, as the LMS's user ids their latest launch named (docs/dashboard.md).
                **({"mentees": membership.mentee_subjects} if membership.mentee_subjects else {}),
            }
            for membership in db.session.scalars(
                scoped(Membership, organisation_id).where(Membership.person_id == person.id).order_by(Membership.id)
            )
        ],
        "launches": [
            {"course": course_title(record.course_id), "at": _time(record.launched_at)}
            for record in db.session.scalars(
                scoped(LaunchRecord, organisation_id)
                .where(LaunchRecord.person_id == person.id)
                .order_by(LaunchRecord.launched_at)
            )
        ],
        "self_assessments": [
            {
                "taken_at": _time(assessment.taken_at),
                "ratings": {rating.statement_id: rating.rating for rating in assessment.ratings},
            }
            for assessment in db.session.scalars(
                scoped(SelfAssessment, organisation_id)
                .where(SelfAssessment.person_id == person.id)
                .order_by(SelfAssessment.taken_at)
            )
        ],
        "module_progress": [
            {
                "module": progress.module_id,
                "started_at": _time(progress.started_at),
                "last_section": progress.last_section_id,
                "completed_at": _time(progress.completed_at),
                "score": progress.score,
                "attempts": [
                    {
                        "number": attempt.number,
                        "started_at": _time(attempt.started_at),
                        "score": attempt.score,
                        "completed_at": _time(attempt.completed_at),
                        "sections_seen": [
                            {"section": seen.section_id, "at": _time(seen.seen_at)} for seen in attempt.sections_seen
                        ],
                        "answers": [
                            {
                                "activity": response.activity_id,
                                "version": response.version_id,
                                "first_answer": response.first_chosen_ids,
                                "first_answer_correct": response.first_correct,
                                "first_answered_at": _time(response.first_answered_at),
                                "latest_answer": response.chosen_ids,
                                "latest_answer_correct": response.is_correct,
                                "reflection": response.text,
                                "tries": response.tries,
                                "at": _time(response.answered_at),
                            }
                            for response in attempt.responses
                        ],
                    }
                    for attempt in progress.attempts
                ],
            }
            for progress in db.session.scalars(
                scoped(ModuleProgress, organisation_id)
                .where(ModuleProgress.person_id == person.id)
                .order_by(ModuleProgress.started_at)
            )
        ],
    }
    for section, records in current_app.extensions.get("personal_data_sections", {}).items():
        data[section] = records(organisation_id, person.id)
    return data


def as_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def as_csv(data: dict) -> str:
    """One row per value: section, item (its number in the section), field (a dotted path), value."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "item", "field", "value"])
    for section, content in data.items():
        items = content if isinstance(content, list) else [content]
        for number, item in enumerate(items, start=1):
            for field, value in _flatten(item):
                writer.writerow([section, number, field, _safe_cell(value)])
    return out.getvalue()


def _flatten(value, prefix: str = ""):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flatten(inner, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        if not value:
            yield prefix, ""
        for index, inner in enumerate(value, start=1):
            yield from _flatten(inner, f"{prefix}.{index}")
    else:
        yield prefix, "" if value is None else value


def _safe_cell(value):
    """A text starting with = + - @ would run as a formula in a spreadsheet (CSV injection): quote it."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def erase_word() -> str:
    """The word an organisation admin types to confirm an erasure, in their language."""
    # TRANSLATORS: the one word, in capitals, a person types to confirm erasing someone's data (e.g. POISTA)
    return _("ERASE")


def erase_person(organisation_id: int, person_id: int, *, confirmation: str, now: datetime) -> Person:
    """Erase the person's data in their organisation; `confirmation` must be the erase word of the admin's language
    (or the English ERASE, which scripts and the docs use), in any case."""
    person = get_scoped_or_404(Person, person_id, organisation_id)
    if confirmation.strip().upper() not in {erase_word().upper(), "ERASE"}:
        raise AppError(_("The data was not erased: type %(word)s in the box to confirm.", word=erase_word()))
    if person.erased_at is not None:
        raise AppError(_("This person's data was already erased."), status=409)
    person_erased.send(current_app._get_current_object(), organisation_id=organisation_id, person=person)
    for membership in db.session.scalars(scoped(Membership, organisation_id).where(Membership.person_id == person.id)):
        db.session.delete(membership)
    person.name = person.email = person.locale = None
    person.subject = f"erased:{secrets.token_hex(12)}"  # a new launch by them is a new person
    person.last_launch_at = None
    person.erased_at = now
    db.session.flush()
    log.info("organisation %s erased the data of person %s at an admin's request", organisation_id, person.id)
    return person


def erase_launch_records(sender, *, organisation_id: int, person) -> None:
    """The reports' own rows of an erased person: their launch history."""
    for record in db.session.scalars(scoped(LaunchRecord, organisation_id).where(LaunchRecord.person_id == person.id)):
        db.session.delete(record)


def move_launch_records(sender=None, *, organisation_id: int, kept, merged) -> None:
    """people_merged: the merged person's launch history becomes the kept one's (else the merge cannot delete them)."""
    db.session.execute(update(LaunchRecord).where(LaunchRecord.organisation_id == organisation_id,
                                                  LaunchRecord.person_id == merged.id).values(person_id=kept.id))


def move_launch_records_to_organisation(sender=None, *, source_organisation_id: int, target_organisation_id: int,
                                        person, into_id: int, deployment_id: int | None, course_ids: list[int],
                                        **_) -> None:
    """person_moved: the person's launch history (from the moved site's courses) goes to the site's organisation."""
    query = update(LaunchRecord).where(LaunchRecord.organisation_id == source_organisation_id,
                                       LaunchRecord.person_id == person.id)
    if deployment_id is not None:
        query = query.where(LaunchRecord.course_id.in_(course_ids))
    db.session.execute(query.values(organisation_id=target_organisation_id, person_id=into_id))


def release_moved_courses(sender=None, *, source_organisation_id: int, course_ids: list[int], **_) -> None:
    """deployment_moved: a course that left the organisation no longer names who may read its reports."""
    db.session.execute(update(ReportSettings).where(
        ReportSettings.organisation_id == source_organisation_id, ReportSettings.reporting_course_id.in_(course_ids),
    ).values(reporting_course_id=None))


def erasable_people(organisation_id: int) -> list[Person]:
    return list(db.session.scalars(
        scoped(Person, organisation_id).where(Person.erased_at.is_(None)).order_by(Person.name, Person.id)
    ))
