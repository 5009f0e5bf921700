"""The installation admin's overview: every registration, deployment and organisation with their counts, in pages.

Deliberately not scoped to one organisation: the installation admin runs the whole installation. Read-only.
"""
from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.tenancy.models import Deployment, Organisation, Person, Registration

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
