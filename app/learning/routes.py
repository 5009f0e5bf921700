"""The learner's pages: the path (where am I, what next) and the module player (the self-assessment's are in
self_assessment_routes.py, on the same blueprint)."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.clock import current_clock
from app.errors import NotFound
from app.i18n import current_language
from app.learning.attempts import answers_needed
from app.learning.content import path_model
from app.learning.content.model import Module, Section
from app.learning.landing import module_entry
from app.learning.path_map import path_map
from app.learning.path_progress import path_progress
from app.learning.path_reads import path_reads
from app.learning.placement import learner_path
from app.learning.progress import (
    RestartRefused,
    StaleAnswer,
    answer_activity,
    complete_section,
    find_progress,
    restart_time,
    see_summary,
    start_new_attempt,
    visit_section,
)
from app.lti.landing import landing_of
from app.lti.session import current_launch, launch_required

bp = Blueprint("learning", __name__)

COMPLETED = "module-completed"  # the flash category of the completion banner (learning/_completion_banner.html)


@bp.get("/")
@launch_required()
def home():
    """The path page: first what to do next and how far along the path the learner is, then where they stand
    per area."""
    launch = current_launch()
    path = path_model()
    reads = path_reads(launch.organisation_id, launch.person_id)
    completed = reads.completed_module_ids
    learner = learner_path(path, launch.organisation_id, launch.person_id, assessment=reads.assessment,
                           completed_module_ids=completed)
    return render_template("learning/home.html", launch=launch, path=path, learner=learner, title=_("Your path"),
                           opened=reads.opened, completed_module_ids=completed, overall=path_progress(path, completed),
                           map_rows=path_map(path, learner, reads.opened, current_language()))


@bp.get("/start")
@launch_required()
def start():
    """Where a launch landed before its POST named the page itself (old bookmarks still open it): the page the
    launch asks for (app.lti.landing: the link's module, the path page, the Deep Linking picker, a mentor's
    mentees)."""
    landing = landing_of(current_launch())
    if landing.warning:
        flash(landing.warning, "warning")
    return redirect(landing.url())


def _module_or_404(module_id: str) -> Module:
    module = path_model().module(module_id)
    if module is None:
        raise NotFound(_("The path has no module “%(module)s”.", module=module_id),
                       hint=_("Go back to your path and choose a module there."))
    return module


def _section_or_404(module: Module, section_id: str) -> Section:
    section = module.section(section_id)
    if section is None:
        raise NotFound(_("The module has no section “%(section)s”.", section=section_id),
                       hint=_("Go back to the module's first section."))
    return section


@bp.get("/modules/<module_id>")
@launch_required()
def module(module_id):
    """A module opens where the learner left off, in this launch or an earlier one; a completed module opens at
    its summary (its result and what to do next), unless the learner is in a new attempt."""
    return redirect(module_entry(current_launch(), _module_or_404(module_id)).url())


@bp.get("/modules/<module_id>/sections/<section_id>")
@launch_required()
def section(module_id, section_id):
    """One screen of a module with its activities and the learner's answers."""
    launch = current_launch()
    module = _module_or_404(module_id)
    section = _section_or_404(module, section_id)
    progress = visit_section(launch, module, section, now=current_clock().now())
    return render_template("learning/section.html", module=module, section=section, progress=progress,
                           attempt=progress.current_attempt, path=path_model(), needed=answers_needed(module))


@bp.post("/modules/<module_id>/sections/<section_id>/done")
@launch_required()
def section_done(module_id, section_id):
    """"Continue": the section counts as gone through; on to the next one, or the module's summary after the last."""
    launch = current_launch()
    module = _module_or_404(module_id)
    section = _section_or_404(module, section_id)
    _announcing_completion(module, lambda: complete_section(launch, module, section, now=current_clock().now()))
    following = module.sections.index(section) + 1
    if following < len(module.sections):
        return redirect(url_for("learning.section", module_id=module.id, section_id=module.sections[following].id))
    return redirect(url_for("learning.module_summary", module_id=module.id))


@bp.post("/modules/<module_id>/sections/<section_id>/activities/<activity_id>")
@launch_required()
def answer(module_id, section_id, activity_id):
    """Keep an answer, then show the section again with its feedback."""
    launch = current_launch()
    module = _module_or_404(module_id)
    section = _section_or_404(module, section_id)
    activity = next((activity for activity in section.activities if activity.id == activity_id), None)
    if activity is None:
        raise NotFound(_("This section has no activity “%(activity)s”.", activity=activity_id))
    try:
        _announcing_completion(module, lambda: answer_activity(
            launch, module, activity, chosen_ids=request.form.getlist("choice"), text=request.form.get("text"),
            attempt_number=request.form.get("attempt", type=int), version_id=request.form.get("version"),
            now=current_clock().now(),
        ).attempt.progress)
    except StaleAnswer as stale:
        flash(stale.message, "warning")
        return redirect(url_for("learning.section", module_id=module.id, section_id=section.id,
                                _anchor=f"activity-{activity.id}"))
    return redirect(url_for("learning.section", module_id=module.id, section_id=section.id,
                            _anchor=f"feedback-{activity.id}"))


def _announcing_completion(module: Module, record):
    """Run `record` (a service call returning the progress); if it completed the module, the next page opens with
    the completion banner."""
    launch = current_launch()
    before = find_progress(launch.organisation_id, launch.person_id, module.id)
    was_completed = bool(before and before.is_completed)
    progress = record()
    if progress.is_completed and not was_completed:
        flash(module.id, COMPLETED)
    return progress


@bp.post("/modules/<module_id>/attempts")
@launch_required()
def new_attempt(module_id):
    """"Start a new attempt" on the summary: all scored activities fresh, from the first section."""
    launch = current_launch()
    module = _module_or_404(module_id)
    try:
        start_new_attempt(launch, module, now=current_clock().now())
    except RestartRefused as refused:
        flash(refused.message, "warning")
        return redirect(url_for("learning.module_summary", module_id=module.id))
    return redirect(url_for("learning.section", module_id=module.id, section_id=module.sections[0].id))


@bp.get("/modules/<module_id>/summary")
@launch_required()
def module_summary(module_id):
    """After the last section: this attempt's score and whether the rule holds, the module's result, every
    attempt, a new attempt when allowed, badges just earned, and the learner's reflections and checklists."""
    launch = current_launch()
    module = _module_or_404(module_id)
    progress = find_progress(launch.organisation_id, launch.person_id, module.id)
    if progress is None:
        return redirect(url_for("learning.module", module_id=module.id))
    now = current_clock().now()
    see_summary(launch, module, progress, now=now)
    restart_at = restart_time(module, progress)
    # The badges this completion earned come from the badges feature's template hook (new_badges(), app.badges).
    return render_template("learning/summary.html", module=module, progress=progress, path=path_model(),
                           attempt=progress.current_attempt, needed=answers_needed(module),
                           restart_at=restart_at if restart_at and restart_at > now else None)
