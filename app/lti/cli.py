"""`flask lti …`: registrations from files, the tool's keys."""
import click
from sqlalchemy import select

from app.extensions import db
from app.lti.keys import ensure_active_tool_key
from app.lti.registration_files import InvalidRegistrationFile, import_registration, read_registration_file
from app.tenancy.models import Registration

lti_cli = click.Group("lti", help="LTI registrations and keys.")
registration_cli = click.Group("registration", help="Registrations of LMSs (issuer + client_id).")
keys_cli = click.Group("keys", help="The tool's signing keys.")
lti_cli.add_command(registration_cli)
lti_cli.add_command(keys_cli)


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
