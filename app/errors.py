"""Typed domain errors and their one mapping to HTTP responses and clear pages."""
import logging
import re
import secrets
from urllib.parse import urlsplit

from flask import current_app, jsonify, make_response, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError

from app.extensions import db
from app.navigation import home_url

log = logging.getLogger(__name__)


class AppError(Exception):
    """A failure we can explain to the user: what was wrong and how to fix it."""

    status = 400
    title = _l("Request refused")
    headers: dict[str, str] = {}

    def __init__(self, message: str, *, hint: str = "", status: int | None = None, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.detail = detail  # for the log only: may name internals the page should not show
        if status is not None:
            self.status = status
        self.reference = secrets.token_hex(6)


class NotFound(AppError):
    status = 404
    title = _l("Not found")


class Forbidden(AppError):
    status = 403
    title = _l("Not allowed")


class InvalidInput(AppError):
    """A value typed in a form or on the command line that cannot be used; the page shows it next to the form."""


class ServiceUnavailable(AppError):
    status = 503
    title = _l("Service briefly unavailable")
    headers = {"Retry-After": "60"}  # seconds (RFC 9110 §10.2.3), as the page says


def answers_json(view):
    """Marks a view whose callers are programs (verifiers, backpacks, platforms): its errors answer JSON."""
    view.answers_json = True
    return view


def wants_json() -> bool:
    """The request's view answers JSON, or the client prefers JSON to a page."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if getattr(view, "answers_json", False):
        return True
    preferred = request.accept_mimetypes.best_match(["text/html", "application/json", "application/ld+json"])
    return preferred in ("application/json", "application/ld+json")


def render_error(error: AppError):
    """Log the error with its reference and show a page that explains it (JSON to programs).

    Every error page (AppError, 404, 413, 429, 500, a database out of reach) comes through here and keeps
    nothing of the request's writes: the boundary's commit (app.Tool.process_response) then has nothing to do.
    A rule that must keep a write though the request is refused commits it itself, saying why.
    """
    db.session.rollback()
    log.warning(
        "refused %s %s: %s [%s] ref=%s %s",
        request.method, request.path, type(error).__name__, error.message, error.reference, error.detail,
    )
    if wants_json():
        body = {"error": str(error.title), "message": error.message, "reference": error.reference}
        response = make_response(jsonify({**body, "hint": error.hint} if error.hint else body), error.status)
    else:
        response = make_response(render_template("errors/error.html", error=error, title=str(error.title),
                                                 way_on=way_on()), error.status)
    response.headers.update(error.headers)
    return response


def way_on() -> dict:
    """Where an error page lets the person go on, never a dead end: back to the page they came from, only if it is
    one of this site's (another site's address is not ours to link; the page offers the browser's Back instead), and
    their path when the request belongs to a launch (its link carries the launch's token). Without a launch the page
    says to open the tool again from the LMS; the installation admin's pages lead to the admin overview."""
    return {"back_url": _same_origin_referrer(), "home_url": home_url(), "admin_url": _admin_home()}


def _same_origin_referrer() -> str | None:
    referrer = request.referrer
    if not referrer:
        return None
    came_from, here = urlsplit(referrer), urlsplit(request.host_url)
    if (came_from.scheme, came_from.netloc) != (here.scheme, here.netloc) or came_from.scheme not in ("http", "https"):
        return None
    if came_from.path == request.path and came_from.query == request.query_string.decode("latin-1"):
        return None  # the failing page itself: going "back" to it fails again
    return referrer


def _admin_home() -> str | None:
    if not (request.path == "/admin" or request.path.startswith("/admin/")):
        return None
    try:
        return url_for("admin.overview")
    except BuildError:  # an app without the admin pages
        return None


# Connection failures carry no SQLSTATE (the client could not talk to the server); PostgreSQL's own refusals
# while it stops or starts are class 08 (connection exception) and 57P (operator intervention).
_UNREACHABLE_SQLSTATES = ("08", "57P")
_PASSWORDS_IN_TEXT = (re.compile(r"(password\s*=\s*)\S+", re.IGNORECASE), re.compile(r"(://[^:/@\s]*:)[^@\s]*(@)"))


def database_unreachable(error: OperationalError) -> bool:
    """The database could not be reached (down, restarting, refusing connections), as opposed to a failed query."""
    if error.connection_invalidated:
        return True
    sqlstate = getattr(error.orig, "sqlstate", "")  # psycopg's errors have one (None: client side); SQLite's none
    return sqlstate is None or str(sqlstate).startswith(_UNREACHABLE_SQLSTATES)


def describe_database_error(error: OperationalError) -> str:
    """The driver's first line (server, port, what failed), never the statement, its values or a password."""
    text = (str(error.orig).strip().splitlines() or [""])[0]
    for password in _PASSWORDS_IN_TEXT:  # libpq does not print them; a DSN quoted by some driver might
        text = password.sub(r"\1***\2" if password.groups == 2 else r"\1***", text)
    return f"database unreachable: {type(error.orig).__name__}: {text}"


# werkzeug's page titles and default explanations, in werkzeug's English, for the errors a user may meet.
HTTP_ERROR_TEXTS = {
    400: (_l("Bad Request"), _l("The browser (or proxy) sent a request that this server could not understand.")),
    404: (_l("Not Found"), _l(
        "The requested URL was not found on the server. If you entered the URL manually please check your spelling "
        "and try again."
    )),
    405: (_l("Method Not Allowed"), _l("The method is not allowed for the requested URL.")),
    429: (_l("Too Many Requests"), None),
    500: (_l("Internal Server Error"), _l(
        "The server encountered an internal error and was unable to complete your request. Either the server is "
        "overloaded or there is an error in the application."
    )),
}


def register_error_handlers(app):
    app.register_error_handler(AppError, render_error)

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        """The database is unreachable: a 503 page asking to try again in a minute, one warning in the log."""
        if not database_unreachable(error):
            raise error  # a failed query is a server error (500, with its traceback in the log)
        return render_error(ServiceUnavailable(
            str(_l("The service is briefly unavailable; try again in a minute.")),
            hint=str(_l("If it keeps happening, tell your college's support and give them the reference below.")),
            detail=describe_database_error(error),
        ))

    def refuse_nul_characters():
        """No text may hold a NUL character (PostgreSQL refuses it): refuse it clearly, before any query sees it."""
        if "\x00" in request.path:  # a URL's own values (`/badges/awards/<award_id>`) reach queries too
            raise AppError(str(_l("The address contains a NUL character, which no text may hold.")),
                           hint=str(_l("Remove the character from the address and open it again.")))
        for values in (request.args, request.form):
            for name, value in values.items(multi=True):
                if "\x00" in name or "\x00" in value:
                    raise AppError(str(_l("The request contains a NUL character, which no text may hold.")),
                                   hint=str(_l("Remove the character and send the request again.")))

    # Before CSRF's check (registered earlier), so a NUL gets this explanation whatever the method.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nul_characters)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        title, default_description = HTTP_ERROR_TEXTS.get(exc.code, (exc.name, None))
        uses_default = default_description is not None and exc.description == type(exc).description
        error = AppError(str(default_description) if uses_default else exc.description or exc.name, status=exc.code)
        error.title = title
        # Its own headers go with the page: a 429's Retry-After, a 405's Allow.
        error.headers = {name: value for name, value in exc.get_headers() if name.lower() != "content-type"}
        return render_error(error)
