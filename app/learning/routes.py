"""The learner's pages."""
from flask import Blueprint, render_template
from flask_babel import gettext as _

from app.lti.session import current_launch, launch_required

bp = Blueprint("learning", __name__)


@bp.get("/")
@launch_required()
def home():
    """Where the launch lands: who you are, in which course and role."""
    launch = current_launch()
    return render_template("learning/home.html", launch=launch, title=_("Your path"))
