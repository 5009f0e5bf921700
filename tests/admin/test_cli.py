"""`flask admin …` as an operator uses it."""
import pytest

from app.admin.accounts import find_admin_user
from app.extensions import db
from tests.support.admin import ADMIN_PASSWORD

pytestmark = pytest.mark.sqlite


def test_create_asks_twice_and_stores_only_a_scrypt_hash(app, runner):
    result = runner.invoke(args=["admin", "create", "ops"], input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert ADMIN_PASSWORD not in result.output
    stored = find_admin_user("ops")
    assert stored.password_hash.startswith("scrypt:")
    assert ADMIN_PASSWORD not in stored.password_hash


def test_create_reads_the_password_from_stdin_for_scripts(app, runner):
    result = runner.invoke(args=["admin", "create", "deploy-bot", "--password-stdin"], input=f"{ADMIN_PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "Password" not in result.output
    assert find_admin_user("deploy-bot") is not None


def test_create_refuses_an_existing_username(app, runner, admin_user):
    result = runner.invoke(
        args=["admin", "create", admin_user.username, "--password-stdin"], input="another long password\n"
    )

    assert result.exit_code == 1
    assert f"An admin called '{admin_user.username}' already exists." in result.output


def test_create_refuses_a_password_shorter_than_twelve_characters(app, runner):
    result = runner.invoke(args=["admin", "create", "ops", "--password-stdin"], input="elevenchars\n")

    assert result.exit_code == 1
    assert "The password is 11 characters long; use at least 12." in result.output
    db.session.rollback()
    assert find_admin_user("ops") is None


def test_create_asks_again_when_the_two_passwords_differ(app, runner):
    result = runner.invoke(
        args=["admin", "create", "ops"],
        input=f"{ADMIN_PASSWORD}\ntypo {ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    assert "do not match" in result.output


def test_list_shows_accounts_and_their_last_login(app, runner, admin_user):
    result = runner.invoke(args=["admin", "list"])

    assert result.exit_code == 0
    assert "ops" in result.output
    assert "last login never" in result.output


def test_set_password_replaces_the_hash(app, runner, admin_user):
    old_hash = admin_user.password_hash

    result = runner.invoke(args=["admin", "set-password", "ops", "--password-stdin"], input="a brand new passphrase\n")

    assert result.exit_code == 0, result.output
    assert find_admin_user("ops").password_hash != old_hash


def test_set_password_refuses_an_unknown_username(app, runner):
    result = runner.invoke(
        args=["admin", "set-password", "nobody", "--password-stdin"], input="a brand new passphrase\n"
    )

    assert result.exit_code == 1
    assert "There is no admin called 'nobody'." in result.output
