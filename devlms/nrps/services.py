"""Names and Role Provisioning Services 2.0 on the platform side: a course's membership container."""

from devlms.courses.models import Course
from devlms.errors import InvalidServiceRequest
from devlms.extensions import db
from devlms.paging import Page, paginate
from devlms.urls import platform_url


def service_claim(course_id: str) -> dict:
    """The namesroleservice claim of a launch in this course."""
    return {
        "context_memberships_url": platform_url("nrps.memberships", course_id=course_id),
        "service_versions": ["2.0"],
    }


def membership_page(course_id: str, query) -> tuple[dict, Page]:
    """The membership container of a course (one page of it), filtered by `role`."""
    course = db.session.get(Course, course_id)
    if course is None:
        raise InvalidServiceRequest(f"there is no course {course_id!r}", error="not_found", status=404)
    role = query.get("role")
    members = [_member_json(enrolment) for enrolment in course.enrolments
               if not role or _has_role(enrolment.roles, role)]
    page = paginate(members, query, "nrps.memberships", course_id=course.id, role=role)
    container = {
        "id": platform_url("nrps.memberships", course_id=course.id),
        "context": {"id": course.id, "label": course.label, "title": course.title},
        "members": page.items,
    }
    return container, page


def _member_json(enrolment) -> dict:
    """A member: status, user_id and roles, plus name and email only where the user has them."""
    user = enrolment.user
    member = {
        "status": enrolment.status,
        "user_id": user.id,
        "roles": list(enrolment.roles),
        "name": user.name,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "email": user.email,
    }
    return {name: value for name, value in member.items() if value}


def _has_role(roles: list[str], wanted: str) -> bool:
    """Whether a member has the role, given as a full URI or a short context role name ("Learner").

    Case-insensitive, because pylti1p3 lower-cases the next-page URL it follows.
    """
    wanted = wanted.lower()
    return any(role.lower() == wanted or role.rsplit("#", 1)[-1].lower() == wanted for role in roles)
