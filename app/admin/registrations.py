"""Registrations and deployments entered by hand: for LMSs without Dynamic Registration (itslearning) and
those that register a tool centrally (Blackboard), and for fixing what any LMS sent.

The rules for a registration's values live in one place, `registration_problems` (the lti_config/ file
format); the pages, the CLI and file imports all go through it. These functions flush but never commit.
"""
import json
import logging
import re

from flask_babel import gettext as _
from sqlalchemy import select

from app.admin import services
from app.admin.services import InvalidInput
from app.extensions import db
from app.lti.registration_files import (
    InvalidRegistrationFile,
    import_registration,
    parse_registration_text,
    registration_document,
    registration_problems,
)
from app.tenancy.models import Deployment, Organisation, Registration
from app.tenancy.moves import MoveSummary, place_deployment
from app.tenancy.services import default_frame_ancestors, find_registration

log = logging.getLogger(__name__)

# The values a registration is made of, in the order the forms, the CLI and the file format list them.
REGISTRATION_FIELDS = (
    "name", "issuer", "client_id", "auth_login_url", "auth_token_url", "auth_audience", "key_set_url",
    "allowed_algorithms", "service_hosts", "new_deployment_policy",
)
# The values the LMS shows after the tool is added to it (the rest is our policy for new deployments).
PLATFORM_VALUE_FIELDS = REGISTRATION_FIELDS[:-1]
MAX_DEPLOYMENT_ID_LENGTH = 500
MAX_REGISTRATION_FILE_BYTES = 100_000  # a registration file is a few hundred bytes; anything near this is not one
_FIELD_NAMED = re.compile(r"`(\w+)`")


class InvalidRegistration(InvalidInput):
    """Registration values that cannot be saved: every problem, and which field each one is about."""

    def __init__(self, problems: list[str]):
        super().__init__(
            _("The registration was not saved: %(problems)s.", problems="; ".join(problems)),
            hint=_("Correct the fields named and save again."),
        )
        self.problems = problems
        self.problems_by_field: dict[str, list[str]] = {}
        for problem in problems:
            match = _FIELD_NAMED.match(problem)
            self.problems_by_field.setdefault(match[1] if match else "", []).append(problem)


def registration_values(registration: Registration) -> dict:
    """The registration's own values (no deployments), keyed as in the file format."""
    return {field: getattr(registration, field) for field in REGISTRATION_FIELDS}


def clean_registration_values(values: dict) -> dict:
    """Typed values as the rules expect them: text trimmed, a blank audience absent, algorithms a list."""
    cleaned = {}
    for field in REGISTRATION_FIELDS:
        if field not in values:
            continue
        value = values[field]
        if field in ("allowed_algorithms", "service_hosts"):
            if isinstance(value, str):
                value = value.replace(",", " ").split()
            value = [item.strip() for item in value or [] if item.strip()]
            if field == "service_hosts":
                value = [host.lower().rstrip(".") for host in value]
        elif isinstance(value, str):
            value = value.strip()
        if field == "auth_audience" and not value:
            value = None
        cleaned[field] = value
    return cleaned


def _check(values: dict, *, registration_id: int | None = None) -> None:
    """Every problem at once: the file format's rules, then (issuer, client_id) naming no other registration."""
    problems = registration_problems(values)
    if values.get("issuer") and values.get("client_id"):
        other = find_registration(values["issuer"], values["client_id"])
        if other is not None and other.id != registration_id:
            problems.append(
                f"`client_id` {values['client_id']!r} is already registered for issuer {values['issuer']!r} "
                f"(registration #{other.id}, {other.name!r})"
            )
    if problems:
        raise InvalidRegistration(problems)


def add_registration(values: dict, *, default_organisation_id: int | None = None) -> Registration:
    """A new, active registration from the platform values an LMS admin copied from their LMS."""
    document = {"allowed_algorithms": ["RS256"], "new_deployment_policy": Registration.POLICY_NEW_ORGANISATION}
    document.update(clean_registration_values(values))
    _check(document)
    registration = Registration(status=Registration.ACTIVE, **document)
    if default_organisation_id is not None:
        registration.default_organisation = services.get_organisation(default_organisation_id)
    db.session.add(registration)
    db.session.flush()
    log.info("registration %s added by hand: %s %s", registration.id, registration.issuer, registration.client_id)
    return registration


_KEEP = object()


def edit_registration(registration_id: int, changes: dict, *, default_organisation_id=_KEEP) -> Registration:
    """Change any of a registration's values; the result must pass the same rules as a new one."""
    registration = services.get_registration(registration_id)
    document = registration_values(registration) | clean_registration_values(changes)
    _check(document, registration_id=registration.id)
    for field, value in document.items():
        setattr(registration, field, value)
    if default_organisation_id is not _KEEP:
        registration.default_organisation = (
            services.get_organisation(default_organisation_id) if default_organisation_id is not None else None
        )
    log.info("registration %s edited: %s", registration.id, ", ".join(sorted(changes)) or "nothing")
    return registration


def set_registration_status(registration_id: int, status: str) -> Registration:
    """Disable a registration (every launch from it is refused) or enable it again."""
    registration = services.get_registration(registration_id)
    if status not in services.REGISTRATION_STATUSES:
        raise InvalidInput(_("Status must be one of %(allowed)s.", allowed=", ".join(services.REGISTRATION_STATUSES)))
    registration.status = status
    log.info("registration %s is now %s", registration.id, status)
    return registration


def find_registration_by_reference(
    registration_id: int | None = None, *, issuer: str | None = None, client_id: str | None = None
) -> Registration:
    """A registration by its id, or by issuer and client_id; NotFound otherwise."""
    if registration_id is not None:
        return services.get_registration(registration_id)
    if not (issuer and client_id):
        raise InvalidInput(_("Name a registration by its id, or by both its issuer and client ID."))
    registration = find_registration(issuer, client_id)
    if registration is None:
        raise InvalidInput(
            _("There is no registration for issuer %(issuer)s with client ID %(client_id)s.",
              issuer=repr(issuer), client_id=repr(client_id))
        )
    return registration


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
    registration = services.get_registration(registration_id)
    deployment_id = (deployment_id or "").strip()
    if not deployment_id or len(deployment_id) > MAX_DEPLOYMENT_ID_LENGTH:
        raise InvalidInput(_("A deployment ID needs 1 to %(max)s characters.", max=MAX_DEPLOYMENT_ID_LENGTH))
    existing = db.session.scalars(
        select(Deployment).where(Deployment.registration_id == registration.id, Deployment.deployment_id == deployment_id)
    ).first()
    if existing is not None:
        raise InvalidInput(
            _("Deployment %(id)s already exists under this registration.", id=repr(deployment_id)),
            hint=_("Open it from the registration's list of deployments to change it."),
        )
    origins = services.parse_frame_origins(frame_origins or [])
    organisation = _chosen_organisation(organisation_id, new_organisation_name)
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
    deployment = services.get_deployment(deployment_id)
    summary = place_deployment(deployment, _chosen_organisation(organisation_id, new_organisation_name))
    log.info("deployment %s assigned to organisation %s: %s", deployment.id, deployment.organisation_id, summary)
    return summary


def _chosen_organisation(organisation_id: int | None, new_organisation_name: str | None) -> Organisation:
    new_organisation_name = (new_organisation_name or "").strip()
    if (organisation_id is None) == (not new_organisation_name):
        raise InvalidInput(_("Choose either an existing organisation or a name for a new one, not both or neither."))
    if organisation_id is not None:
        organisation = services.get_organisation(organisation_id)
    else:
        organisation = Organisation(name=services.checked_organisation_name(new_organisation_name))
        db.session.add(organisation)
    services.activate_organisation(organisation)
    return organisation


def find_organisation(reference: str) -> Organisation:
    """An organisation by id (digits) or by its exact name; InvalidInput if none or several match."""
    reference = reference.strip()
    if reference.isdigit():
        return services.get_organisation(int(reference))
    matches = list(db.session.scalars(select(Organisation).where(Organisation.name == reference).order_by(Organisation.id)))
    if not matches:
        raise InvalidInput(_("There is no organisation called %(name)s.", name=repr(reference)))
    if len(matches) > 1:
        raise InvalidInput(
            _("Several organisations are called %(name)s (ids %(ids)s): give the id instead.",
              name=repr(reference), ids=", ".join(str(organisation.id) for organisation in matches))
        )
    return matches[0]


def import_registration_upload(content: bytes | None, filename: str | None) -> tuple[Registration, list[str]]:
    """Import an uploaded lti_config/ file: the same rules and messages as `flask lti registration import`."""
    source = (filename or "").strip() or "upload"
    if not content:
        raise InvalidInput(_("Choose a registration file (JSON) to upload."))
    if len(content) > MAX_REGISTRATION_FILE_BYTES:
        raise InvalidInput(_("%(file)s is too large to be a registration file.", file=source))
    try:
        registration, changes = import_registration(parse_registration_text(content.decode("utf-8"), source=source))
    except UnicodeDecodeError as exc:
        raise InvalidInput(_("%(file)s is not UTF-8 text.", file=source)) from exc
    except InvalidRegistrationFile as exc:
        raise InvalidInput(exc.message) from exc
    db.session.flush()
    log.info("registration %s imported from an uploaded file: %s", registration.id, "; ".join(changes))
    return registration, changes


def registration_file_text(registration: Registration) -> str:
    """The registration as an lti_config/ file."""
    return json.dumps(registration_document(registration), indent=2, ensure_ascii=False) + "\n"


def registration_file_name(registration: Registration) -> str:
    """A file name for the export: the registration's name in lower-case letters, digits and dashes."""
    slug = re.sub(r"[^a-z0-9]+", "-", registration.name.lower()).strip("-")
    return f"{slug or 'registration'}-{registration.id}.json"
