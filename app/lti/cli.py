"""`flask lti …`: registrations (from files or by hand) and their deployments, the tool's keys."""
from datetime import timedelta
from functools import partial

import click
from flask import current_app
from sqlalchemy import select

from app.clock import current_clock
from app.errors import AppError
from app.extensions import db
from app.lti import registrations
from app.lti.keys import advance_key_rotation, ensure_active_tool_key, rewrap_private_keys, rotate_tool_keys
from app.lti.models import ToolKey
from app.lti.registrations import InvalidRegistrationFile, import_registration, read_registration_file
from app.tenancy import deployments, organisations
from app.tenancy.models import Deployment, Registration
from app.tenancy.moves import settle_deployment, unsettled_deployments
from app.tenancy.services import find_registration

lti_cli = click.Group("lti", help="LTI registrations and keys.")
registration_cli = click.Group("registration", help="Registrations of LMSs (issuer + client_id).")
keys_cli = click.Group("keys", help="The tool's signing keys.")
deployment_cli = click.Group("deployment", help="Deployments (one customer site each) under a registration.")
invitation_cli = click.Group("invitation", help="One-time registration URLs: the only way an LMS registers itself.")
lti_cli.add_command(registration_cli)
lti_cli.add_command(invitation_cli)
lti_cli.add_command(keys_cli)
lti_cli.add_command(deployment_cli)


@registration_cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def import_command(files):
    """Import registrations from lti_config/ JSON files (creates or updates)."""
    for path in files:
        try:
            _, changes = import_registration(read_registration_file(path))
        except InvalidRegistrationFile as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from exc
        db.session.commit()
        for change in changes:
            click.echo(f"{path}: {change}")


@registration_cli.command("list")
def list_command():
    """List registrations with their deployments."""
    for registration in db.session.scalars(select(Registration).order_by(Registration.id)):
        click.echo(f"{registration.id}\t{registration.status}\t{registration.issuer}\t{registration.client_id}\t{registration.name}")
        for deployment in registration.deployments:
            organisation = deployment.organisation.name if deployment.organisation else "-"
            click.echo(f"\tdeployment {deployment.deployment_id}\t{deployment.status}\t{organisation}")


@keys_cli.command("ensure")
def ensure_command():
    """Make the tool's signing key if there is none."""
    key = ensure_active_tool_key()
    db.session.commit()
    click.echo(f"active key {key.kid}")


# Registering an LMS by hand: the same services (and rules) as the admin pages.


def _apply(change):
    """Run one change and commit it; a refusal becomes a clear error naming what was wrong, with nothing saved."""
    try:
        result = change()
    except AppError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.message} {error.hint}".strip()) from error
    db.session.commit()
    return result


def _organisation_id(reference: str | None) -> int | None:
    return _apply(lambda: organisations.find_organisation(reference).id) if reference else None


_platform_value_options = [
    click.option("--name", help="How this LMS is called on the admin pages."),
    click.option("--issuer", help="The LMS's issuer (Moodle: Platform ID)."),
    click.option("--client-id", help="The client ID the LMS gave the tool."),
    click.option("--auth-login-url", help="The LMS's OIDC authentication request URL."),
    click.option("--auth-token-url", help="The LMS's access token URL."),
    click.option("--auth-audience", help="The access token audience, if the LMS names one."),
    click.option("--key-set-url", help="The LMS's public keyset (JWKS) URL."),
    click.option(
        "--algorithm",
        "allowed_algorithms",
        multiple=True,
        help="An algorithm the LMS signs with (repeat; default RS256).",
    ),
    click.option(
        "--service-host",
        "service_hosts",
        multiple=True,
        help="A host besides those of the token and keyset URLs where the LMS serves AGS and NRPS (repeat).",
    ),
    click.option(
        "--policy",
        "new_deployment_policy",
        type=click.Choice(["new_organisation", "hold_pending"]),
        help="What a launch from a deployment not seen before does.",
    ),
    click.option(
        "--default-organisation", help="Organisation id or name held deployments wait under ('none' to clear)."
    ),
]


def platform_value_options(command):
    for option in reversed(_platform_value_options):
        command = option(command)
    return command


def _given(values: dict) -> dict:
    """The options given on the command line, as registration values."""
    given = {field: value for field, value in values.items() if value not in (None, ())}
    for field in ("allowed_algorithms", "service_hosts"):
        if field in given:
            given[field] = list(given[field])
    return given


@registration_cli.command("add")
@platform_value_options
@click.option("--from-file", type=click.Path(dir_okay=False), help="Add from an lti_config/ JSON file instead.")
def add_command(from_file, default_organisation, **values):
    """Register an LMS by hand, from its platform values (or from a file)."""
    if from_file:
        data = _apply(lambda: read_registration_file(from_file))
        existing = find_registration(data["issuer"], data["client_id"])
        if existing is not None:
            raise click.ClickException(
                f"{from_file}: issuer {data['issuer']!r} with client ID {data['client_id']!r} is already registration "
                f"{existing.id}; `flask lti registration import {from_file}` updates it."
            )
        registration, changes = _apply(lambda: import_registration(data))
        for change in changes:
            click.echo(f"{from_file}: {change}")
        return
    organisation_id = _organisation_id(default_organisation) if default_organisation not in (None, "none") else None
    registration = _apply(
        lambda: registrations.add_registration(_given(values), default_organisation_id=organisation_id)
    )
    click.echo(
        f"registration {registration.id} added: {registration.name} ({registration.issuer}, {registration.client_id})"
    )


def _registration_argument(registration_id, issuer, client_id) -> Registration:
    return _apply(
        lambda: registrations.find_registration_by_reference(registration_id, issuer=issuer, client_id=client_id)
    )


@registration_cli.command("show")
@click.argument("registration_id", type=int, required=False)
@click.option("--issuer")
@click.option("--client-id")
def show_command(registration_id, issuer, client_id):
    """Show one registration (by id, or by --issuer and --client-id) with its deployments."""
    registration = _registration_argument(registration_id, issuer, client_id)
    click.echo(f"id\t{registration.id}")
    click.echo(f"status\t{registration.status}")
    for field, value in registrations.registration_values(registration).items():
        click.echo(f"{field}\t{', '.join(value) if isinstance(value, list) else ('-' if value is None else value)}")
    default = registration.default_organisation
    click.echo(f"default_organisation\t{f'{default.id} {default.name}' if default else '-'}")
    for deployment in registration.deployments:
        click.echo(f"deployment {_deployment_line(deployment)}")


def _deployment_line(deployment: Deployment) -> str:
    """id, registration, deployment ID, status, organisation (id and name), frame origins: tab-separated."""
    organisation = f"{deployment.organisation.id} {deployment.organisation.name}" if deployment.organisation else "-"
    return "\t".join([
        str(deployment.id), str(deployment.registration_id), deployment.deployment_id, deployment.status, organisation,
        " ".join(deployment.frame_ancestors or []),
    ])


@registration_cli.command("edit")
@click.argument("registration_id", type=int)
@platform_value_options
def edit_command(registration_id, default_organisation, **values):
    """Change any of a registration's values (only the options given)."""
    changes = _given(values)
    keyword = {}
    if default_organisation is not None:
        keyword["default_organisation_id"] = (
            None if default_organisation == "none" else _organisation_id(default_organisation)
        )
    if not changes and not keyword:
        raise click.UsageError("Give at least one value to change, e.g. --name or --key-set-url.")
    registration = _apply(lambda: registrations.edit_registration(registration_id, changes, **keyword))
    click.echo(f"registration {registration.id} saved")


@registration_cli.command("disable")
@click.argument("registration_id", type=int)
def disable_command(registration_id):
    """Refuse every launch from this registration's LMS."""
    _apply(lambda: registrations.set_registration_status(registration_id, Registration.DISABLED))
    click.echo(f"registration {registration_id} disabled")


@registration_cli.command("enable")
@click.argument("registration_id", type=int)
def enable_command(registration_id):
    """Accept launches from this registration's LMS again."""
    _apply(lambda: registrations.set_registration_status(registration_id, Registration.ACTIVE))
    click.echo(f"registration {registration_id} enabled")


@registration_cli.command("export")
@click.argument("registration_id", type=int)
@click.option(
    "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file instead of printing."
)
def export_command(registration_id, output):
    """The registration as an lti_config/ file (import gives it back)."""
    registration = _apply(lambda: registrations.find_registration_by_reference(registration_id))
    text = registrations.registration_file_text(registration)
    if output:
        with open(output, "w", encoding="utf-8") as file:
            file.write(text)
        click.echo(f"registration {registration.id} written to {output}")
    else:
        click.echo(text, nl=False)


@deployment_cli.command("add")
@click.argument("registration_id", type=int)
@click.argument("deployment_id")
@click.option("--organisation", help="An existing organisation's id or name.")
@click.option("--new-organisation", help="The name of a new organisation for this site.")
@click.option("--frame-origin", "frame_origins", multiple=True,
              help="An origin allowed to frame the tool (repeat; default: the LMS's authentication URL's origin).")
def deployment_add_command(registration_id, deployment_id, organisation, new_organisation, frame_origins):
    """Add a deployment ID (one customer site) under a registration."""
    organisation_id = _organisation_id(organisation)
    deployment = _apply(lambda: deployments.add_deployment(
        registration_id, deployment_id, organisation_id=organisation_id,
        new_organisation_name=new_organisation, frame_origins=list(frame_origins),
    ))
    click.echo(f"deployment {deployment.id} added: {deployment.deployment_id} in {deployment.organisation.name}")


@deployment_cli.command("list")
@click.option("--registration", "registration_id", type=int, help="Only this registration's deployments.")
def deployment_list_command(registration_id):
    """List deployments: id, registration, deployment ID, status, organisation, frame origins."""
    query = select(Deployment).order_by(Deployment.registration_id, Deployment.id)
    if registration_id is not None:
        query = query.where(Deployment.registration_id == registration_id)
    for deployment in db.session.scalars(query):
        click.echo(_deployment_line(deployment))


@deployment_cli.command("edit")
@click.argument("deployment_id", type=int)
@click.option("--organisation", help="Move the deployment, with what it recorded, to this organisation (id or name).")
@click.option(
    "--new-organisation", help="Move the deployment, with what it recorded, to a new organisation with this name."
)
@click.option("--frame-origin", "frame_origins", multiple=True, help="Replace the frame origins (repeat).")
def deployment_edit_command(deployment_id, organisation, new_organisation, frame_origins):
    """Change a deployment's organisation or frame origins (the id is the first column of `deployment list`)."""
    if not (organisation or new_organisation or frame_origins):
        raise click.UsageError("Give --organisation, --new-organisation or --frame-origin.")

    def change():
        if organisation or new_organisation:
            deployments.assign_organisation(
                deployment_id,
                organisation_id=organisations.find_organisation(organisation).id if organisation else None,
                new_organisation_name=new_organisation,
            )
        if frame_origins:
            deployments.set_frame_origins(deployment_id, list(frame_origins))

    _apply(change)
    click.echo(f"deployment {deployment_id} saved")


@deployment_cli.command("disable")
@click.argument("deployment_id", type=int)
def deployment_disable_command(deployment_id):
    """Refuse launches from this deployment (its data is kept)."""
    _apply(lambda: deployments.disable_deployment(deployment_id))
    click.echo(f"deployment {deployment_id} disabled")


@deployment_cli.command("settle")
@click.argument("deployment_id", type=int, required=False)
def deployment_settle_command(deployment_id):
    """Bring what a deployment recorded into its organisation (repairs a move by an older version of the tool,
    which moved only the site's future launches).

    Without DEPLOYMENT_ID: every deployment with a course or launch kept in another organisation, each in its own
    transaction.
    """
    if deployment_id is not None:
        to_settle = [_apply(lambda: deployments.get_deployment(deployment_id))]
    else:
        to_settle = unsettled_deployments()
        if not to_settle:
            click.echo("every deployment's records are in its organisation")
    for deployment in to_settle:
        summary = _apply(partial(settle_deployment, deployment))
        click.echo(f"deployment {deployment.id} settled in organisation {deployment.organisation_id}: "
                   f"{summary.courses} course(s), {summary.people_moved} person(s) moved, "
                   f"{summary.people_merged} merged, {summary.people_split} with a record in both")


@keys_cli.command("rotate")
@click.option("--publish-ahead", type=int, default=None,
              help="Seconds the new key is published before it signs (default TOOL_KEY_PUBLISH_AHEAD_SECONDS).")
def rotate_command(publish_ahead):
    """Publish a new key now; the worker makes it the signing key once it is due."""
    seconds = current_app.config["TOOL_KEY_PUBLISH_AHEAD_SECONDS"] if publish_ahead is None else publish_ahead
    key = _apply(lambda: rotate_tool_keys(current_clock().now(), publish_ahead=timedelta(seconds=seconds)))
    click.echo(f"published key {key.kid}; it signs from {key.activates_at}")


@keys_cli.command("advance")
def advance_command():
    """Do now what the worker does periodically: activate due keys, retire old ones."""
    moves = _apply(lambda: advance_key_rotation(current_clock().now()))
    click.echo("\n".join(moves) or "nothing to do")


@keys_cli.command("list")
def list_keys_command():
    """Every key with its status and dates."""
    for key in db.session.scalars(select(ToolKey).order_by(ToolKey.created_at)):
        click.echo(
            f"{key.kid}\t{key.status}\tcreated {key.created_at}\tactivates {key.activates_at}\tretires {key.retire_at}"
        )


@keys_cli.command("rewrap")
def rewrap_command():
    """Re-encrypt private keys with the first of KEY_ENCRYPTION_KEYS (rotating the key-encryption key)."""
    count = _apply(rewrap_private_keys)
    click.echo(f"re-encrypted {count} private keys with the first key-encryption key")


@invitation_cli.command("create")
@click.option("--organisation", help="Attach the LMS to this existing organisation (id or name).")
@click.option("--new-organisation", help="Make a new organisation with this name when the LMS registers.")
def invitation_create_command(organisation, new_organisation):
    """Print a one-time registration URL (Dynamic Registration) for an existing or a new organisation.

    Without options the LMS gets a new organisation named after its address. The URL works once and expires."""
    from app.lti.dynamic_registration import INVITATION_LIFETIME, create_invitation, registration_url
    from app.lti.tool_urls import ToolUrls

    if organisation and new_organisation:
        raise click.UsageError("Give --organisation or --new-organisation, not both.")

    def make():
        existing = organisations.find_organisation(organisation) if organisation else None
        name = organisations.checked_organisation_name(new_organisation) if new_organisation else None
        return create_invitation(existing, organisation_name=name, now=current_clock().now())

    invitation, token = _apply(make)
    for_whom = (f"organisation {invitation.organisation.id} {invitation.organisation.name}" if invitation.organisation
                else f"a new organisation ({invitation.organisation_name or 'named after the LMS'})")
    # The URL on stdout alone, so a script can take it; what it is for on stderr.
    click.echo(
        f"one-time registration URL for {for_whom}, valid {INVITATION_LIFETIME.days} days, works once:", err=True
    )
    click.echo(registration_url(ToolUrls.configured(), token))
