"""Progress through modules: opening, sections gone through, answers, and completion (docs/path.md).

Every change goes through these functions. They lock the person's progress row for the module, so two tabs
or two launches cannot both complete it, and they send the learning signals of app.events inside the
transaction, so grade passback and badges record their work together with the progress (the caller commits).
Progress belongs to the person in their organisation, not to a course: it resumes in any launch or course.
"""
import logging
from collections.abc import Collection
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.errors import AppError
from app.events import module_completed, module_started, section_completed
from app.extensions import db
from app.learning.content.model import Activity, Module, Section
from app.learning.models import ActivityResponse, ModuleProgress, SectionSeen
from app.learning.scoring import InvalidAnswer, check_choices, is_correct, meets_completion_rule, module_score
from app.lti.models import Launch
from app.models_base import upsert_insert
from app.tenancy.services import scoped

log = logging.getLogger(__name__)

REFLECTION_MAX_CHARACTERS = 10_000


def _app():
    return current_app._get_current_object()


def find_progress(organisation_id: int, person_id: int, module_id: str, *, lock: bool = False) -> ModuleProgress | None:
    query = scoped(ModuleProgress, organisation_id).where(
        ModuleProgress.person_id == person_id, ModuleProgress.module_id == module_id
    )
    return db.session.scalars(query.with_for_update() if lock else query).first()


def progress_by_module(organisation_id: int, person_id: int) -> dict[str, ModuleProgress]:
    """Module id → the person's progress, for every module they opened (retired ones included)."""
    rows = db.session.scalars(scoped(ModuleProgress, organisation_id).where(ModuleProgress.person_id == person_id))
    return {progress.module_id: progress for progress in rows}


def completed_module_ids(organisation_id: int, person_id: int) -> frozenset[str]:
    """The modules the person completed; placement and badges read this."""
    return frozenset(db.session.scalars(
        select(ModuleProgress.module_id).where(
            ModuleProgress.organisation_id == organisation_id,
            ModuleProgress.person_id == person_id,
            ModuleProgress.completed_at.is_not(None),
        )
    ))


def open_module(launch: Launch, module: Module, *, now: datetime) -> ModuleProgress:
    """The person's progress in the module, started (and announced) the first time they open it."""
    values = dict(organisation_id=launch.organisation_id, person_id=launch.person_id, module_id=module.id)
    progress = find_progress(launch.organisation_id, launch.person_id, module.id)
    if progress is not None:
        return progress
    inserted = db.session.execute(
        upsert_insert(ModuleProgress)
        .values(**values, started_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=list(values))
    ).rowcount
    progress = find_progress(launch.organisation_id, launch.person_id, module.id)
    if inserted:  # another request may have started it a moment ago: only the one that did announces it
        log.info("person %s of organisation %s started module %s", launch.person_id, launch.organisation_id, module.id)
        module_started.send(_app(), launch=launch, module=module, progress=progress)
    return progress


def resume_section(module: Module, progress: ModuleProgress | None) -> Section:
    """Where the learner left off: the section they last opened, or the first one they have not gone through."""
    if progress is not None:
        last = module.section(progress.last_section_id or "")
        if last is not None:
            return last
        seen = progress.seen_section_ids
        return next((section for section in module.sections if section.id not in seen), module.sections[0])
    return module.sections[0]


def visit_section(launch: Launch, module: Module, section: Section, *, now: datetime) -> ModuleProgress:
    """Opening a section remembers it as the place to resume."""
    progress = open_module(launch, module, now=now)
    if progress.last_section_id != section.id:
        progress.last_section_id, progress.updated_at = section.id, now
    return progress


def complete_section(launch: Launch, module: Module, section: Section, *, now: datetime) -> ModuleProgress:
    """The learner went through the section ("Continue"); completes the module if that meets its rule."""
    progress = _locked_progress(launch, module, now=now)
    if section.id not in progress.seen_section_ids:
        progress.sections_seen.append(SectionSeen(section_id=section.id, seen_at=now))
        progress.updated_at = now
        db.session.flush()
        section_completed.send(_app(), launch=launch, module=module, progress=progress, section=section)
    _complete_if_due(launch, module, progress, now=now)
    return progress


def answer_activity(
    launch: Launch, module: Module, activity: Activity, *, chosen_ids: Collection[str] = (), text: str | None = None,
    now: datetime,
) -> ActivityResponse:
    """Keep the learner's latest answer (a retry replaces it) and complete the module if the rule is now met."""
    if activity.type == "reflection":
        text = (text or "").strip()
        if not text:
            raise AppError(_("Write your reflection before saving it."))
        if len(text) > REFLECTION_MAX_CHARACTERS:
            raise AppError(_("Your reflection is too long: keep it under %(count)s characters.",
                             count=REFLECTION_MAX_CHARACTERS))
        choices = []
    else:
        text = None
        try:
            choices = check_choices(activity, chosen_ids)
        except InvalidAnswer as problem:
            raise AppError(
                _("Choose one answer before checking it.") if activity.type in ("single_choice", "scenario")
                else _("Choose at least one answer before checking it.") if activity.type == "multiple_choice"
                else _("That answer is not one of this activity's choices."),
                detail=str(problem),
            ) from None
    progress = _locked_progress(launch, module, now=now)
    response = progress.response(activity.id)
    if response is None:
        response = ActivityResponse(activity_id=activity.id, attempts=0)
        progress.responses.append(response)
    response.chosen_ids, response.text = choices, text
    response.is_correct = is_correct(activity, choices)
    response.attempts += 1
    response.answered_at = progress.updated_at = now
    db.session.flush()
    _complete_if_due(launch, module, progress, now=now)
    return response


def current_score(module: Module, progress: ModuleProgress | None) -> int:
    """The score the learner's latest answers give now (the stored score is the one at completion)."""
    responses = progress.responses if progress else []
    return module_score(module, {response.activity_id: response.is_correct for response in responses})


def _locked_progress(launch: Launch, module: Module, *, now: datetime) -> ModuleProgress:
    db.session.expire(
        open_module(launch, module, now=now)
    )  # read it again under the lock: another tab may have changed it
    return find_progress(launch.organisation_id, launch.person_id, module.id, lock=True)


def _complete_if_due(launch: Launch, module: Module, progress: ModuleProgress, *, now: datetime) -> None:
    if progress.is_completed:
        return  # completion is recorded once; later retries change answers, not the completion
    score = current_score(module, progress)
    if not meets_completion_rule(module, progress.seen_section_ids, score):
        return
    progress.completed_at, progress.score = now, score
    db.session.flush()
    log.info("person %s of organisation %s completed module %s with score %s",
             launch.person_id, launch.organisation_id, module.id, score)
    module_completed.send(_app(), launch=launch, module=module, progress=progress)


def move_progress(sender, *, organisation_id: int, kept, merged) -> None:
    """When two records of a person are merged, their progress joins up: nothing either of them did is lost.

    A module only the merged person opened moves as it is. A module both opened keeps the kept person's row,
    gains the sections and answers only the merged one has, and is completed at the earlier completion.
    """
    kept_progress = progress_by_module(organisation_id, kept.id)
    for module_id, progress in progress_by_module(organisation_id, merged.id).items():
        target = kept_progress.get(module_id)
        if target is None:
            progress.person_id = kept.id
            continue
        seen = target.seen_section_ids
        for section in list(progress.sections_seen):
            if section.section_id not in seen:
                target.sections_seen.append(SectionSeen(section_id=section.section_id, seen_at=section.seen_at))
        answered = {response.activity_id for response in target.responses}
        for response in list(progress.responses):
            if response.activity_id not in answered:
                target.responses.append(ActivityResponse(
                    activity_id=response.activity_id, chosen_ids=response.chosen_ids, text=response.text,
                    is_correct=response.is_correct, attempts=response.attempts, answered_at=response.answered_at,
                ))
        if progress.completed_at and (target.completed_at is None or progress.completed_at < target.completed_at):
            target.completed_at, target.score = progress.completed_at, progress.score
        target.started_at = min(target.started_at, progress.started_at)
        db.session.delete(progress)
    db.session.flush()


def move_progress_to_organisation(sender, *, source_organisation_id: int, target_organisation_id: int, person,
                                  deployment_id: int | None, **_) -> None:
    """person_moved: a person who moves wholly takes their progress along (it is theirs, not a course's); one who
    stays in their organisation keeps it there."""
    if deployment_id is not None:
        return
    db.session.execute(
        update(ModuleProgress)
        .where(ModuleProgress.organisation_id == source_organisation_id, ModuleProgress.person_id == person.id)
        .values(organisation_id=target_organisation_id)
    )


def erase_progress(sender, *, organisation_id: int, person) -> None:
    """Erasing a person deletes their progress, sections gone through, answers and reflections."""
    for progress in progress_by_module(organisation_id, person.id).values():
        db.session.delete(progress)
