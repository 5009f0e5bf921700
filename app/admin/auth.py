"""Who is logged in to the admin: the session key, the `admin_required` decorator, and safe redirects."""
import functools
from urllib.parse import urlsplit

from flask import g, redirect, request, session, url_for

from app.admin import accounts
from app.admin.models import AdminUser

SESSION_KEY = "admin_user_id"


def start_admin_session(admin_user: AdminUser) -> None:
    """Log the admin in on a fresh session, so an id planted in the old one cannot ride along (session fixation)."""
    session.clear()
    session[SESSION_KEY] = admin_user.id


def end_admin_session() -> None:
    session.clear()


def admin_required(view):
    """Let only a logged-in admin through; send anyone else to the login page (and back here after it)."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        admin_user = accounts.get_admin_user(session.get(SESSION_KEY))
        if admin_user is None:
            # After login, come back only to a page: a POST's URL cannot be replayed as a GET.
            next_path = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("admin.login", next=next_path))
        g.admin_user = admin_user
        return view(**kwargs)

    return wrapped


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: never another site (open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read a backslash as "/" and drop tabs and newlines: either can turn a path into "//host".
    if any(ord(char) < 0x20 or char == "\\" for char in target):
        return None
    parts = urlsplit(target)
    return target if not (parts.scheme or parts.netloc) else None
