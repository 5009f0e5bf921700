"""Writing registrations, one home for every way they come: typed in by hand (LMSs without Dynamic Registration, such
as itslearning, and those that register a tool centrally, such as Blackboard), lti_config/ files, and the store step of
Dynamic Registration (app.lti.dynamic_registration has the protocol steps); then the installation admin's approval of
what waits (a registration, an Update's new values).

The rules for a registration's values live in one place, `registration_problems` (the lti_config/ file format,
docs/lti-config.md); the pages, the CLI and file imports all go through it. These functions flush but never commit.

File format:
{"name", "issuer", "client_id", "auth_login_url", "auth_token_url", "auth_audience" (optional),
 "key_set_url", "allowed_algorithms" (default ["RS256"]), "new_deployment_policy" ("new_organisation" |
 "hold_pending", default new_organisation), "service_hosts" (optional: hosts besides those of the token and
 key-set URLs where the LMS serves AGS and NRPS), "deployments": [{"deployment_id", "organisation", "frame_ancestors"}]}
"""
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import AppError, InvalidInput
from app.extensions import db
from app.lti.constants import PLATFORM_CONFIGURATION, SUPPORTED_ALGORITHMS, TOOL_CONFIGURATION
from app.lti.models import RegistrationInvitation
from app.tenancy.labels import registration_label, status_label
from app.tenancy.models import Deployment, Organisation, Registration
from app.tenancy.moves import place_deployment
from app.tenancy.organisations import (
    activate_organisation,
    checked_organisation_name,
    create_organisation,
    get_or_not_found,
    get_organisation,
)
from app.tenancy.services import default_frame_ancestors, find_registration, registrations_for_issuer

log = logging.getLogger(__name__)


# The values a registration is made of, in the order the forms, the CLI and the file format list them.
REGISTRATION_FIELDS = (
    "name", "issuer", "client_id", "auth_login_url", "auth_token_url", "auth_audience", "key_set_url",
    "allowed_algorithms", "service_hosts", "new_deployment_policy",
)

# The values the LMS shows after the tool is added to it (the rest is our policy for new deployments).
PLATFORM_VALUE_FIELDS = REGISTRATION_FIELDS[:-1]
REGISTRATION_STATUSES = (Registration.ACTIVE, Registration.DISABLED)
NEW_DEPLOYMENT_POLICIES = (Registration.POLICY_NEW_ORGANISATION, Registration.POLICY_HOLD_PENDING)
MAX_REGISTRATION_FILE_BYTES = 100_000  # a registration file is a few hundred bytes; anything near this is not one
_FIELD_NAMED = re.compile(r"`(\w+)`")

# The registrations waiting for the installation admin that the overview lists (a flood of them must not make it huge).
PENDING_LIST_SIZE = 50

# The lti_config/ file format.
REQUIRED_FIELDS = ("name", "issuer", "client_id", "auth_login_url", "auth_token_url", "key_set_url")
URL_FIELDS = ("issuer", "auth_login_url", "auth_token_url", "key_set_url")
KNOWN_FIELDS = set(REQUIRED_FIELDS) | {
    "auth_audience", "allowed_algorithms", "new_deployment_policy", "service_hosts", "deployments",
}

# A host name or address as a URL names it: letters, digits, dots, hyphens (or an IPv6 literal's hex and colons).
HOST_NAME = re.compile(r"[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?|[0-9a-f:]{2,39}")
PRIVATE_KEY_FIELDS = {"private_key", "private_key_file", "d", "secret"}
POLICIES = (Registration.POLICY_NEW_ORGANISATION, Registration.POLICY_HOLD_PENDING)


class InvalidRegistrationFile(AppError):
    """A registration file that cannot be imported; the message lists every problem."""


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


def read_registration_file(path: str | Path) -> dict:
    """Parse and validate one file, naming the file and each problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InvalidRegistrationFile(f"{path}: no such file.") from exc
    return parse_registration_text(text, source=str(path))


def parse_registration_text(text: str, *, source: str) -> dict:
    """Parse and validate a registration document (a file's or an upload's text), naming `source` and each problem."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidRegistrationFile(f"{source}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}).") from exc
    problems = registration_problems(data)
    if problems:
        raise InvalidRegistrationFile(f"{source}: " + "; ".join(problems))
    return data


def registration_problems(data) -> list[str]:
    """Everything wrong with a registration document, in one list."""
    if not isinstance(data, dict):
        return ["the file must hold one JSON object"]
    problems = [f"`{name}` is required" for name in REQUIRED_FIELDS if not data.get(name)]
    problems += [
        f"`{name}` must never be in a registration file (public values only)" for name in PRIVATE_KEY_FIELDS & set(data)
    ]
    problems += [f"unknown field `{name}`" for name in set(data) - KNOWN_FIELDS - PRIVATE_KEY_FIELDS]
    problems += [
        f"`{name}` must be an http(s) URL, not {data[name]!r}"
        for name in URL_FIELDS
        if data.get(name) and not _is_url(data[name])
    ]
    algorithms = data.get("allowed_algorithms", ["RS256"])
    if not isinstance(algorithms, list) or not algorithms or set(algorithms) - set(SUPPORTED_ALGORITHMS):
        problems.append(f"`allowed_algorithms` must be a non-empty list from {', '.join(SUPPORTED_ALGORITHMS)}")
    hosts = data.get("service_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(host, str) and HOST_NAME.fullmatch(host) for host in hosts):
        problems.append("`service_hosts` must be a list of host names in lower case, like \"lms-services.example.org\" "
                        "(no scheme, port or path)")
    if data.get("new_deployment_policy", POLICIES[0]) not in POLICIES:
        problems.append(f"`new_deployment_policy` must be one of {', '.join(POLICIES)}")
    deployments = data.get("deployments", [])
    if not isinstance(deployments, list):
        return problems + ["`deployments` must be a list"]
    for index, deployment in enumerate(deployments):
        where = f"deployments[{index}]"
        if not isinstance(deployment, dict) or not deployment.get("deployment_id"):
            problems.append(f"{where}: `deployment_id` is required")
            continue
        for origin in deployment.get("frame_ancestors", []):
            if not is_origin(origin):
                problems.append(f"{where}: frame ancestor {origin!r} must be an origin like https://lms.example.org")
    return problems


def _is_url(value) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return bool(parts and parts.scheme in ("http", "https") and parts.netloc)


def is_origin(value) -> bool:
    """scheme://host[:port] with nothing after it."""
    parts = urlsplit(value) if isinstance(value, str) else None
    return bool(parts and parts.scheme in ("http", "https") and parts.netloc and not parts.path and not parts.query)


def import_registration(data: dict) -> tuple[Registration, list[str]]:
    """Create or update the registration (issuer, client_id) and its deployments; say what changed."""
    problems = registration_problems(data)
    if problems:
        raise InvalidRegistrationFile("; ".join(problems))
    changes = []
    registration = find_registration(data["issuer"], data["client_id"])
    if registration is None:
        registration = Registration(issuer=data["issuer"], client_id=data["client_id"])
        db.session.add(registration)
        changes.append(f"registration {data['name']!r} created")
    else:
        changes.append(f"registration {data['name']!r} updated")
    registration.name = data["name"]
    registration.auth_login_url = data["auth_login_url"]
    registration.auth_token_url = data["auth_token_url"]
    registration.auth_audience = data.get("auth_audience")
    registration.key_set_url = data["key_set_url"]
    registration.allowed_algorithms = data.get("allowed_algorithms", ["RS256"])
    registration.service_hosts = data.get("service_hosts", [])
    registration.new_deployment_policy = data.get("new_deployment_policy", Registration.POLICY_NEW_ORGANISATION)
    db.session.flush()
    for entry in data.get("deployments", []):
        changes.append(_import_deployment(registration, entry))
    return registration, changes


def _import_deployment(registration: Registration, entry: dict) -> str:
    deployment = db.session.scalars(
        select(Deployment).where(
            Deployment.registration_id == registration.id, Deployment.deployment_id == entry["deployment_id"]
        )
    ).first()
    created = deployment is None
    if created:
        deployment = Deployment(registration=registration, deployment_id=entry["deployment_id"])
        db.session.add(deployment)
    if entry.get("organisation"):
        # An existing site named in another organisation moves there with what it recorded.
        place_deployment(deployment, _organisation_named(entry["organisation"]))
    elif deployment.organisation is None:
        deployment.organisation = create_organisation(f"{registration.name} · {entry['deployment_id']}")
    deployment.frame_ancestors = entry.get("frame_ancestors") or default_frame_ancestors(registration)
    deployment.status = Deployment.ACTIVE
    return (
        f"deployment {entry['deployment_id']!r} {'created' if created else 'updated'} ({deployment.organisation.name})"
    )


def _organisation_named(name: str) -> Organisation:
    organisation = db.session.scalars(select(Organisation).where(Organisation.name == name)).first()
    if organisation is None:
        organisation = create_organisation(name)
    return organisation


def registration_document(registration: Registration) -> dict:
    """The registration in this file format, to download or keep in lti_config/; importing it gives it back.

    Only active deployments are listed: importing a file activates every deployment it names.
    """
    document = {
        "name": registration.name,
        "issuer": registration.issuer,
        "client_id": registration.client_id,
        "auth_login_url": registration.auth_login_url,
        "auth_token_url": registration.auth_token_url,
        "auth_audience": registration.auth_audience,
        "key_set_url": registration.key_set_url,
        "allowed_algorithms": list(registration.allowed_algorithms or ["RS256"]),
        "new_deployment_policy": registration.new_deployment_policy,
        "deployments": [
            {
                "deployment_id": deployment.deployment_id,
                "organisation": deployment.organisation.name if deployment.organisation else None,
                "frame_ancestors": list(deployment.frame_ancestors or []),
            }
            for deployment in sorted(registration.deployments, key=lambda deployment: deployment.id)
            if deployment.status == Deployment.ACTIVE
        ],
    }
    if registration.service_hosts:
        document["service_hosts"] = list(registration.service_hosts)
    return document


# Registrations typed in by hand, and files uploaded or downloaded on the admin pages.


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
        registration.default_organisation = get_organisation(default_organisation_id)
    db.session.add(registration)
    db.session.flush()
    log.info("registration %s added by hand: %s %s", registration.id, registration.issuer, registration.client_id)
    return registration

_KEEP = object()


def edit_registration(registration_id: int, changes: dict, *, default_organisation_id=_KEEP) -> Registration:
    """Change any of a registration's values; the result must pass the same rules as a new one."""
    registration = get_registration(registration_id)
    document = registration_values(registration) | clean_registration_values(changes)
    _check(document, registration_id=registration.id)
    for field, value in document.items():
        setattr(registration, field, value)
    if default_organisation_id is not _KEEP:
        registration.default_organisation = (
            get_organisation(default_organisation_id) if default_organisation_id is not None else None
        )
    log.info("registration %s edited: %s", registration.id, ", ".join(sorted(changes)) or "nothing")
    return registration


def set_registration_status(registration_id: int, status: str) -> Registration:
    """Disable a registration (every launch from it is refused) or enable it again."""
    registration = get_registration(registration_id)
    if status not in REGISTRATION_STATUSES:
        raise InvalidInput(_("Status must be one of %(allowed)s.", allowed=", ".join(REGISTRATION_STATUSES)))
    registration.status = status
    log.info("registration %s is now %s", registration.id, status)
    return registration


def find_registration_by_reference(
    registration_id: int | None = None, *, issuer: str | None = None, client_id: str | None = None
) -> Registration:
    """A registration by its id, or by issuer and client_id; NotFound otherwise."""
    if registration_id is not None:
        return get_registration(registration_id)
    if not (issuer and client_id):
        raise InvalidInput(_("Name a registration by its id, or by both its issuer and client ID."))
    registration = find_registration(issuer, client_id)
    if registration is None:
        raise InvalidInput(
            _("There is no registration for issuer %(issuer)s with client ID %(client_id)s.",
              issuer=repr(issuer), client_id=repr(client_id))
        )
    return registration


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


# Dynamic Registration's store step: what the LMS answered, kept.


@dataclass(frozen=True)
class RegistrationOutcome:
    """What the registration did, for the page that tells the LMS admin what happens next.

    kind: REGISTERED (a new LMS), UPDATED (an Update that changed nothing that matters), UPDATE_HELD (an Update whose
    new endpoints or key set wait for the installation admin; the old ones stay in force) or CHOICE_HELD (a second
    registration of a known LMS: the installation admin chooses its organisation; organisation is None until then).
    """

    REGISTERED, UPDATED, UPDATE_HELD, CHOICE_HELD = "registered", "updated", "update_held", "choice_held"

    kind: str
    registration: Registration
    deployment: Deployment | None
    organisation: Organisation | None
    product_family_code: str
    organisation_is_new: bool = False

    @property
    def awaits_tool_approval(self) -> bool:
        return self.registration.status == Registration.PENDING

    @property
    def is_moodle(self) -> bool:
        return self.product_family_code == "moodle"

    @property
    def headline(self) -> str:
        """What happened, in a few words: the page's title and heading (the LMS admin reads which case it was)."""
        return {
            self.UPDATED: _("REX VET Path's registration is up to date"),
            self.UPDATE_HELD: _("Your LMS's changes wait for the REX VET Path administrator"),
            self.CHOICE_HELD: _("This registration waits for the REX VET Path administrator"),
        }.get(self.kind) or _("REX VET Path is registered with your LMS")


# The values a re-registration may change only with the installation admin's approval: where launches are signed
# (the key set), where the LMS sends the browser to log in, where our signed assertions buy service tokens (token
# endpoint and its audience), and where the next registration goes. A configuration can claim any issuer and client_id.
SECURITY_RELEVANT_VALUES = ("key_set_url", "auth_login_url", "auth_token_url", "auth_audience", "registration_endpoint")


def platform_values(configuration: dict) -> dict:
    """The configuration's values as the Registration keeps them."""
    return {
        "auth_login_url": configuration["authorization_endpoint"],
        "auth_token_url": configuration["token_endpoint"],
        "auth_audience": configuration.get("authorization_server") or None,
        "key_set_url": configuration["jwks_uri"],
        "registration_endpoint": configuration["registration_endpoint"],
    }


def store_registration(
    configuration: dict, answer: dict, *, invitation: RegistrationInvitation, require_approval: bool,
    now: datetime,
) -> RegistrationOutcome:
    """Keep what the LMS answered: a new registration, an Update of one we have, or a second one of a known LMS.

    The invitation is spent whichever it is (the LMS has already stored its side, so the answer is never a refusal).
    """
    issuer, client_id = configuration["issuer"], str(answer["client_id"])
    platform = configuration.get(PLATFORM_CONFIGURATION) or {}
    product = str(platform.get("product_family_code") or "lms")
    deployment_id = (answer.get(TOOL_CONFIGURATION) or {}).get("deployment_id")
    existing = find_registration(issuer, client_id)
    if existing is not None:
        outcome = _update_registration(existing, configuration, deployment_id, product=product, now=now)
    elif registrations_for_issuer(issuer):
        outcome = _hold_second_registration(configuration, client_id, deployment_id, product=product)
    else:
        outcome = _new_registration(configuration, client_id, deployment_id, product=product, invitation=invitation,
                                    require_approval=require_approval)
    invitation.used_at = now
    invitation.registration_id = outcome.registration.id
    log.info(
        "dynamic registration (invitation %s): %s client_id %s deployment %s: %s, registration %s is %s",
        invitation.id, issuer, client_id, deployment_id, outcome.kind, outcome.registration.id,
        outcome.registration.status,
    )
    return outcome


def _new_registration(configuration: dict, client_id: str, deployment_id, *, product: str,
                      invitation: RegistrationInvitation, require_approval: bool) -> RegistrationOutcome:
    """A new LMS, in the invitation's organisation or in a new one; pending if the installation wants to approve it."""
    place = _place(configuration["issuer"])
    organisation, organisation_is_new = invitation.organisation, False
    if organisation is None:
        organisation = create_organisation(
            (invitation.organisation_name or _("New LMS at %(place)s", place=place))[:200],
            status=Organisation.PENDING if require_approval else Organisation.ACTIVE,
        )
        organisation_is_new = True
    registration = _registration(configuration, client_id, product=product, organisation=organisation,
                                 status=Registration.PENDING if require_approval else Registration.ACTIVE)
    deployment = _deployment(registration, deployment_id, organisation, status=Deployment.ACTIVE)
    db.session.flush()
    return RegistrationOutcome(RegistrationOutcome.REGISTERED, registration, deployment, organisation, product,
                               organisation_is_new)


def _hold_second_registration(configuration: dict, client_id: str, deployment_id, *,
                              product: str) -> RegistrationOutcome:
    """Another client_id for an issuer we know ("Register as a new external tool" in Moodle): the same college
    or another one on the same LMS. Only the installation admin can tell, so it waits with no organisation."""
    registration = _registration(configuration, client_id, product=product, organisation=None,
                                 status=Registration.PENDING)
    deployment = _deployment(registration, deployment_id, None, status=Deployment.PENDING)
    db.session.flush()
    return RegistrationOutcome(RegistrationOutcome.CHOICE_HELD, registration, deployment, None, product)


def _update_registration(registration: Registration, configuration: dict, deployment_id, *, product: str,
                         now: datetime) -> RegistrationOutcome:
    """Moodle's "Update": the same issuer and client_id again. Changed security-relevant values are held for the
    installation admin (the old ones stay in force); the registration keeps its organisation, people and status."""
    offered = platform_values(configuration)
    if registration.registration_endpoint is None:
        # Registered before the tool kept it (or by hand): nothing to compare with, and it steers no launch.
        registration.registration_endpoint = offered["registration_endpoint"]
    changed = {name: offered[name] for name in SECURITY_RELEVANT_VALUES if getattr(registration, name) != offered[name]}
    if changed:
        registration.proposed_values = changed
        registration.proposed_at = now
        kind = RegistrationOutcome.UPDATE_HELD
        log.warning("registration %s: an Update offers new %s; held for the installation admin",
                    registration.id, ", ".join(sorted(changed)))
    else:
        # The LMS sent what we have: an earlier held proposal is now out of date.
        registration.proposed_values = registration.proposed_at = None
        kind = RegistrationOutcome.UPDATED
    deployment = None
    if deployment_id:
        deployment = db.session.scalars(select(Deployment).where(
            Deployment.registration_id == registration.id, Deployment.deployment_id == str(deployment_id))).first()
        if deployment is None:  # a site we have not seen: held like any new site, for the admin to approve
            deployment = _deployment(registration, deployment_id, registration.default_organisation,
                                     status=Deployment.PENDING)
    db.session.flush()
    return RegistrationOutcome(kind, registration, deployment, registration.default_organisation, product)


def _registration(configuration: dict, client_id: str, *, product: str, organisation: Organisation | None,
                  status: str) -> Registration:
    place = _place(configuration["issuer"])
    registration = Registration(
        name=f"{product.capitalize()} · {place}"[:200],
        issuer=configuration["issuer"],
        client_id=client_id,
        allowed_algorithms=["RS256"],
        status=status,
        # The LMS named its site below; any other site under this client waits, in this organisation, for approval.
        new_deployment_policy=Registration.POLICY_HOLD_PENDING,
        default_organisation=organisation,
        **platform_values(configuration),
    )
    db.session.add(registration)
    return registration


def _deployment(registration: Registration, deployment_id, organisation: Organisation | None, *,
                status: str) -> Deployment | None:
    if not deployment_id:
        return None
    deployment = Deployment(
        registration=registration, deployment_id=str(deployment_id), organisation=organisation, status=status,
        frame_ancestors=[_origin(registration.auth_login_url)], platform_name=_place(registration.issuer),
    )
    db.session.add(deployment)
    return deployment


def _place(issuer: str) -> str:
    parts = urlsplit(issuer)
    return parts.netloc + parts.path.rstrip("/")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# What waits for the installation admin: approving registrations and an Update's values.


def get_registration(registration_id: int) -> Registration:
    return get_or_not_found(
        Registration, registration_id, _("There is no registration with id %(id)s.", id=registration_id)
    )


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
              name=registration_label(registration), status=status_label(registration.status))
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
        return create_organisation(checked_organisation_name(new_organisation_name))
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
    others = select(Registration.id).where(
        Registration.issuer == registration.issuer, Registration.id != registration.id
    )
    ids = set(db.session.scalars(select(Registration.default_organisation_id).where(Registration.id.in_(others))))
    ids |= set(db.session.scalars(select(Deployment.organisation_id).where(Deployment.registration_id.in_(others))))
    ids |= set(db.session.scalars(select(RegistrationInvitation.organisation_id).where(
        RegistrationInvitation.registration_id == registration.id)))
    ids.discard(None)
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)))


def suggested_organisation_name(registration: Registration) -> str:
    """For a new organisation of a held registration: the name its invitation gave, or one from the LMS's address."""
    named = db.session.scalars(select(RegistrationInvitation.organisation_name).where(
        RegistrationInvitation.registration_id == registration.id)).first()
    return named or registration.name


def apply_proposed_values(registration_id: int) -> Registration:
    """Put in force the key set and endpoints an LMS's Update offered; its organisation and people stay."""
    registration = get_registration(registration_id)
    if not registration.proposed_values:
        raise InvalidInput(_("Registration %(name)s has no changes waiting for approval.",
                             name=registration_label(registration)))
    for name, value in registration.proposed_values.items():
        setattr(registration, name, value)
    log.info(
        "registration %s: the Update's %s applied", registration.id, ", ".join(sorted(registration.proposed_values))
    )
    registration.proposed_values = registration.proposed_at = None
    return registration


def discard_proposed_values(registration_id: int) -> Registration:
    """Refuse what an LMS's Update offered: the values in force stay, the proposal is forgotten."""
    registration = get_registration(registration_id)
    if not registration.proposed_values:
        raise InvalidInput(_("Registration %(name)s has no changes waiting for approval.",
                             name=registration_label(registration)))
    log.info(
        "registration %s: the Update's %s refused", registration.id, ", ".join(sorted(registration.proposed_values))
    )
    registration.proposed_values = registration.proposed_at = None
    return registration


def pending_registrations() -> list[Registration]:
    """Registrations waiting for the installation admin (approval, or an Update's changes), oldest first."""
    return list(db.session.scalars(
        select(Registration).where(
            (Registration.status == Registration.PENDING) | Registration.proposed_values.is_not(None)
        ).order_by(Registration.created_at).limit(PENDING_LIST_SIZE)
    ))
