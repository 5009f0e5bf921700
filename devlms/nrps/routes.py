"""NRPS 2.0 service endpoint: the course's membership container."""

from flask import Blueprint, request

from devlms.lti.constants import MEMBERSHIP_CONTAINER_TYPE, SCOPE_MEMBERSHIP_READONLY
from devlms.nrps.services import membership_page
from devlms.service_http import document, requires_scope

bp = Blueprint("nrps", __name__)


@bp.get("/lti/courses/<course_id>/memberships")
@requires_scope(SCOPE_MEMBERSHIP_READONLY)
def memberships(course_id: str):
    """The course's members, filtered by role and paged."""
    container, page = membership_page(course_id, request.args)
    return document(container, MEMBERSHIP_CONTAINER_TYPE, headers=page.link_header())
