"""HTTP plumbing shared by the LTI service routes (AGS, NRPS): the access-token guard and media types."""

import json
from functools import wraps

from flask import Response, request

from devlms.errors import ApiError
from devlms.lti.tokens import authorize_bearer


def requires_scope(*accepted_scopes: str):
    """Guard a service route: the call needs a valid access token with one of these scopes."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            authorize_bearer(request.headers.get("Authorization"), *accepted_scopes)
            return view(*args, **kwargs)

        return guarded

    return decorate


def require_media_type(media_type: str) -> None:
    """Refuse a request body that is not declared as the service's media type (as Moodle does)."""
    if request.mimetype != media_type:
        raise ApiError(f"Content-Type must be {media_type} (got {request.mimetype or 'none'!r})",
                       error="unsupported_media_type", status=415)


def document(body, media_type: str, *, status: int = 200, headers: dict | None = None) -> Response:
    """A JSON response under the service's own media type."""
    return Response(json.dumps(body), status=status, mimetype=media_type, headers=headers)
