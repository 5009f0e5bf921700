"""Mentors and their mentees: a Mentor launch names the users it is about (LTI 1.3 Core, "Role-scope mentor claims":
`role_scope_mentor`, a list of their `sub`s); the tool keeps that list on the mentor's membership of the course, as
the latest launch stated it, and resolves it to the course's members when a page asks (ids of nobody the tool knows,
or of someone not in the course, are passed over).
"""
from sqlalchemy import select, update

from app.extensions import db
from app.tenancy.models import Membership, Person

MAX_MENTEES = 1000  # a launch naming more is refused (app.lti.launch): no mentor follows that many people


def record_mentees(membership_id: int, subjects: list[str] | None) -> None:
    """The mentees this launch names, replacing those of the mentor's earlier launches of the course."""
    db.session.execute(update(Membership).where(Membership.id == membership_id)
                       .values(mentee_subjects=list(dict.fromkeys(subjects)) if subjects else None))


def mentees_in_course(organisation_id: int, course_id: int, mentor_id: int) -> list[tuple[Person, Membership]]:
    """The course's members whom the mentor's latest launch of the course named, by name; one query."""
    mentor = db.session.execute(
        select(Person.issuer, Membership.mentee_subjects)
        .join(Membership, Membership.person_id == Person.id)
        .where(Person.organisation_id == organisation_id, Person.id == mentor_id, Membership.course_id == course_id)
    ).first()
    if mentor is None or not mentor.mentee_subjects:
        return []
    subjects = [subject for subject in mentor.mentee_subjects if isinstance(subject, str)]
    found = db.session.execute(
        select(Person, Membership).join(Membership, Membership.person_id == Person.id)
        .where(Person.organisation_id == organisation_id, Membership.organisation_id == organisation_id,
               Membership.course_id == course_id, Person.issuer == mentor.issuer, Person.subject.in_(subjects),
               Person.id != mentor_id, Person.erased_at.is_(None))
        .order_by(Person.name.is_(None), Person.name, Person.subject)
    ).all()
    return [(person, membership) for person, membership in found]


def is_mentee(organisation_id: int, course_id: int, mentor_id: int, person_id: int) -> bool:
    return any(person.id == person_id for person, _ in mentees_in_course(organisation_id, course_id, mentor_id))
