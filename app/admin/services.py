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


# The overview lists every registration, deployment and organisation: in pages, so that a flood of them (or simply
# a large installation) gives a page of bounded size and cost.
OVERVIEW_PAGE_SIZE = 50


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
class Page:
    """One page of a list: its rows, its number (from 1) and how many rows the whole list has."""

    items: list
    number: int
    size: int
    total: int

    @property
    def count(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count


@dataclass(frozen=True)
class Overview:
    """Everything the overview page lists, pending deployments first; each list one page of it."""

    pending_deployments: Page
    registrations: Page
    deployments: Page
    organisations: Page


def _count_by(column):
    """A subquery: (column, n) for the rows grouped by column, to join as a count."""
    return select(column.label("key"), func.count().label("n")).group_by(column).subquery()


def page_number(value) -> int:
    """A page number from a query parameter: anything but a positive whole number is the first page."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return number if number >= 1 else 1


def _page(query, number: int, size: int, *, rows=None) -> Page:
    """Rows `number` of the query, of `size` each; a number past the end shows the last page."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    number = min(number, max(1, -(-total // size)))
    page_query = query.limit(size).offset((number - 1) * size)
    items = rows(page_query) if rows else list(db.session.scalars(page_query))
    return Page(items, number, size, total)


def installation_overview(*, registrations_page: int = 1, deployments_page: int = 1, organisations_page: int = 1,
                          pending_page: int = 1, size: int = OVERVIEW_PAGE_SIZE) -> Overview:
    """Registrations, deployments and organisations with their counts, a page of each, for the overview page."""
    deployments_per_registration = _count_by(Deployment.registration_id)
    registrations = _page(
        select(Registration, func.coalesce(deployments_per_registration.c.n, 0))
        .outerjoin(deployments_per_registration, deployments_per_registration.c.key == Registration.id)
        .order_by(Registration.name, Registration.id),
        registrations_page, size,
        rows=lambda query: [RegistrationRow(registration, count) for registration, count in db.session.execute(query)],
    )
    deployments_per_organisation = _count_by(Deployment.organisation_id)
    people_per_organisation = _count_by(Person.organisation_id)
    organisations = _page(
        select(
            Organisation,
            func.coalesce(deployments_per_organisation.c.n, 0),
            func.coalesce(people_per_organisation.c.n, 0),
        )
        .outerjoin(deployments_per_organisation, deployments_per_organisation.c.key == Organisation.id)
        .outerjoin(people_per_organisation, people_per_organisation.c.key == Organisation.id)
        .order_by(Organisation.name, Organisation.id),
        organisations_page, size,
        rows=lambda query: [OrganisationRow(*row) for row in db.session.execute(query)],
    )
    newest_first = select(Deployment).order_by(Deployment.created_at.desc(), Deployment.id.desc())
    deployments = _page(newest_first, deployments_page, size)
    pending = _page(newest_first.where(Deployment.status == Deployment.PENDING), pending_page, size)
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
    deployment.status = Deployment.ACTIVE
    # A disabled site approved into another organisation takes what it recorded along (issue 21).
    summary = place_deployment(deployment, organisation)
    # After the move: the people it brought get the badges held while the organisation waited, too.
    activate_organisation(organisation)
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


def activate_organisation(organisation: Organisation) -> None:
    """The installation admin vouches for the organisation: a pending one becomes active and its people get the
    badges they earned while it waited (held, never signed in its name before)."""
    from app.badges.awarding import award_held_badges
    from app.clock import current_clock

    was_pending = organisation.status == "pending"
    organisation.status = "active"
    if was_pending and organisation.id is not None:
        db.session.flush()
        award_held_badges(organisation.id, now=current_clock().now())
        log.info("organisation %s approved", organisation.id)


def approve_organisation(organisation_id: int) -> Organisation:
    """Approve a pending organisation by itself (one made by a registration before the admin looked at it)."""
    organisation = get_organisation(organisation_id)
    if organisation.status != "pending":
        raise InvalidInput(_("Organisation %(name)s is not waiting for approval.", name=organisation.name))
    activate_organisation(organisation)
    return organisation


def approve_registration(
    registration_id: int, *, organisation_id: int | None = None, new_organisation_name: str | None = None
) -> Registration:
    """Activate a registration that waits for approval.

    One made while approval is required has its organisation: it is activated too (the admin has now vouched for
    it). A second registration of a known issuer has none: the admin chooses one of that issuer's organisations (or
    the one its invitation named), or a new one; its held deployments go there.
    """
    registration = get_registration(registration_id)
    if registration.status != Registration.PENDING:
        raise InvalidInput(
            _("Registration %(name)s is not waiting for approval (it is %(status)s).",
              name=registration.name, status=registration.status)
        )
    if registration.default_organisation is None:
        registration.default_organisation = _attached_organisation(registration, organisation_id, new_organisation_name)
        for deployment in registration.deployments:
            if deployment.organisation is None:
                deployment.organisation = registration.default_organisation
                deployment.status = Deployment.ACTIVE
    registration.status = Registration.ACTIVE
    activate_organisation(registration.default_organisation)
    db.session.flush()
    log.info("registration %s approved into organisation %s", registration.id, registration.default_organisation_id)
    return registration


def _attached_organisation(registration: Registration, organisation_id: int | None,
                           new_organisation_name: str | None) -> Organisation:
    new_organisation_name = (new_organisation_name or "").strip()
    if (organisation_id is None) == (not new_organisation_name):
        raise InvalidInput(
            _("Choose either one of this LMS's organisations or a name for a new one, not both or neither."),
            hint=_("This LMS registered itself again under a new client ID: say whose it is before it is used."),
        )
    if new_organisation_name:
        organisation = Organisation(name=checked_organisation_name(new_organisation_name))
        db.session.add(organisation)
        return organisation
    choices = attach_choices(registration)
    organisation = next((choice for choice in choices if choice.id == organisation_id), None)
    if organisation is None:
        raise InvalidInput(
            _("Organisation %(id)s is not one of this LMS's organisations (%(names)s).",
              id=organisation_id, names=", ".join(choice.name for choice in choices) or _("none")),
            hint=_("Choose one of those, or make a new organisation."),
        )
    return organisation


def attach_choices(registration: Registration) -> list[Organisation]:
    """The organisations a held second registration may join: those of the issuer's other registrations (their
    default organisation and their sites'), and the one its invitation named."""
    from app.lti.models import RegistrationInvitation

    others = select(Registration.id).where(Registration.issuer == registration.issuer, Registration.id != registration.id)
    ids = set(db.session.scalars(select(Registration.default_organisation_id).where(Registration.id.in_(others))))
    ids |= set(db.session.scalars(select(Deployment.organisation_id).where(Deployment.registration_id.in_(others))))
    ids |= set(db.session.scalars(select(RegistrationInvitation.organisation_id).where(
        RegistrationInvitation.registration_id == registration.id)))
    ids.discard(None)
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)))


def suggested_organisation_name(registration: Registration) -> str:
    """For a new organisation of a held registration: the name its invitation gave, or one from the LMS's address."""
    from app.lti.models import RegistrationInvitation

    named = db.session.scalars(select(RegistrationInvitation.organisation_name).where(
        RegistrationInvitation.registration_id == registration.id)).first()
    return named or registration.name


def apply_proposed_values(registration_id: int) -> Registration:
    """Put in force the key set and endpoints an LMS's Update offered; its organisation and people stay."""
    registration = get_registration(registration_id)
    if not registration.proposed_values:
        raise InvalidInput(_("Registration %(name)s has no changes waiting for approval.", name=registration.name))
    for name, value in registration.proposed_values.items():
        setattr(registration, name, value)
    log.info("registration %s: the Update's %s applied", registration.id, ", ".join(sorted(registration.proposed_values)))
    registration.proposed_values = registration.proposed_at = None
    return registration


def discard_proposed_values(registration_id: int) -> Registration:
    """Refuse what an LMS's Update offered: the values in force stay, the proposal is forgotten."""
    registration = get_registration(registration_id)
    if not registration.proposed_values:
        raise InvalidInput(_("Registration %(name)s has no changes waiting for approval.", name=registration.name))
    log.info("registration %s: the Update's %s refused", registration.id, ", ".join(sorted(registration.proposed_values)))
    registration.proposed_values = registration.proposed_at = None
    return registration


def pending_registrations() -> list[Registration]:
    """Registrations waiting for the installation admin (approval, or an Update's changes), oldest first."""
    return list(db.session.scalars(
        select(Registration).where(
            (Registration.status == Registration.PENDING) | Registration.proposed_values.is_not(None)
        ).order_by(Registration.created_at).limit(OVERVIEW_PAGE_SIZE)
    ))
