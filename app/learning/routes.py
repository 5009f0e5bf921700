"""The learner's pages: the path (where am I, what next) and the self-assessment."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.clock import current_clock
from app.errors import AppError
from app.extensions import db
from app.learning.placement import learner_path
from app.learning.self_assessment import SCALE, latest_ratings, record_self_assessment
from app.lti.session import current_launch, launch_required

bp = Blueprint("learning", __name__)

RATING_FIELD = "rating-"  # form field per statement: rating-<statement id>


def _path_model():
    return current_app.extensions["path_model"]


@bp.get("/")
@launch_required()
def home():
    """The path page: where the learner stands per area and the one module recommended next."""
    launch = current_launch()
    path = _path_model()
    # Completed modules arrive with the module player; until then placement rests on the self-assessment.
    learner = learner_path(path, launch.organisation_id, launch.person_id, completed_module_ids=frozenset())
    return render_template("learning/home.html", launch=launch, path=path, learner=learner, title=_("Your path"))


@bp.get("/self-assessment")
@launch_required()
def self_assessment():
    """The can-do statements of every area and level, pre-filled from the latest taking."""
    launch = current_launch()
    return render_template(
        "learning/self_assessment.html", path=_path_model(), scale=SCALE,
        ratings=latest_ratings(launch.organisation_id, launch.person_id), title=_("Self-assessment"),
    )


@bp.post("/self-assessment")
@launch_required()
def save_self_assessment():
    """Keep a new taking of the self-assessment and go back to the path."""
    launch = current_launch()
    try:
        ratings = {
            name.removeprefix(RATING_FIELD): int(value)
            for name, value in request.form.items() if name.startswith(RATING_FIELD)
        }
    except ValueError:
        raise AppError(_("A rating must be one of the choices on the scale.")) from None
    record_self_assessment(launch.organisation_id, launch.person_id, ratings, path=_path_model(), now=current_clock().now())
    db.session.commit()
    flash(_("Your self-assessment is saved."), "success")
    return redirect(url_for("learning.home"))
