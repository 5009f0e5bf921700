"""Tenancy rules: which organisation a launch belongs to, who the person is, and the one scoping helper."""
import logging
import zoneinfo
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import DateTime, Select, bindparam, select, text

from app.errors import AppError, Forbidden, InvalidInput, NotFound
from app.events import deployment_created, people_merge_finished, people_merged
from app.extensions import db
from app.models_base import JSONType, utcnow
from app.tenancy.models import Deployment, Membership, Organisation, Person, Registration
from app.tenancy.organisations import create_organisation
from app.tenancy.registration_cache import kept_rows
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


class CourseOfAnotherOrganisation(AppError):
    """A write into a course whose organisation is not its site's: refused, so no one lands in the wrong college."""

    status = 409


def check_course_organisation(course_organisation_id: int, deployment_organisation_id: int | None,
                              deployment_id: int) -> None:
    """Refuse to record anything in a course that is not in its LMS site's organisation (data of an old move):
    the launch and the roster would write people into the wrong college."""
    if course_organisation_id != deployment_organisation_id:
        raise CourseOfAnotherOrganisation(
            _("This course's records are kept in another organisation than its LMS site's, so nothing was recorded."),
            hint=_("Tell your college's support: an administrator of REX VET Path must bring the LMS site's records "
                   "into its organisation by choosing its organisation again. Then open REX VET Path again."),
            detail=f"deployment {deployment_id} in organisation {deployment_organisation_id}, "
                   f"course in organisation {course_organisation_id}",
        )


def find_registration(issuer: str, client_id: str) -> Registration | None:
    return db.session.scalars(_registration_query(), {"issuer": issuer, "client_id": client_id}).first()


def registration_for_login(issuer: str, client_id: str) -> Registration | None:
    """The registration a login names, from this process's copy while no registration has changed since (outside
    the request's session: a login reads its columns only)."""
    return kept_rows(("registration", issuer, client_id), lambda: (find_registration(issuer, client_id),),
                     attach=False)[0]


def find_registration_with_deployment(
    issuer: str, client_id: str, deployment_id
) -> tuple[Registration | None, Deployment | None]:
    """The registration and, if known already, its deployment with this id: a launch's lookups in one query, or
    none while this process's copy of them holds (app/tenancy/registration_cache.py)."""
    if not isinstance(deployment_id, str):
        deployment_id = None  # a malformed claim finds no deployment; the launch's message check refuses it

    def read() -> tuple[Registration | None, Deployment | None]:
        row = db.session.execute(
            _registration_with_deployment_query(),
            {"issuer": issuer, "client_id": client_id, "deployment_id": deployment_id},
        ).first()
        return (row[0], row[1]) if row else (None, None)

    return kept_rows(("registration and deployment", issuer, client_id, deployment_id), read)


# Every login and launch runs these: built once (building an ORM statement costs more than running it).
@cache
def _registration_query() -> Select:
    return select(Registration).where(
        Registration.issuer == bindparam("issuer"), Registration.client_id == bindparam("client_id")
    )


@cache
def _registration_with_deployment_query() -> Select:
    return _registration_query().add_columns(Deployment).outerjoin(
        Deployment,
        (Deployment.registration_id == Registration.id) & (Deployment.deployment_id == bindparam("deployment_id")),
    )


def registrations_for_issuer(issuer: str) -> list[Registration]:
    return list(db.session.scalars(select(Registration).where(Registration.issuer == issuer)))


def find_or_create_deployment(registration: Registration, deployment_id: str, platform_name: str | None, *,
                              known: Deployment | None = None) -> Deployment:
    """The deployment for this id (`known` if the caller has read it); a new id is a new customer site, handled
    by the registration's policy.

    new_organisation: the site gets its own, new organisation and is active at once (shown to the admin).
    hold_pending: the site waits for approval: under the registration's default organisation if that
    organisation's admin may approve it (`default_organisation_approves`), else in no organisation, for the
    installation admin.
    """
    deployment = known or _find_deployment(registration, deployment_id)
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
            organisation_id=registration.held_sites_organisation_id,
            status=Deployment.PENDING,
        )
    else:
        # A long deployment id must not overflow the organisation's name (the launch would fail with a 500).
        organisation = create_organisation(
            (platform_name or f"{registration.name} · {deployment_id}")[: Organisation.name.type.length]
        )
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


def record_person(organisation_id: int, issuer: str, subject: str, **launch_values) -> Person:
    """Find or create the person (organisation, issuer, sub) as a launch would; keep what the LMS sent this time."""
    return db.session.get(
        Person, upsert_person(organisation_id, issuer, subject, **launch_values), populate_existing=True
    )


def upsert_person(
    organisation_id: int, issuer: str, subject: str, *, name=None, email=None, locale=None, now=None
) -> int:
    """The person's id, their row created or brought up to date in one statement (a launch's hot path)."""
    return db.session.execute(_UPSERT_PERSON, {
        "organisation_id": organisation_id, "issuer": issuer, "subject": subject, "name": clean_optional(name),
        "email": clean_optional(email), "locale": clean_optional(locale), "now": now, "created_at": utcnow(),
    }).scalar_one()


def upsert_course(
    organisation_id: int, deployment_id: int, context: dict | None, *, roster_url: str | None = None
) -> int | None:
    """The course's id from the launch's context claim (None without one), created or brought up to date."""
    context_id = (context or {}).get("id")
    if not context_id:
        return None
    course_id, course_organisation_id = db.session.execute(_UPSERT_COURSE, {
        "organisation_id": organisation_id, "deployment_id": deployment_id, "context_id": context_id,
        "title": context.get("title") or None, "label": context.get("label") or None, "roster_url": roster_url,
        "created_at": utcnow(),
    }).one()
    # The course is keyed by site and context: one recorded while the site was another organisation's keeps that
    # organisation (the update leaves it), and nothing of this launch may be written into it.
    check_course_organisation(course_organisation_id, organisation_id, deployment_id)
    return course_id


def upsert_membership(
    organisation_id: int, course_id: int, person_id: int, role: ToolRole, lti_roles: list[str]
) -> int:
    """The membership's id: the person's role in the course, as this launch says."""
    return db.session.execute(_UPSERT_MEMBERSHIP, {
        "organisation_id": organisation_id, "course_id": course_id, "person_id": person_id,
        "role": role.course_role, "lti_roles": list(lti_roles), "created_at": utcnow(),
    }).scalar_one()


def upsert_person_in_course(organisation_id: int, deployment_id: int, issuer: str, subject: str, context: dict, *,
                            role: ToolRole, lti_roles: list[str], roster_url: str | None = None,
                            name=None, email=None, locale=None, now=None) -> tuple[int, int, int]:
    """The ids of the person, the course of the launch's context claim (which has an id) and the membership, each
    row created or brought up to date, as three statements (PostgreSQL's launch writes them in one with the launch's
    other rows: PERSON_IN_COURSE_WITH_QUERIES)."""
    person_id = upsert_person(organisation_id, issuer, subject, name=name, email=email, locale=locale, now=now)
    course_id = upsert_course(organisation_id, deployment_id, context, roster_url=roster_url)
    return person_id, course_id, upsert_membership(organisation_id, course_id, person_id, role, lti_roles)


def person_in_course_parameters(organisation_id: int, deployment_id: int, issuer: str, subject: str,
                                context: dict | None, *, role: ToolRole, lti_roles: list[str],
                                roster_url: str | None = None, name=None, email=None, locale=None,
                                now=None) -> dict:
    """The bind parameters of PERSON_WITH_QUERY (no context) or PERSON_IN_COURSE_WITH_QUERIES, cleaned as
    upsert_person, upsert_course and upsert_membership clean them."""
    parameters = {
        "organisation_id": organisation_id, "issuer": issuer, "subject": subject, "name": clean_optional(name),
        "email": clean_optional(email), "locale": clean_optional(locale), "now": now, "created_at": utcnow(),
    }
    if context:
        parameters.update({
            "deployment_id": deployment_id, "context_id": context["id"], "title": context.get("title") or None,
            "label": context.get("label") or None, "roster_url": roster_url, "role": role.course_role,
            "lti_roles": list(lti_roles),
        })
    return parameters


# A launch writes its person, course and membership with one statement each, written once as text:
# SQLAlchemy compiles a dialect's ON CONFLICT anew on every call (it cannot cache it), and a SELECT followed
# by an INSERT or UPDATE per row was most of a launch's cost (docs/benchmarks.md). ON CONFLICT also settles
# two first launches of the same person racing. The SQL is the same on PostgreSQL and SQLite (3.35+).
# What the LMS did not send this time (a blank name, no email) keeps the value it sent before.
_TIMESTAMP = DateTime(timezone=True)
_PERSON_SQL = """
    INSERT INTO people (organisation_id, issuer, subject, name, email, locale, last_launch_at, created_at)
    VALUES (:organisation_id, :issuer, :subject, :name, :email, :locale, :now, :created_at)
    ON CONFLICT (organisation_id, issuer, subject) DO UPDATE SET
        name = COALESCE(excluded.name, people.name), email = COALESCE(excluded.email, people.email),
        locale = COALESCE(excluded.locale, people.locale),
        last_launch_at = COALESCE(excluded.last_launch_at, people.last_launch_at)
    RETURNING id
"""
_UPSERT_PERSON = text(_PERSON_SQL).bindparams(bindparam("now", type_=_TIMESTAMP),
                                              bindparam("created_at", type_=_TIMESTAMP))
_COURSE_SQL = """
    INSERT INTO courses (organisation_id, deployment_id, context_id, title, label, roster_url, created_at)
    VALUES (:organisation_id, :deployment_id, :context_id, :title, :label, :roster_url, :created_at)
    ON CONFLICT (deployment_id, context_id) DO UPDATE SET
        title = COALESCE(excluded.title, courses.title), label = COALESCE(excluded.label, courses.label),
        roster_url = COALESCE(excluded.roster_url, courses.roster_url)
    RETURNING id, organisation_id
"""
_UPSERT_COURSE = text(_COURSE_SQL).bindparams(bindparam("created_at", type_=_TIMESTAMP))
_UPSERT_MEMBERSHIP = text("""
    INSERT INTO memberships (organisation_id, course_id, person_id, role, lti_roles, created_at)
    VALUES (:organisation_id, :course_id, :person_id, :role, :lti_roles, :created_at)
    ON CONFLICT (course_id, person_id) DO UPDATE SET role = excluded.role, lti_roles = excluded.lti_roles
    RETURNING id
""").bindparams(bindparam("lti_roles", type_=JSONType), bindparam("created_at", type_=_TIMESTAMP))
# For a statement that writes more rows with them (a launch: app/lti/launch_writes.py), on PostgreSQL: the person, or
# the person, course and membership, as data-modifying WITH queries named person, course and membership, with the
# bind parameters person_in_course_parameters() makes and the types UPSERT_PARAMETER_TYPES gives them. The membership
# comes from the other two's RETURNING and is written only into a course of the launch's organisation (the caller
# refuses the launch otherwise, with check_course_organisation). SQLite has no INSERT inside WITH: there the three
# statements above.
PERSON_WITH_QUERY = f"person AS ({_PERSON_SQL})"
PERSON_IN_COURSE_WITH_QUERIES = f"""{PERSON_WITH_QUERY}, course AS ({_COURSE_SQL}), membership AS (
        INSERT INTO memberships (organisation_id, course_id, person_id, role, lti_roles, created_at)
        SELECT :organisation_id, course.id, person.id, :role, :lti_roles, :created_at FROM course, person
        WHERE course.organisation_id = :organisation_id
        ON CONFLICT (course_id, person_id) DO UPDATE SET role = excluded.role, lti_roles = excluded.lti_roles
        RETURNING id
    )"""
UPSERT_PARAMETER_TYPES = (bindparam("now", type_=_TIMESTAMP), bindparam("created_at", type_=_TIMESTAMP),
                          bindparam("lti_roles", type_=JSONType))


def organisation_admin_may_approve(deployment: Deployment, organisation_id: int) -> bool:
    """Whether this organisation's admin may approve the site: its registration is the organisation's own."""
    registration = deployment.registration
    return registration.default_organisation_approves and registration.default_organisation_id == organisation_id


def approve_deployment_of_organisation(organisation_id: int, deployment_id: int) -> Deployment:
    """An organisation admin approves a site held pending under their organisation.

    Only on a registration their organisation owns alone: on a shared one (itslearning) a new site may be another
    college's, so only the installation admin places it (also a site held before that rule, or before the
    installation admin marked the registration shared).
    """
    deployment = get_scoped_or_404(Deployment, deployment_id, organisation_id)
    if not organisation_admin_may_approve(deployment, organisation_id):
        raise Forbidden(
            _("Only the administrators of REX VET Path can approve LMS site %(site)s.",
              site=repr(deployment.deployment_id)),
            hint=_("Its LMS registration may serve several organisations, so they check which organisation the site "
                   "belongs to. Ask them to approve it."),
        )
    if deployment.status != Deployment.PENDING:
        raise AppError(
            _(
                "LMS site %(site)s is not waiting for approval (it is %(status)s).",
                site=repr(deployment.deployment_id),
                status={Deployment.ACTIVE: _("active"), Deployment.DISABLED: _("disabled")}.get(
                    deployment.status, deployment.status
                ),
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
    return merge_records(organisation_id, kept, merged)


def merge_records(organisation_id: int, kept: Person, merged: Person) -> Person:
    """The merge itself, on rows of `organisation_id`: also for a record whose rows a site's move has just brought
    into the organisation while the record itself is still elsewhere (app.tenancy.moves)."""
    kept_courses = set(db.session.scalars(select(Membership.course_id).where(Membership.person_id == kept.id)))
    for membership in db.session.scalars(scoped(Membership, organisation_id).where(Membership.person_id == merged.id)):
        if membership.course_id in kept_courses:
            db.session.delete(membership)
        else:
            membership.person_id = kept.id
    kept.name, kept.email = kept.name or merged.name, kept.email or merged.email
    people_merged.send(organisation_id=organisation_id, kept=kept, merged=merged)
    db.session.flush()
    people_merge_finished.send(organisation_id=organisation_id, kept=kept)
    db.session.delete(merged)
    log.info("organisation %s merged person %s into %s", organisation_id, merged.id, kept.id)
    return kept



def country_code(code: str | None) -> str | None:
    """An organisation's country as stated in a form: an ISO 3166-1 alpha-2 code, upper-cased; empty: None.
    InvalidInput for anything that is not a country code."""
    from babel import Locale

    code = (code or "").strip().upper() or None
    if code is not None and (len(code) != 2 or not code.isascii() or code not in Locale("en").territories):
        raise InvalidInput(_("Choose your college's country from the list."))
    return code


def country_choices() -> list[tuple[str, str]]:
    """(code, name in the page's language), the countries of Europe first: the partner colleges' own."""
    from flask_babel import get_locale

    names = get_locale().territories
    codes = sorted((code for code in names if len(code) == 2 and code.isalpha()), key=lambda code: names[code])
    european = [code for code in EUROPEAN if code in names]
    return [(code, names[code]) for code in european] + [(code, names[code]) for code in codes if code not in european]


EUROPEAN = ("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IS", "IE", "IT", "LV",
            "LI", "LT", "LU", "MT", "NL", "NO", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "CH", "TR", "GB")


def set_organisation_country(organisation_id: int, code: str | None) -> Organisation:
    """The organisation admin's statement of their college's country (ISO 3166-1 alpha-2), which its badges
    name as the awarding body's; empty: not stated. InvalidInput for anything that is not a country code."""
    code = country_code(code)
    organisation = db.session.get(Organisation, organisation_id)
    organisation.country = code
    log.info("organisation %s: country %s", organisation_id, code or "not stated")
    return organisation


def set_language_and_time_zone(organisation_id: int, language: str, time_zone: str, *,
                               languages: list[str]) -> Organisation:
    """The organisation admin's choice of the college's language (the default of link titles in its courses) and
    the time zone its people's times are shown in. An empty value clears the choice."""
    language, time_zone = (language or "").strip(), (time_zone or "").strip()
    if language and language not in languages:
        raise InvalidInput(_("“%(value)s” is not a language of REX VET Path.", value=language),
                           hint=_("Choose one of the languages in the list."))
    if time_zone and time_zone not in available_time_zones():
        raise InvalidInput(_("“%(value)s” is not a time zone.", value=time_zone),
                           hint=_("Choose the time zone of your college in the list, e.g. Europe/Helsinki."))
    organisation = db.session.get(Organisation, organisation_id)
    organisation.language, organisation.time_zone = language or None, time_zone or None
    log.info("organisation %s: language %s, time zone %s", organisation_id, organisation.language,
             organisation.time_zone)
    return organisation


@cache
def available_time_zones() -> tuple[str, ...]:
    """The IANA zones a college may choose: Europe's and UTC (the partners and any college in Europe)."""
    return ("UTC", *sorted(zone for zone in zoneinfo.available_timezones() if zone.startswith("Europe/")))


def set_instructors_see_self_assessments(organisation_id: int, allowed: bool) -> Organisation:
    """The organisation admin's choice: may instructors see their course members' self-assessment summaries?"""
    organisation = db.session.get(Organisation, organisation_id)
    organisation.instructors_see_self_assessments = allowed
    log.info("organisation %s: instructors %s see course members' self-assessment summaries",
             organisation_id, "may" if allowed else "may not")
    return organisation
