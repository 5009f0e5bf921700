"""Admin accounts: create, change password, list, and check a login. Passwords exist only as scrypt hashes."""
import logging
from datetime import datetime
from functools import cache

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.admin.models import AdminUser
from app.errors import AppError, NotFound
from app.extensions import db

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 12
MAX_USERNAME_LENGTH = 80


class InvalidAccount(AppError):
    """A username or password that cannot be used for an admin account."""


def _hash(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


@cache
def _hash_of_no_account() -> str:
    """A hash to check against when the username is unknown, so both failures take the same time."""
    return _hash("no account has this password")


def check_new_password(password: str) -> None:
    """Refuse passwords shorter than MIN_PASSWORD_LENGTH characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidAccount(
            f"The password is {len(password)} characters long; use at least {MIN_PASSWORD_LENGTH}.",
            hint="A passphrase of several words is easy to type and hard to guess.",
        )


def find_admin_user(username: str) -> AdminUser | None:
    return db.session.scalars(select(AdminUser).where(AdminUser.username == username)).first()


def check_new_username(username: str) -> str:
    """The username without surrounding spaces; refuses a malformed or taken one."""
    username = username.strip()
    if not username or len(username) > MAX_USERNAME_LENGTH or any(char.isspace() for char in username):
        raise InvalidAccount(
            f"The username {username!r} cannot be used: give 1 to {MAX_USERNAME_LENGTH} characters without spaces."
        )
    if find_admin_user(username) is not None:
        raise InvalidAccount(
            f"An admin called {username!r} already exists.",
            hint=f"Choose another name, or change its password with `flask admin set-password {username}`.",
        )
    return username


def admin_user_named(username: str) -> AdminUser:
    """The admin with this username, or NotFound."""
    admin_user = find_admin_user(username)
    if admin_user is None:
        raise NotFound(
            f"There is no admin called {username!r}.",
            hint="`flask admin list` shows the accounts; `flask admin create` makes one.",
        )
    return admin_user


def create_admin_user(username: str, password: str) -> AdminUser:
    """A new admin account; refuses a taken or malformed username and a short password."""
    username = check_new_username(username)
    check_new_password(password)
    admin_user = AdminUser(username=username, password_hash=_hash(password))
    db.session.add(admin_user)
    log.info("admin account %r created", username)
    return admin_user


def set_admin_password(username: str, password: str) -> AdminUser:
    """Replace an admin's password."""
    admin_user = admin_user_named(username)
    check_new_password(password)
    admin_user.password_hash = _hash(password)
    end_all_sessions(admin_user)  # whoever knew the old password may hold a session
    log.info("password of admin %r changed", username)
    return admin_user


def end_all_sessions(admin_user: AdminUser) -> None:
    """End every session of this admin, on every browser: each is refused at its next request."""
    admin_user.session_version = (admin_user.session_version or 0) + 1
    log.info("every session of admin %r ended", admin_user.username)


def list_admin_users() -> list[AdminUser]:
    return list(db.session.scalars(select(AdminUser).order_by(AdminUser.username)))


def get_admin_user(admin_user_id: int | None) -> AdminUser | None:
    """The admin whose id the session holds, or None (no id, or the account was removed)."""
    return db.session.get(AdminUser, admin_user_id) if admin_user_id is not None else None


def authenticate(username: str, password: str, *, now: datetime) -> AdminUser | None:
    """The admin if the password matches, else None — the same answer whether the name or the password was wrong."""
    admin_user = find_admin_user(username.strip())
    if admin_user is None:
        check_password_hash(_hash_of_no_account(), password)
        return None
    if not check_password_hash(admin_user.password_hash, password):
        return None
    admin_user.last_login_at = now
    log.info("admin %r logged in", admin_user.username)
    return admin_user
