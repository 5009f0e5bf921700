"""`flask admin …`: manage the installation's admin accounts from the server's shell."""
import sys

import click
from flask.cli import AppGroup

from app.admin import accounts
from app.errors import AppError
from app.extensions import db

admin_cli = AppGroup("admin", help="Manage the installation's admin accounts.")

password_stdin_option = click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (for scripts) instead of prompting."
)


def _read_password(from_stdin: bool) -> str:
    """The new password: from standard input, or typed twice at a hidden prompt."""
    if from_stdin:
        return sys.stdin.read().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _or_explain(step):
    """Run one account step; a refusal becomes a clear message and exit status 1, with nothing saved."""
    try:
        return step()
    except AppError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.message} {error.hint}".strip()) from None


@admin_cli.command("create")
@click.argument("username")
@password_stdin_option
def create(username: str, password_stdin: bool) -> None:
    """Create an admin account called USERNAME."""
    # Check the name before asking for a password, so a typo does not cost two password prompts.
    username = _or_explain(lambda: accounts.check_new_username(username))
    password = _read_password(password_stdin)
    _or_explain(lambda: accounts.create_admin_user(username, password))
    db.session.commit()
    click.echo(f"Admin {username!r} created.")


@admin_cli.command("set-password")
@click.argument("username")
@password_stdin_option
def set_password(username: str, password_stdin: bool) -> None:
    """Set a new password for the admin USERNAME."""
    _or_explain(lambda: accounts.admin_user_named(username))
    password = _read_password(password_stdin)
    _or_explain(lambda: accounts.set_admin_password(username, password))
    db.session.commit()
    click.echo(f"Password of {username!r} changed.")


@admin_cli.command("list")
def list_accounts() -> None:
    """List the admin accounts with their last login."""
    admin_users = accounts.list_admin_users()
    if not admin_users:
        click.echo("No admin accounts yet; create one with `flask admin create USERNAME`.")
    for admin_user in admin_users:
        last_login = admin_user.last_login_at.isoformat(timespec="minutes") if admin_user.last_login_at else "never"
        click.echo(f"{admin_user.username}\tcreated {admin_user.created_at:%Y-%m-%d}\tlast login {last_login}")
