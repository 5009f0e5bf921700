"""The tool session after a launch: a partitioned cookie naming the Launch row, its locale and frame origins."""
from functools import wraps

from flask import g, request, session
from sqlalchemy import select

from app.clock import as_utc, current_clock
from app.errors import Forbidden
from app.extensions import db
from app.lti.models import Launch
from app.tenancy.roles import INSTRUCTOR

SESSION_KEY = "launch_id"


def open_tool_session(launch: Launch) -> None:
    """Start a fresh session for this launch (a new launch replaces whatever the browser had)."""
    session.clear()
    session[SESSION_KEY] = launch.id


def end_tool_session() -> None:
    session.pop(SESSION_KEY, None)


def load_launch_session() -> None:
    """Before each request: find the launch this browser's session names, if it is still valid."""
    g.launch = None
    launch_id = session.get(SESSION_KEY)
    if not launch_id or request.endpoint == "static":
        return
    launch = db.session.scalars(select(Launch).where(Launch.id == launch_id)).first()
    if launch is None or as_utc(launch.expires_at) < current_clock().now():
        end_tool_session()
        return
    g.launch = launch
    g.locale = launch.locale
    g.frame_ancestors = launch.deployment.frame_ancestors


def send_frame_ancestors(response):
    """Let only the LMS sites of the session's deployment frame our pages (CSP frame-ancestors)."""
    if "Content-Security-Policy" in response.headers:
        return response
    origins = getattr(g, "frame_ancestors", None)
    if origins:
        policy = "frame-ancestors 'self' " + " ".join(origins)
    elif request.blueprint == "lti":
        # Launch errors are shown inside whatever LMS framed the launch, before we know which one
        # it is; they carry no personal data, so any frame may show them.
        policy = "frame-ancestors *"
    else:
        policy = "frame-ancestors 'self'"
    response.headers["Content-Security-Policy"] = policy
    return response


def current_launch() -> Launch:
    """The launch behind this request, or a page telling the user to launch from the LMS."""
    launch = getattr(g, "launch", None)
    if launch is None:
        raise Forbidden(
            "Your session with REX VET Path has ended or never started.",
            hint="Open REX VET Path again from your course in the LMS.",
        )
    return launch


def launch_required(role: str | None = None):
    """Views that need a launch; role="instructor" also refuses learners."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            launch = current_launch()
            if role == INSTRUCTOR and launch.course_role != INSTRUCTOR:
                raise Forbidden("This page is for instructors of the course.")
            return view(*args, **kwargs)

        return wrapped

    return decorator
