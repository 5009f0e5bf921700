"""Tenancy rules: which organisation a launch belongs to, who the person is, and the one scoping helper."""
import logging

from flask_babel import gettext as _
from sqlalchemy import Select, select

from app.errors import AppError, NotFound
from app.events import deployment_created, people_merged
from app.extensions import db
from app.models_base import find_or_insert
from app.tenancy.models import Course, Deployment, Membership, Organisation, Person, Registration
from app.tenancy.roles import ToolRole

log = logging.getLogger(__name__)


def scoped(model, organisation_id: int) -> Select:
    """`select(model)` limited to one organisation: every query for people's data starts here."""
    return select(model).where(model.organisation_id == organisation_id)


def get_scoped_or_404(model, object_id: int, organisation_id: int):
    """One row of this organisation, or NotFound (never a hint that it exists elsewhere)."""
    row = db.session.scalars(scoped(model, organisation_id).where(model.id == object_id)).first()
    if row is None:
        # TRANSLATORS: kind is the English name of the table (deployment, course, person).
        raise NotFound(_("No %(kind)s %(id)s in your organisation.", kind=model.__name__.lower(), id=object_id))
    return row


def find_registration(issuer: str, client_id: str) -> Registration | None:
    return db.session.scalars(
        select(Registration).where(Registration.issuer == issuer, Registration.client_id == client_id)
    ).first()


def registrations_for_issuer(issuer: str) -> list[Registration]:
    return list(db.session.scalars(select(Registration).where(Registration.issuer == issuer)))


def find_or_create_deployment(registration: Registration, deployment_id: str, platform_name: str | None) -> Deployment:
    """The deployment for this id; a new id is a new customer site, handled by the registration's policy.

    new_organisation: the site gets its own, new organisation and is active at once (shown to the admin).
    hold_pending: the site waits (under the registration's default organisation, if any) for approval.
    """
    deployment = _find_deployment(registration, deployment_id)
    if deployment is not None:
        return deployment
    # Two first launches from a new site race to create it (and its organisation): take them in turn.
    db.session.execute(select(Registration.id).where(Registration.id == registration.id).with_for_update())
    deployment = _find_deployment(registration, deployment_id)
    if deployment is not None:
        return deployment
    if registration.new_deployment_policy == Registration.POLICY_HOLD_PENDING:
        deployment = Deployment(
            registration=registration,
            deployment_id=deployment_id,
            organisation_id=registration.default_organisation_id,
            status=Deployment.PENDING,
        )
    else:
        organisation = Organisation(name=platform_name or f"{registration.name} · {deployment_id}")
        deployment = Deployment(
            registration=registration, deployment_id=deployment_id, organisation=organisation, status=Deployment.ACTIVE
        )
    deployment.platform_name = platform_name
    deployment.frame_ancestors = default_frame_ancestors(registration)
    db.session.add(deployment)
    db.session.flush()
    log.info(
        "new deployment %r under registration %s (%s): %s",
        deployment_id, registration.id, registration.issuer, deployment.status,
    )
    deployment_created.send(deployment)
    return deployment


def _find_deployment(registration: Registration, deployment_id: str) -> Deployment | None:
    return db.session.scalars(
        select(Deployment).where(
            Deployment.registration_id == registration.id, Deployment.deployment_id == deployment_id
        )
    ).first()


def default_frame_ancestors(registration: Registration) -> list[str]:
    """The LMS's own origin, taken from its authorization endpoint: the site that frames our pages."""
    return [registration.platform_origin]


def clean_optional(value) -> str | None:
    """Blank values and unsubstituted variables (itslearning sends `$Person.name` literally) are missing."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return None if not value or value.startswith("$") else value


def record_person(organisation_id: int, issuer: str, subject: str, *, name=None, email=None, locale=None, now=None) -> Person:
    """Find or create the person (organisation, issuer, sub); keep what the LMS sent this time."""
    person = find_or_insert(Person, {"organisation_id": organisation_id, "issuer": issuer, "subject": subject})
    person.name = clean_optional(name) or person.name
    person.email = clean_optional(email) or person.email
    person.locale = clean_optional(locale) or person.locale
    person.last_launch_at = now
    return person


def record_course(deployment: Deployment, context: dict | None) -> Course | None:
    """Find or create the course from the launch's context claim (absent for some launches)."""
    context_id = (context or {}).get("id")
    if not context_id:
        return None
    course = find_or_insert(
        Course, {"deployment_id": deployment.id, "context_id": context_id}, organisation_id=deployment.organisation_id
    )
    course.title = context.get("title") or course.title
    course.label = context.get("label") or course.label
    return course


def record_membership(course: Course, person: Person, role: ToolRole, lti_roles: list[str]) -> Membership:
    """The person's role in the course, as this launch says."""
    membership = find_or_insert(
        Membership, {"course_id": course.id, "person_id": person.id},
        organisation_id=course.organisation_id, role=role.course_role,
    )
    membership.role = role.course_role
    membership.lti_roles = list(lti_roles)
    return membership


def approve_deployment_of_organisation(organisation_id: int, deployment_id: int) -> Deployment:
    """An organisation admin approves a site held pending under their organisation."""
    deployment = get_scoped_or_404(Deployment, deployment_id, organisation_id)
    if deployment.status != Deployment.PENDING:
        raise AppError(
            _(
                "LMS site %(site)s is not waiting for approval (it is %(status)s).",
                site=repr(deployment.deployment_id),
                status={Deployment.ACTIVE: _("active"), Deployment.DISABLED: _("disabled")}.get(deployment.status, deployment.status),
            ),
            status=409,
        )
    deployment.status = Deployment.ACTIVE
    log.info("organisation %s approved deployment %s", organisation_id, deployment.id)
    return deployment


def merge_people(organisation_id: int, kept_id: int, merged_id: int) -> Person:
    """An organisation admin merges two records of one person (e.g. from two LMSs): `merged` goes into `kept`.

    People are never merged across organisations. Memberships move unless `kept` already has one in the
    course; every feature moves its own rows through the people_merged signal, in the same transaction.
    """
    if kept_id == merged_id:
        raise AppError(_("Choose two different people to merge."))
    kept = get_scoped_or_404(Person, kept_id, organisation_id)
    merged = get_scoped_or_404(Person, merged_id, organisation_id)
    kept_courses = set(db.session.scalars(select(Membership.course_id).where(Membership.person_id == kept.id)))
    for membership in db.session.scalars(scoped(Membership, organisation_id).where(Membership.person_id == merged.id)):
        if membership.course_id in kept_courses:
            db.session.delete(membership)
        else:
            membership.person_id = kept.id
    kept.name, kept.email = kept.name or merged.name, kept.email or merged.email
    people_merged.send(organisation_id=organisation_id, kept=kept, merged=merged)
    db.session.flush()
    db.session.delete(merged)
    log.info("organisation %s merged person %s into %s", organisation_id, merged.id, kept.id)
    return kept



def set_instructors_see_self_assessments(organisation_id: int, allowed: bool) -> Organisation:
    """The organisation admin's choice: may instructors see their course members' self-assessment summaries?"""
    organisation = db.session.get(Organisation, organisation_id)
    organisation.instructors_see_self_assessments = allowed
    log.info("organisation %s: instructors %s see course members' self-assessment summaries",
             organisation_id, "may" if allowed else "may not")
    return organisation
