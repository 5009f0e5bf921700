"""Registrations as JSON files in lti_config/ (public values only): validate, then import.

Format (docs/lti-config.md):
{"name", "issuer", "client_id", "auth_login_url", "auth_token_url", "auth_audience" (optional),
 "key_set_url", "allowed_algorithms" (default ["RS256"]), "new_deployment_policy" ("new_organisation" |
 "hold_pending", default new_organisation), "service_hosts" (optional: hosts besides those of the token and
 key-set URLs where the LMS serves AGS and NRPS), "deployments": [{"deployment_id", "organisation", "frame_ancestors"}]}
"""
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select

from app.errors import AppError
from app.extensions import db
from app.lti.constants import SUPPORTED_ALGORITHMS
from app.tenancy.models import Deployment, Organisation, Registration
from app.tenancy.moves import place_deployment
from app.tenancy.services import default_frame_ancestors, find_registration

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
    problems += [f"`{name}` must never be in a registration file (public values only)" for name in PRIVATE_KEY_FIELDS & set(data)]
    problems += [f"unknown field `{name}`" for name in set(data) - KNOWN_FIELDS - PRIVATE_KEY_FIELDS]
    problems += [f"`{name}` must be an http(s) URL, not {data[name]!r}" for name in URL_FIELDS if data.get(name) and not _is_url(data[name])]
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
        # An existing site named in another organisation moves there with what it recorded (issue 21).
        place_deployment(deployment, _organisation_named(entry["organisation"]))
    elif deployment.organisation is None:
        deployment.organisation = Organisation(name=f"{registration.name} · {entry['deployment_id']}")
    deployment.frame_ancestors = entry.get("frame_ancestors") or default_frame_ancestors(registration)
    deployment.status = Deployment.ACTIVE
    return f"deployment {entry['deployment_id']!r} {'created' if created else 'updated'} ({deployment.organisation.name})"


def _organisation_named(name: str) -> Organisation:
    organisation = db.session.scalars(select(Organisation).where(Organisation.name == name)).first()
    if organisation is None:
        organisation = Organisation(name=name)
        db.session.add(organisation)
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
