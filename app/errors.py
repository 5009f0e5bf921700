"""Typed domain errors and their one mapping to HTTP responses and clear pages."""
import logging
import secrets

from flask import render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class AppError(Exception):
    """A failure we can explain to the user: what was wrong and how to fix it."""

    status = 400
    title = "Request refused"

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
    title = "Not found"


class Forbidden(AppError):
    status = 403
    title = "Not allowed"


def render_error(error: AppError):
    """Log the error with its reference and show a page that explains it."""
    log.warning(
        "refused %s %s: %s [%s] ref=%s %s",
        request.method, request.path, type(error).__name__, error.message, error.reference, error.detail,
    )
    return (
        render_template("errors/error.html", error=error, title=_(error.title)),
        error.status,
    )


def register_error_handlers(app):
    app.register_error_handler(AppError, render_error)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        error = AppError(exc.description or exc.name, status=exc.code)
        error.title = exc.name
        return render_error(error)
