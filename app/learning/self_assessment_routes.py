"""The self-assessment's pages, on the learning blueprint: one area per step (saved as a draft as the learner goes),
the personal report of each finished taking and the history of takings. Learners (any launched person) only."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.clock import current_clock
from app.errors import AppError
from app.learning.content import path_model
from app.learning.routes import bp
from app.learning.self_assessment import (
    SCALE,
    EmptyStep,
    EmptyTaking,
    current_draft,
    discard_draft,
    finish_self_assessment,
    save_step,
    step,
)
from app.learning.self_assessment_report import report, takings
from app.lti.session import current_launch, launch_required

RATING_FIELD = "rating-"  # form field per statement: rating-<statement id>
NEXT, BACK, SKIP, FINISH = "next", "back", "skip", "finish"  # the step form's buttons (name "action")


def _posted_ratings() -> dict[str, int]:
    try:
        return {
            name.removeprefix(RATING_FIELD): int(value)
            for name, value in request.form.items() if name.startswith(RATING_FIELD)
        }
    except ValueError:
        raise AppError(_("A rating must be one of the choices on the scale.")) from None


def _step_page(area_id: str | None = None, error: AppError | None = None):
    launch = current_launch()
    shown = step(path_model(), launch.organisation_id, launch.person_id, area_id)
    title = _("Self-assessment: area %(number)s of %(count)s", number=shown.number, count=shown.total)
    page = render_template("learning/self_assessment.html", path=path_model(), step=shown, scale=SCALE,
                           organisation=launch.organisation, error=error, title=title)
    return (page, error.status) if error else page


@bp.get("/self-assessment")
@launch_required()
def self_assessment():
    """The step where the learner resumes: the first area their taking in progress has not saved."""
    return _step_page()


@bp.get("/self-assessment/areas/<area_id>")
@launch_required()
def self_assessment_step(area_id):
    """One area's statements, pre-filled from the taking in progress, else from the latest finished taking."""
    return _step_page(area_id)


@bp.post("/self-assessment/areas/<area_id>")
@launch_required()
def save_self_assessment_step(area_id):
    """Save this area to the taking in progress, then go to the next or previous step, or finish the taking."""
    launch, path, now = current_launch(), path_model(), current_clock().now()
    action = request.form.get("action", NEXT)
    shown = step(path, launch.organisation_id, launch.person_id, area_id)
    try:
        save_step(path, launch.organisation_id, launch.person_id, area_id, _posted_ratings(), now=now,
                  skip=action == SKIP, empty_ok=action == BACK)
        if action == FINISH or (action == SKIP and shown.is_last):
            return _finish(finish_self_assessment(path, launch.organisation_id, launch.person_id, now=now))
    except EmptyStep as empty:
        # The last step's skip button says "and finish": name it as the learner sees it.
        last = EmptyStep(_("Rate at least one statement in this area, or choose “Skip this area and finish”."))
        return _step_page(area_id, last if shown.is_last else empty)
    except EmptyTaking as error:
        return _step_page(area_id, error)
    if action == BACK and shown.previous:
        return redirect(url_for("learning.self_assessment_step", area_id=shown.previous.id))
    if shown.next:
        return redirect(url_for("learning.self_assessment_step", area_id=shown.next.id))
    return redirect(url_for("learning.self_assessment_step", area_id=area_id))


@bp.post("/self-assessment")
@launch_required()
def save_self_assessment():
    """Finish the taking in progress, with any ratings posted here added (all areas at once, as a program may)."""
    launch = current_launch()
    try:
        assessment = finish_self_assessment(path_model(), launch.organisation_id, launch.person_id,
                                            now=current_clock().now(), ratings=_posted_ratings())
    except EmptyTaking as error:
        return _step_page(error=error)
    return _finish(assessment)


def _finish(assessment):
    flash(_("Your self-assessment is saved."), "success")
    return redirect(url_for("learning.self_assessment_report", assessment_id=assessment.id))


@bp.post("/self-assessment/restart")
@launch_required()
def restart_self_assessment():
    """Drop the taking in progress and start again at the first area (finished takings stay)."""
    launch = current_launch()
    discard_draft(launch.organisation_id, launch.person_id)
    return redirect(url_for("learning.self_assessment"))


@bp.get("/self-assessment/history")
@launch_required()
def self_assessment_history():
    """The learner's finished takings by date, each opening its report."""
    launch = current_launch()
    return render_template(
        "learning/self_assessment_history.html", takings=takings(launch.organisation_id, launch.person_id),
        draft=current_draft(launch.organisation_id, launch.person_id), title=_("Your self-assessments"),
    )


@bp.get("/self-assessment/takings/<int:assessment_id>")
@launch_required()
def self_assessment_report(assessment_id):
    """The personal report of one of the learner's own takings: level per area, then / now, what to do next."""
    launch = current_launch()
    return render_template(
        "learning/self_assessment_report.html", path=path_model(),
        report=report(path_model(), launch.organisation_id, launch.person_id, assessment_id),
        title=_("Your self-assessment report"),
    )
