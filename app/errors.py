"""Typed domain errors and their one mapping to HTTP responses and clear pages."""
import logging
import secrets

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class AppError(Exception):
    """A failure we can explain to the user: what was wrong and how to fix it."""

    status = 400
    title = _l("Request refused")

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


def render_error(error: AppError):
    """Log the error with its reference and show a page that explains it."""
    log.warning(
        "refused %s %s: %s [%s] ref=%s %s",
        request.method, request.path, type(error).__name__, error.message, error.reference, error.detail,
    )
    return (
        render_template("errors/error.html", error=error, title=str(error.title)),
        error.status,
    )


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

    @app.before_request
    def refuse_nul_characters():
        """No text may hold a NUL character (PostgreSQL refuses it): refuse it clearly, before any query sees it."""
        for values in (request.args, request.form):
            for name, value in values.items(multi=True):
                if "\x00" in name or "\x00" in value:
                    raise AppError(str(_l("The request contains a NUL character, which no text may hold.")),
                                   hint=str(_l("Remove the character and send the request again.")))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        title, default_description = HTTP_ERROR_TEXTS.get(exc.code, (exc.name, None))
        uses_default = default_description is not None and exc.description == type(exc).description
        error = AppError(str(default_description) if uses_default else exc.description or exc.name, status=exc.code)
        error.title = title
        return render_error(error)
