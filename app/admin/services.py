"""What the installation admin changes: deployments, registrations and organisations across every tenant.

Unlike the rest of the tool these functions are deliberately not scoped to one organisation: the
installation admin runs the whole installation. They flush but never commit; the route commits.
"""
import logging
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.errors import AppError, NotFound
from app.extensions import db
from app.tenancy.models import Deployment, Organisation, Person, Registration
from app.tenancy.moves import place_deployment

log = logging.getLogger(__name__)

REGISTRATION_STATUSES = (Registration.ACTIVE, Registration.DISABLED)
NEW_DEPLOYMENT_POLICIES = (Registration.POLICY_NEW_ORGANISATION, Registration.POLICY_HOLD_PENDING)
MAX_ORGANISATION_NAME_LENGTH = 200
# http(s), then a DNS name, IPv4 or bracketed IPv6 address, then an optional port: nothing that could end
# or extend the CSP frame-ancestors directive these values go into.
FRAME_ORIGIN = re.compile(
    r"https?://(?:[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(?::(?P<port>[0-9]{1,5}))?", re.IGNORECASE
)


class InvalidInput(AppError):
    """A value typed in an admin form that cannot be used; the page shows it next to the form."""


@dataclass(frozen=True)
class RegistrationRow:
    registration: Registration
    deployment_count: int


@dataclass(frozen=True)
class OrganisationRow:
    organisation: Organisation
    deployment_count: int
    person_count: int


@dataclass(frozen=True)
class Overview:
    """Everything the overview page lists, pending deployments first."""

    pending_deployments: list[Deployment]
    registrations: list[RegistrationRow]
    deployments: list[Deployment]
    organisations: list[OrganisationRow]


def _count_by(column):
    """A subquery: (column, n) for the rows grouped by column, to join as a count."""
    return select(column.label("key"), func.count().label("n")).group_by(column).subquery()


def installation_overview() -> Overview:
    """Registrations, deployments and organisations with their counts, for the overview page."""
    deployments_per_registration = _count_by(Deployment.registration_id)
    registrations = [
        RegistrationRow(registration, count)
        for registration, count in db.session.execute(
            select(Registration, func.coalesce(deployments_per_registration.c.n, 0))
            .outerjoin(deployments_per_registration, deployments_per_registration.c.key == Registration.id)
            .order_by(Registration.name, Registration.id)
        )
    ]
    deployments_per_organisation = _count_by(Deployment.organisation_id)
    people_per_organisation = _count_by(Person.organisation_id)
    organisations = [
        OrganisationRow(organisation, deployment_count, person_count)
        for organisation, deployment_count, person_count in db.session.execute(
            select(
                Organisation,
                func.coalesce(deployments_per_organisation.c.n, 0),
                func.coalesce(people_per_organisation.c.n, 0),
            )
            .outerjoin(deployments_per_organisation, deployments_per_organisation.c.key == Organisation.id)
            .outerjoin(people_per_organisation, people_per_organisation.c.key == Organisation.id)
            .order_by(Organisation.name, Organisation.id)
        )
    ]
    deployments = list(db.session.scalars(select(Deployment).order_by(Deployment.created_at.desc(), Deployment.id.desc())))
    pending = [deployment for deployment in deployments if deployment.status == Deployment.PENDING]
    return Overview(pending, registrations, deployments, organisations)


def get_deployment(deployment_id: int) -> Deployment:
    return _get(Deployment, deployment_id, _("There is no deployment with id %(id)s.", id=deployment_id))


def get_registration(registration_id: int) -> Registration:
    return _get(Registration, registration_id, _("There is no registration with id %(id)s.", id=registration_id))


def get_organisation(organisation_id: int) -> Organisation:
    return _get(Organisation, organisation_id, _("There is no organisation with id %(id)s.", id=organisation_id))


def _get(model, object_id: int, message: str):
    row = db.session.get(model, object_id)
    if row is None:
        raise NotFound(message, hint=_("It may have been removed; go back to the overview and pick it from the list."))
    return row


def all_organisations() -> list[Organisation]:
    """Every organisation by name, for choosing where a deployment belongs."""
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name, Organisation.id)))


def approve_deployment(
    deployment_id: int, *, organisation_id: int | None = None, new_organisation_name: str | None = None
) -> Deployment:
    """Activate a pending (or disabled) deployment in an existing organisation or a new one made for it.

    Approving into a pending organisation activates that organisation too: the admin has now vouched for it.
    """
    deployment = get_deployment(deployment_id)
    if deployment.status == Deployment.ACTIVE:
        raise InvalidInput(
            _("Deployment %(id)s is already active.", id=deployment.deployment_id),
            hint=_("To move it to another organisation, disable it first and approve it again."),
        )
    new_organisation_name = (new_organisation_name or "").strip()
    if (organisation_id is None) == (not new_organisation_name):
        raise InvalidInput(
            _("Choose either an existing organisation or a name for a new one, not both or neither.")
        )
    if new_organisation_name:
        organisation = Organisation(name=checked_organisation_name(new_organisation_name))
        db.session.add(organisation)
    else:
        organisation = get_organisation(organisation_id)
    organisation.status = "active"
    deployment.status = Deployment.ACTIVE
    # A disabled site approved into another organisation takes what it recorded along (issue 21).
    summary = place_deployment(deployment, organisation)
    log.info("deployment %s approved into organisation %s: %s", deployment.id, organisation.id, summary)
    return deployment


def disable_deployment(deployment_id: int) -> Deployment:
    """Reject a pending deployment or switch off an active one: its launches are refused from now on."""
    deployment = get_deployment(deployment_id)
    deployment.status = Deployment.DISABLED
    log.info("deployment %s disabled", deployment.id)
    return deployment


def parse_frame_origin(value: str) -> str:
    """`scheme://host[:port]` with http or https and nothing after it, lower-cased; else InvalidInput saying why."""
    value = value.strip()
    match = FRAME_ORIGIN.fullmatch(value)
    if match and (match["port"] is None or 1 <= int(match["port"]) <= 65535):
        return value.lower()
    raise InvalidInput(_why_not_an_origin(value))


def _why_not_an_origin(value: str) -> str:
    scheme, separator, rest = value.partition("://")
    if not separator:
        return _("%(value)s has no scheme: write it as https://host, e.g. https://lms.example.org.", value=repr(value))
    if scheme.lower() not in ("http", "https"):
        return _("%(value)s uses %(scheme)s: only http and https origins can frame the tool.", value=repr(value), scheme=scheme)
    origin = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if origin != rest:
        return _(
            "%(value)s has a path: keep only the origin, %(origin)s.", value=repr(value), origin=f"{scheme}://{origin}"
        )
    return _("%(value)s is not scheme://host or scheme://host:port, e.g. https://lms.example.org:8443.", value=repr(value))


def set_frame_origins(deployment_id: int, lines: list[str]) -> Deployment:
    """Replace the origins allowed to frame the deployment's pages; blank lines are ignored, every other must be an origin."""
    deployment = get_deployment(deployment_id)
    origins = parse_frame_origins(lines)
    deployment.frame_ancestors = origins
    log.info("frame origins of deployment %s set to %s", deployment.id, origins)
    return deployment


def parse_frame_origins(lines: list[str]) -> list[str]:
    """Each non-blank line as an origin, once each; InvalidInput naming every bad line."""
    origins, problems = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            origin = parse_frame_origin(line)
        except InvalidInput as error:
            problems.append(_("Line %(number)s: %(problem)s", number=number, problem=error.message))
            continue
        if origin not in origins:
            origins.append(origin)
    if problems:
        raise InvalidInput(" ".join(problems), hint=_("Nothing was saved; correct these lines and save again."))
    return origins


def update_registration(
    registration_id: int, *, status: str, new_deployment_policy: str, default_organisation_id: int | None,
    default_organisation_approves: bool = False,
) -> Registration:
    """Set a registration's status, what a new deployment_id does, and the organisation held deployments wait in.

    `default_organisation_approves` lets that organisation's admins approve held sites: only for an LMS the
    organisation owns alone (never a registration several colleges share, like itslearning's).
    """
    registration = get_registration(registration_id)
    if status not in REGISTRATION_STATUSES:
        raise InvalidInput(_("Status must be one of %(allowed)s.", allowed=", ".join(REGISTRATION_STATUSES)))
    if new_deployment_policy not in NEW_DEPLOYMENT_POLICIES:
        raise InvalidInput(
            _("The new-deployment policy must be one of %(allowed)s.", allowed=", ".join(NEW_DEPLOYMENT_POLICIES))
        )
    registration.status = status
    registration.new_deployment_policy = new_deployment_policy
    registration.default_organisation = (
        get_organisation(default_organisation_id) if default_organisation_id is not None else None
    )
    registration.default_organisation_approves = bool(default_organisation_approves)
    log.info(
        "registration %s: status %s, policy %s, default organisation %s (%s approve held sites)",
        registration.id, status, new_deployment_policy, default_organisation_id,
        "its admins" if registration.default_organisation_approves else "only the installation admin may",
    )
    return registration


def rename_organisation(organisation_id: int, name: str) -> Organisation:
    """Give an organisation a new name."""
    organisation = get_organisation(organisation_id)
    organisation.name = checked_organisation_name(name)
    log.info("organisation %s renamed", organisation.id)
    return organisation


def checked_organisation_name(name: str) -> str:
    """The name trimmed; InvalidInput unless it has 1 to MAX_ORGANISATION_NAME_LENGTH characters."""
    name = name.strip()
    if not name or len(name) > MAX_ORGANISATION_NAME_LENGTH:
        raise InvalidInput(
            _("An organisation name needs 1 to %(max)s characters.", max=MAX_ORGANISATION_NAME_LENGTH)
        )
    return name


def approve_registration(registration_id: int) -> Registration:
    """Activate a registration held pending (made through Dynamic Registration while approval is required).

    A pending organisation made by that registration is activated too: the admin has now vouched for it.
    """
    registration = get_registration(registration_id)
    if registration.status != Registration.PENDING:
        raise InvalidInput(
            _("Registration %(name)s is not waiting for approval (it is %(status)s).",
              name=registration.name, status=registration.status)
        )
    registration.status = Registration.ACTIVE
    if registration.default_organisation is not None and registration.default_organisation.status == "pending":
        registration.default_organisation.status = "active"
    log.info("registration %s approved", registration.id)
    return registration


def pending_registrations() -> list[Registration]:
    """Registrations waiting for the installation admin's approval, oldest first."""
    return list(db.session.scalars(
        select(Registration).where(Registration.status == Registration.PENDING).order_by(Registration.created_at)
    ))
