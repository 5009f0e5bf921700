"""Deployments (one customer site each) as the installation admin and the CLI change them: add one by hand, approve,
disable, move to another organisation, and the origins that may frame its pages.

Not scoped to one organisation (the installation admin runs the whole installation). They flush but never commit.
"""
import logging
import re

from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import InvalidInput
from app.extensions import db
from app.tenancy.models import Deployment, Registration
from app.tenancy.moves import MoveSummary, place_deployment
from app.tenancy.organisations import (
    activate_organisation,
    checked_organisation_name,
    chosen_organisation,
    create_organisation,
    get_or_not_found,
    get_organisation,
)
from app.tenancy.services import default_frame_ancestors

log = logging.getLogger(__name__)

MAX_DEPLOYMENT_ID_LENGTH = 500


# http(s), then a DNS name, IPv4 or bracketed IPv6 address, then an optional port: nothing that could end
# or extend the CSP frame-ancestors directive these values go into.
FRAME_ORIGIN = re.compile(
    r"https?://(?:[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(?::(?P<port>[0-9]{1,5}))?", re.IGNORECASE
)


def get_deployment(deployment_id: int) -> Deployment:
    return get_or_not_found(Deployment, deployment_id, _("There is no deployment with id %(id)s.", id=deployment_id))


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
        organisation = create_organisation(checked_organisation_name(new_organisation_name))
    else:
        organisation = get_organisation(organisation_id)
    deployment.status = Deployment.ACTIVE
    # A disabled site approved into another organisation takes what it recorded along.
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


def add_deployment(
    registration_id: int,
    deployment_id: str,
    *,
    organisation_id: int | None = None,
    new_organisation_name: str | None = None,
    frame_origins: list[str] | None = None,
) -> Deployment:
    """An active deployment (one customer site) under a registration, in an existing or a new organisation.

    Frame origins default to the origin of the LMS's authentication URL, as for a site first seen in a launch.
    """
    registration = get_or_not_found(
        Registration, registration_id, _("There is no registration with id %(id)s.", id=registration_id))
    deployment_id = (deployment_id or "").strip()
    if not deployment_id or len(deployment_id) > MAX_DEPLOYMENT_ID_LENGTH:
        raise InvalidInput(_("A deployment ID needs 1 to %(max)s characters.", max=MAX_DEPLOYMENT_ID_LENGTH))
    existing = db.session.scalars(
        select(Deployment).where(
            Deployment.registration_id == registration.id, Deployment.deployment_id == deployment_id
        )
    ).first()
    if existing is not None:
        raise InvalidInput(
            _("Deployment %(id)s already exists under this registration.", id=repr(deployment_id)),
            hint=_("Open it from the registration's list of deployments to change it."),
        )
    origins = parse_frame_origins(frame_origins or [])
    organisation = chosen_organisation(organisation_id, new_organisation_name)
    deployment = Deployment(
        registration=registration,
        deployment_id=deployment_id,
        organisation=organisation,
        status=Deployment.ACTIVE,
        frame_ancestors=origins or default_frame_ancestors(registration),
    )
    db.session.add(deployment)
    db.session.flush()
    log.info("deployment %r added by hand under registration %s", deployment_id, registration.id)
    return deployment


def assign_organisation(
    deployment_id: int, *, organisation_id: int | None = None, new_organisation_name: str | None = None
) -> MoveSummary:
    """Move a deployment to another organisation (existing, or new) with what it recorded: its courses, their
    members and the people who came only through it (app.tenancy.moves). Choosing the organisation it is in
    already brings in whatever an earlier move left behind."""
    deployment = get_deployment(deployment_id)
    summary = place_deployment(deployment, chosen_organisation(organisation_id, new_organisation_name))
    log.info("deployment %s assigned to organisation %s: %s", deployment.id, deployment.organisation_id, summary)
    return summary


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
        return _(
            "%(value)s uses %(scheme)s: only http and https origins can frame the tool.",
            value=repr(value),
            scheme=scheme,
        )
    origin = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if origin != rest:
        return _(
            "%(value)s has a path: keep only the origin, %(origin)s.", value=repr(value), origin=f"{scheme}://{origin}"
        )
    return _(
        "%(value)s is not scheme://host or scheme://host:port, e.g. https://lms.example.org:8443.", value=repr(value)
    )


def set_frame_origins(deployment_id: int, lines: list[str]) -> Deployment:
    """Replace the origins allowed to frame the deployment's pages; blank lines are ignored, every other must be an
    origin."""
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
