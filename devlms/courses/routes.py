"""The LMS's own pages: the course list, a course with its links and the launched tool, the return page."""

from flask import Blueprint, render_template, request

from devlms.courses.services import course_page, get_course, list_courses, list_users
from devlms.lti.tampering import TAMPER_OPTIONS

bp = Blueprint("courses", __name__)


@bp.get("/")
def index():
    """Every course, and the sample users to launch as."""
    return render_template("courses/index.html", courses=list_courses(), users=list_users())


@bp.get("/courses/<course_id>")
def course(course_id: str):
    """A course: its resource links with launch buttons, and the tool in an iframe once launched."""
    return render_template("courses/course.html", page=course_page(course_id, request.args),
                           tamper_options=TAMPER_OPTIONS)


@bp.get("/courses/<course_id>/return")
def tool_return(course_id: str):
    """The launch_presentation return_url: shows what the tool said (lti_msg, lti_errormsg, and logs)."""
    return render_template("courses/tool_return.html", course=get_course(course_id), messages=request.args)
