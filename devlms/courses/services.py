"""Looking up the LMS's world: courses, users, enrolments, resource links; what the course page shows."""

from collections.abc import Mapping
from dataclasses import dataclass

from flask import url_for

from devlms.courses.models import Course, Deployment, Enrolment, ResourceLink, User
from devlms.errors import Forbidden, NotFound
from devlms.extensions import db
from devlms.lti.constants import CONTENT_EDITOR_ROLES, LEARNER
from devlms.lti.registration import find_tool

# Launch options the course page passes on to the launches it opens.
# storage=off: the page answers no platform-storage messages and launches do not offer them.
# tool=<client_id>: launch a tool registered through Dynamic Registration instead of the configured one.
LAUNCH_OPTIONS = ("tamper", "deployment", "locale", "storage", "tool")


@dataclass(frozen=True)
class ToolFrame:
    """The iframe in which the course page shows the tool."""

    src: str
    title: str


@dataclass(frozen=True)
class CoursePage:
    """What the course page shows."""

    course: Course
    editors: list[User]
    frame: ToolFrame | None
    # Test options (tamper, deployment, locale) kept in the page URL and passed on to every launch.
    launch_options: dict[str, str]
    # The only origin whose platform storage postMessages the page answers.
    tool_origin: str


def list_courses() -> list[Course]:
    """Every course, site by site."""
    return db.session.scalars(db.select(Course).order_by(Course.deployment_id, Course.id)).all()


def list_users() -> list[User]:
    """Every user of the LMS."""
    return db.session.scalars(db.select(User).order_by(User.id)).all()


def get_course(course_id: str) -> Course:
    """The course, or a 404 page."""
    return _get_or_404(Course, course_id, "course")


def get_user(user_id: str | None) -> User:
    """The user, or a 404 page."""
    if not user_id:
        raise NotFound("Choose a user: add ?user=<user id>, for example ?user=learner.")
    return _get_or_404(User, user_id, "user")


def get_resource_link(link_id: str) -> ResourceLink:
    """The resource link, or a 404 page."""
    return _get_or_404(ResourceLink, link_id, "resource link")


def find_enrolment(course_id: str, user_id: str) -> Enrolment | None:
    """The user's enrolment in the course, if any."""
    return db.session.scalar(db.select(Enrolment).filter_by(course_id=course_id, user_id=user_id))


def require_enrolment(course: Course, user: User) -> Enrolment:
    """The user's active enrolment in the course; an LMS launches only its members."""
    enrolment = find_enrolment(course.id, user.id)
    if enrolment is None or enrolment.status != "Active":
        raise Forbidden(f"User {user.id!r} is not an active member of course {course.id!r}.")
    return enrolment


def require_content_editor(course: Course, user: User) -> Enrolment:
    """The enrolment of a user who may add content to the course (instructors and course administrators)."""
    enrolment = require_enrolment(course, user)
    if not CONTENT_EDITOR_ROLES.intersection(enrolment.roles):
        raise Forbidden(f"User {user.id!r} may not add content to course {course.id!r}: only instructors may.")
    return enrolment


def is_gradable_learner(course_id: str, user_id: str) -> bool:
    """Whether the gradebook takes scores for this user: an active learner of the course."""
    enrolment = find_enrolment(course_id, user_id)
    return enrolment is not None and enrolment.status == "Active" and LEARNER in enrolment.roles


def course_page(course_id: str, args: Mapping[str, str]) -> CoursePage:
    """The course, its members who may add content, and the tool's iframe if the page opens one."""
    course = get_course(course_id)
    editors = [e.user for e in course.enrolments if CONTENT_EDITOR_ROLES.intersection(e.roles)]
    options = {name: args[name] for name in LAUNCH_OPTIONS if args.get(name)}
    return CoursePage(course, editors, _tool_frame(course, args, options), options, find_tool(args.get("tool")).origin)


def organisation_name(deployment_id: str) -> str | None:
    """The organisation of a deployment this LMS knows; None for made-up deployment ids."""
    deployment = db.session.get(Deployment, deployment_id)
    return deployment.organisation if deployment else None


def _tool_frame(course: Course, args: Mapping[str, str], options: dict[str, str]) -> ToolFrame | None:
    """The iframe the course page opens: a link launched (?link=&user=) or Deep Linking (?deep_link=1&user=)."""
    if args.get("link"):
        link, user = get_resource_link(args["link"]), get_user(args.get("user"))
        if link.course_id != course.id:
            raise NotFound(f"Course {course.id!r} has no resource link {link.id!r}.")
        return ToolFrame(url_for("lti.launch", link_id=link.id, user=user.id, **options),
                         f"{link.title}, launched as {user.display_name}")
    if args.get("deep_link"):
        user = get_user(args.get("user"))
        if args.get("accept_multiple") == "false":
            options = {**options, "accept_multiple": "false"}
        return ToolFrame(url_for("deep_linking.start", course_id=course.id, user=user.id, **options),
                         f"Add content (Deep Linking) as {user.display_name}")
    return None


def _get_or_404(model, key: str, kind: str):
    """A row by primary key, or a 404 page naming what was missing."""
    row = db.session.get(model, key)
    if row is None:
        raise NotFound(f"There is no {kind} {key!r}.")
    return row
