"""What every request may hold and what every answer says about itself.

- Ids in URLs (`<int:…>`) stop at the largest value an id column holds: a larger number names nothing here
  (404), where PostgreSQL would refuse the query ("integer out of range") and SQLite's driver overflow.
- A request larger than MAX_CONTENT_LENGTH, or with more fields than MAX_FORM_PARTS, gets a 413 page that
  says so. Werkzeug counts the parts of a multipart form only; the fields of a URL-encoded form or a query
  string are counted here.
- Every answer carries `X-Content-Type-Options: nosniff`, and `Cache-Control: no-store` unless its view chose
  a caching policy itself (the tool's public key set, badge status lists, static files): pages and exports
  hold personal data that no browser or proxy cache should keep.
"""
from flask import current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from app.errors import AppError, render_error

# PostgreSQL's `integer`, the type of every id column (SQLite's is wider, so this bounds both).
LARGEST_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:…>` as before, but never past LARGEST_ID."""

    def __init__(self, map, fixed_digits=0, min=None, max=LARGEST_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def database_id(text: str) -> int:
    """An id from a form or query string (`request.form.get(name, type=database_id)`): one no id column can
    hold is a ValueError, so the value counts as absent rather than reaching a query."""
    value = int(text)
    if not 1 <= value <= LARGEST_ID:
        raise ValueError(f"{text!r} is not an id")
    return value


def _size(limit: int) -> str:
    for unit, name in ((1024 * 1024, "MiB"), (1024, "KiB"), (1000 * 1000, "MB"), (1000, "kB")):
        if limit % unit == 0:
            return f"{limit // unit} {name}"
    return f"{limit} B"


def too_large(error: RequestEntityTooLarge | None = None):
    """The 413 page: what the limits are and what to do."""
    config = current_app.config
    return render_error(AppError(
        # Flask's MAX_FORM_MEMORY_SIZE bounds the text of a form's fields (files aside) within MAX_CONTENT_LENGTH.
        str(_l("The request is too large: REX VET Path accepts at most %(size)s in one request, %(form_size)s of "
               "it as form text, and %(fields)s form fields.", size=_size(config["MAX_CONTENT_LENGTH"]),
               form_size=_size(config["MAX_FORM_MEMORY_SIZE"]), fields=config["MAX_FORM_PARTS"])),
        hint=str(_l("If your LMS sent it, its administrator can check what it sends; otherwise send less at once.")),
        status=413,
    ))


def accepts_upload(max_bytes: int):
    """Marks a view that takes a file upload: its request may be up to `max_bytes` (instead of MAX_CONTENT_LENGTH).
    Applied before anything reads the form (CSRF's check reads every field)."""

    def mark(view):
        view.upload_limit = max_bytes
        return view

    return mark


def refuse_too_many_fields() -> None:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if getattr(view, "upload_limit", None):
        request.max_content_length = view.upload_limit
    limit = current_app.config["MAX_FORM_PARTS"]
    if limit is None:
        return
    for fields in (request.args, request.form):
        if sum(len(values) for _name, values in fields.lists()) > limit:
            raise RequestEntityTooLarge()


def mark_answer(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


def init_http_limits(app) -> None:
    """Call before the features register their routes: the converter applies to rules added after it."""
    app.url_map.converters["int"] = IdConverter
    app.register_error_handler(RequestEntityTooLarge, too_large)
    # Before CSRF's check and the NUL check (registered earlier), which read every field.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_too_many_fields)
    app.after_request(mark_answer)
