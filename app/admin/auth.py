"""Who is logged in to the admin: the session, the guard of every admin page (`require_admin`), safe redirects.

The session is Flask's signed cookie (the admin's own: app.lti.session), with server state in
`AdminUser.session_version`: a session is accepted only while the admin's version is the one it started under
(logging out or a new password raises it, ending every session of that admin), for at most
ADMIN_SESSION_IDLE_SECONDS between requests and ADMIN_SESSION_LIFETIME_SECONDS after the login.
"""
import logging
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _

from app.admin import accounts
from app.admin.models import AdminUser
from app.clock import current_clock

log = logging.getLogger(__name__)

SESSION_KEY = "admin_user_id"
VERSION_KEY = "admin_session_version"
STARTED_KEY = "admin_session_started"  # seconds since the epoch, UTC
SEEN_KEY = "admin_session_seen"


def _now() -> int:
    return int(current_clock().now().timestamp())


def start_admin_session(admin_user: AdminUser) -> None:
    """Log the admin in on a fresh session, so an id planted in the old one cannot ride along (session fixation)."""
    session.clear()
    now = _now()
    session.update({SESSION_KEY: admin_user.id, VERSION_KEY: admin_user.session_version,
                    STARTED_KEY: now, SEEN_KEY: now})


def end_admin_session() -> None:
    """Log out: every session of this admin ends (a copy of the cookie, another browser), not just this one."""
    admin_user = _session_admin_user(touch=False)
    if admin_user is not None:
        accounts.end_all_sessions(admin_user)
    session.clear()


def _session_admin_user(*, touch: bool) -> AdminUser | None:
    """The admin this session belongs to if it is still valid; `touch` counts this request as activity."""
    admin_user = accounts.get_admin_user(session.get(SESSION_KEY))
    if admin_user is None:
        return None
    started, seen, now = session.get(STARTED_KEY), session.get(SEEN_KEY), _now()
    config = current_app.config
    if (
        session.get(VERSION_KEY) != admin_user.session_version
        or not isinstance(started, int) or not isinstance(seen, int)
        or now - seen > config["ADMIN_SESSION_IDLE_SECONDS"]
        or now - started > config["ADMIN_SESSION_LIFETIME_SECONDS"]
    ):
        return None
    if touch and now != seen:
        session[SEEN_KEY] = now
    return admin_user


# The admin's pages anyone may open: the login form, and the logout (it ends whatever session it finds).
OPEN_ENDPOINTS = frozenset({"admin.login", "admin.logout"})


def require_admin():
    """The admin blueprint's before_request, so it guards the feature pages nested in it too (badge awards, reports):
    only a logged-in admin gets through; anyone else goes to the login page (and back here after it)."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    admin_user = _session_admin_user(touch=True)
    if admin_user is None:
        if session.get(SESSION_KEY) is not None:
            log.info("admin session of admin id %s ended (logged out elsewhere, new password or expired)",
                     session.get(SESSION_KEY))
            session.clear()
            flash(_("Your session has ended; log in again."), "error")
        # After login, come back only to a page: a POST's URL cannot be replayed as a GET.
        next_path = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("admin.login", next=next_path))
    g.admin_user = admin_user
    return None


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: never another site (open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read a backslash as "/" and drop tabs and newlines: either can turn a path into "//host".
    if any(ord(char) < 0x20 or char == "\\" for char in target):
        return None
    parts = urlsplit(target)
    return target if not (parts.scheme or parts.netloc) else None
