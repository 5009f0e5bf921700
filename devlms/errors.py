"""Typed refusals of the development LMS, and the one place they become HTTP responses."""

from flask import Flask, jsonify, render_template

from devlms.extensions import db


class DevLmsError(Exception):
    """A request the development LMS refuses; `status` is the HTTP status."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PageError(DevLmsError):
    """A refusal shown to a person as an HTML page, with each problem found listed."""

    title = "Request refused"

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


class NotFound(PageError):
    """The page asks for a course, link or user that does not exist."""

    status = 404
    title = "Not found"


class Forbidden(PageError):
    """The chosen user may not do this in this course."""

    status = 403
    title = "Not allowed"


class InvalidAuthRequest(PageError):
    """The tool's OIDC authentication request breaks a rule of the LTI 1.3 launch flow."""

    title = "Invalid authentication request"


class InvalidDeepLinkingResponse(PageError):
    """The tool's LtiDeepLinkingResponse cannot be accepted."""

    title = "Deep Linking response rejected"


class ApiError(DevLmsError):
    """A refusal of a service call, answered as JSON `{"error", "error_description"}`."""

    error = "invalid_request"

    def __init__(self, message: str, *, error: str | None = None, status: int | None = None):
        super().__init__(message)
        self.error = error or self.error
        self.status = status or self.status


class OAuthError(ApiError):
    """The token endpoint refuses a client-credentials request (RFC 6749 section 5.2 error codes)."""


class InvalidBearerToken(ApiError):
    """A service call without a valid access token for the scope it needs (RFC 6750)."""

    status = 401
    error = "invalid_token"


class InvalidServiceRequest(ApiError):
    """An AGS or NRPS call whose parameters or body break the service's rules."""


def register_error_handlers(app: Flask) -> None:
    """Answer pages with an HTML page and services with JSON, after dropping the request's changes."""

    @app.errorhandler(PageError)
    def page_error(error: PageError):
        db.session.rollback()
        return render_template("error.html", error=error), error.status

    @app.errorhandler(ApiError)
    def api_error(error: ApiError):
        db.session.rollback()
        response = jsonify(error=error.error, error_description=error.message)
        if isinstance(error, InvalidBearerToken):
            response.headers["WWW-Authenticate"] = f'Bearer error="{error.error}"'
        return response, error.status
