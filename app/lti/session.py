"""The tool session of a launch: a token that travels with every page of the launch, not a cookie.

Cookies die in LMS iframes (Safari, blocked third-party cookies), and one cookie per LMS site would mix
two launches in two tabs. So each launch gets its own token (`launch_token` in links and forms, as
ltijs does with `ltik`), and Flask's `session` for that request is the launch's own stored data,
which also binds CSRF tokens to the launch. Requests without a token keep Flask's signed cookie session:
under /admin the installation admin's own cookie (SameSite=Lax, not partitioned, path /admin: admin pages are
never framed), elsewhere the SameSite=None; Partitioned one an LMS iframe needs.
"""
import hashlib
import re
import secrets
from functools import cache, wraps

from flask import current_app, g, has_request_context, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, delete, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import HTTPException

from app.clock import current_clock
from app.errors import Forbidden
from app.extensions import db
from app.lti.models import Launch
from app.tenancy.roles import INSTRUCTOR

TOKEN_PARAMETER = "launch_token"
ADMIN_PATH = "/admin"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_session_token(launch: Launch) -> str:
    """A new secret token for the launch's session; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    launch.session_token_hash = _token_hash(token)
    return token


class LaunchSession(SecureCookieSession):
    """Flask's session, stored with the launch it belongs to."""

    def __init__(self, launch: Launch, token: str):
        super().__init__(dict(launch.session_data or {}))
        self.launch, self.token = launch, token


def _is_admin_request() -> bool:
    # The session opens before the URL is matched, so the path (not the blueprint) says whose cookie it is.
    return has_request_context() and (request.path == ADMIN_PATH or request.path.startswith(ADMIN_PATH + "/"))


class ToolSessionInterface(SecureCookieSessionInterface):
    """The launch's session when the request carries its token; the signed cookie session otherwise.

    The installation admin's cookie is not the LMS iframe's: a cookie sent cross-site (SameSite=None) for 31 days
    would let any site's page post to the admin with the admin's session. Its own name, SameSite=Lax, no CHIPS
    partition and path /admin keep it to the admin's own tab; the LTI cookies stay SameSite=None; Partitioned.
    """

    def get_cookie_name(self, app):
        return app.config["ADMIN_SESSION_COOKIE_NAME"] if _is_admin_request() else super().get_cookie_name(app)

    def get_cookie_path(self, app):
        return request.script_root + ADMIN_PATH if _is_admin_request() else super().get_cookie_path(app)

    def get_cookie_samesite(self, app):
        return "Lax" if _is_admin_request() else super().get_cookie_samesite(app)

    def get_cookie_partitioned(self, app):
        return False if _is_admin_request() else super().get_cookie_partitioned(app)

    def open_session(self, app, request):
        try:
            token = request.args.get(TOKEN_PARAMETER) or request.form.get(TOKEN_PARAMETER)
        except HTTPException as error:
            # A body too large or of too many parts (MAX_CONTENT_LENGTH, MAX_FORM_PARTS) fails here, before the
            # error handlers apply: kept for raise_session_error, so it gets its 413 page rather than a bare 500.
            g.session_error = error
            return self.make_null_session(app)
        if token and not _is_admin_request():  # the admin's session is never a launch's (nor the reverse)
            try:
                launch = db.session.scalars(
                    _launch_by_token(), {"token_hash": _token_hash(token), "now": current_clock().now()}
                ).first()
            except OperationalError as error:
                # Flask opens the session before its error handlers apply (an error here would be a bare 500
                # and a traceback): keep it for raise_session_error, so the database being down gets its page.
                g.session_error = error
                return self.make_null_session(app)
            if launch is not None:
                return LaunchSession(launch, token)
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if not isinstance(session, LaunchSession):
            return super().save_session(app, session, response)
        if session.modified:
            # Committed with the request's other writes, at the boundary (app.Tool.process_response).
            db.session.execute(
                update(Launch).where(Launch.id == session.launch.id).values(session_data=dict(session))
            )
        return None


@cache
def _launch_by_token() -> Select:
    """Built once: every page of a launch runs it, and building it cost more than running it.

    The deployment comes along (every page reads the LMS sites that may frame it), the person and course (most
    pages name them), and the organisation (every page that shows a time reads its time zone, and the reports its
    settings): one query instead of five.
    """
    return select(Launch).options(
        joinedload(Launch.deployment), joinedload(Launch.person), joinedload(Launch.course),
        joinedload(Launch.organisation),
    ).where(
        Launch.session_token_hash == bindparam("token_hash"), Launch.expires_at > bindparam("now")
    )


def raise_session_error() -> None:
    """The first thing before each request: a database or request error met opening the session is raised now."""
    error = g.pop("session_error", None)
    if error is not None:
        raise error


def load_launch_session() -> None:
    """Before each request: the launch this page belongs to, its locale and the LMS sites that may frame it."""
    g.launch = session.launch if isinstance(session, LaunchSession) else None
    if g.launch is not None:
        g.locale = g.launch.locale
        g.frame_ancestors = g.launch.deployment.frame_ancestors


def public_endpoint(view):
    """Marks a view that answers anyone, without a launch: links to it never carry the launch token.

    Badge pages and documents are copied into LinkedIn, e-mails and backpacks; a token in their URL would hand
    the learner's session to everyone the link reaches. Put this on the view itself, so the declaration is
    where the route is.
    """
    view.is_public_endpoint = True
    return view


def is_public_endpoint(endpoint: str) -> bool:
    return getattr(current_app.view_functions.get(endpoint), "is_public_endpoint", False)


def add_launch_token(endpoint: str, values: dict) -> None:
    """Links made while serving a launch's page keep its token, so the next page is the same launch."""
    if (isinstance(session, LaunchSession) and not endpoint.startswith(("static", "admin."))
            and not is_public_endpoint(endpoint)):
        values.setdefault(TOKEN_PARAMETER, session.token)


_HEADER_ORIGIN = re.compile(r"https?://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?|https?://\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?")


def protect_launch_pages(response):
    """Frame only by the LMS sites of the session's deployment; never leak the launch token in a Referer."""
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if "Content-Security-Policy" in response.headers:
        return response
    # Only well-formed origins reach the header: a value from a platform's configuration must not add a directive.
    origins = [origin for origin in getattr(g, "frame_ancestors", None) or [] if _HEADER_ORIGIN.fullmatch(str(origin))]
    if origins:
        policy = "frame-ancestors 'self' " + " ".join(origins)
    elif request.blueprint == "lti":
        # Launch pages and errors are shown inside whatever LMS framed the launch, before we know
        # which one it is; they carry no personal data, so any frame may show them.
        policy = "frame-ancestors *"
    else:
        policy = "frame-ancestors 'self'"
    response.headers["Content-Security-Policy"] = policy
    return response


def launch_if_any() -> Launch | None:
    """The launch behind this request, if it has one (public and admin pages have none)."""
    return getattr(g, "launch", None)


def organisation_time_zone() -> str | None:
    """The time zone the launch's organisation chose for its people's times (None: UTC)."""
    launch = launch_if_any()
    return launch.organisation.time_zone if launch is not None else None


def current_launch() -> Launch:
    """The launch behind this request, or a page telling the user to launch from the LMS."""
    launch = getattr(g, "launch", None)
    if launch is None:
        raise Forbidden(
            _("Your session with REX VET Path has ended or never started."),
            hint=_("Open REX VET Path again from your course in the LMS."),
        )
    return launch


def organisation_admin_launch() -> Launch:
    """The launch behind this request, which must be an organisation admin's (the LMS asserts the role)."""
    launch = current_launch()
    if not launch.is_organisation_admin:
        raise Forbidden(
            _("This page is for your organisation's administrators."),
            hint=_("Organisation admins launch with an institution administrator role in the LMS."),
        )
    return launch


def launch_required(role: str | None = None):
    """Views that need a launch; role="instructor" also refuses learners."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            launch = current_launch()
            if role == INSTRUCTOR and launch.course_role != INSTRUCTOR:
                raise Forbidden(_("This page is for instructors of the course."))
            return view(*args, **kwargs)

        return wrapped

    return decorator


def move_launches(sender, *, organisation_id: int, kept, merged) -> None:
    """When an organisation admin merges two people, the merged one's launches become the kept one's."""
    db.session.execute(
        update(Launch)
        .where(Launch.organisation_id == organisation_id, Launch.person_id == merged.id)
        .values(person_id=kept.id)
    )


def move_launches_to_organisation(sender, *, source_organisation_id: int, target_organisation_id: int, person,
                                  into_id: int, deployment_id: int | None, **_) -> None:
    """person_moved (a site moved to another organisation): the person's launches (of that site) go along, so a
    tool session open during the move continues in the site's new organisation."""
    query = update(Launch).where(Launch.organisation_id == source_organisation_id, Launch.person_id == person.id)
    if deployment_id is not None:
        query = query.where(Launch.deployment_id == deployment_id)
    db.session.execute(query.values(organisation_id=target_organisation_id, person_id=into_id))


def erase_launches(sender, *, organisation_id: int, person) -> None:
    """Erasing a person deletes their launches (their tool sessions end with them)."""
    db.session.execute(delete(Launch).where(Launch.organisation_id == organisation_id, Launch.person_id == person.id))
