"""The installation admin's overview: every registration, deployment and organisation with their counts, in pages.

Deliberately not scoped to one organisation: the installation admin runs the whole installation. Read-only.
"""
from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.tenancy.models import Deployment, Organisation, Person, Registration
from app.tenancy.paging import Page, page_of

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
class Overview:
    """Everything the overview page lists, pending deployments first; each list one page of it."""

    pending_deployments: Page
    registrations: Page
    deployments: Page
    organisations: Page


def _count_by(column):
    """A subquery: (column, n) for the rows grouped by column, to join as a count."""
    return select(column.label("key"), func.count().label("n")).group_by(column).subquery()


def installation_overview(*, registrations_page: int = 1, deployments_page: int = 1, organisations_page: int = 1,
                          pending_page: int = 1, size: int = OVERVIEW_PAGE_SIZE) -> Overview:
    """Registrations, deployments and organisations with their counts, a page of each, for the overview page."""
    deployments_per_registration = _count_by(Deployment.registration_id)
    registrations = page_of(
        select(Registration, func.coalesce(deployments_per_registration.c.n, 0))
        .outerjoin(deployments_per_registration, deployments_per_registration.c.key == Registration.id)
        .order_by(Registration.name, Registration.id),
        registrations_page, size,
        rows=lambda query: [RegistrationRow(registration, count) for registration, count in db.session.execute(query)],
    )
    deployments_per_organisation = _count_by(Deployment.organisation_id)
    people_per_organisation = _count_by(Person.organisation_id)
    organisations = page_of(
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
    deployments = page_of(newest_first, deployments_page, size)
    pending = page_of(newest_first.where(Deployment.status == Deployment.PENDING), pending_page, size)
    return Overview(pending, registrations, deployments, organisations)
