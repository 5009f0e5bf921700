"""Progress through modules: opening, attempts, sections gone through, answers, and completion (docs/path.md).

Every change goes through these functions. They lock the person's progress row for the module, so two tabs
or two launches cannot both complete it, and they send the learning signals of app.events inside the
transaction, so grade passback and badges record their work together with the progress (the caller commits).
Progress belongs to the person in their organisation, not to a course: it resumes in any launch or course.
"""
import logging
import random
import secrets
from collections.abc import Collection
from datetime import datetime
from functools import cache

from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, select, update

from app.clock import as_utc
from app.errors import AppError
from app.events import module_completed, module_result_improved, module_started, section_completed
from app.extensions import db
from app.learning.attempts import PastAttempt, draw_versions, may_restart_at
from app.learning.content.model import Activity, Module, Section
from app.learning.models import ActivityResponse, ModuleAttempt, ModuleProgress, SectionSeen
from app.learning.scoring import InvalidAnswer, check_choices, is_correct, meets_completion_rule, module_score
from app.lti.models import Launch
from app.models_base import upsert_insert
from app.tenancy.services import scoped

log = logging.getLogger(__name__)

REFLECTION_MAX_CHARACTERS = 10_000


class StaleAnswer(AppError):
    """An answer from a page of an earlier attempt or version (a second tab, the back button, a replayed form)."""

    status = 409


class RestartRefused(AppError):
    status = 409


def _app():
    return current_app._get_current_object()


def find_progress(organisation_id: int, person_id: int, module_id: str, *, lock: bool = False) -> ModuleProgress | None:
    query = scoped(ModuleProgress, organisation_id).where(
        ModuleProgress.person_id == person_id, ModuleProgress.module_id == module_id
    )
    return db.session.scalars(query.with_for_update() if lock else query).first()


def progress_by_module(organisation_id: int, person_id: int) -> dict[str, ModuleProgress]:
    """Module id → the person's progress, for every module they opened (retired ones included)."""
    rows = db.session.scalars(_progress_of_person(), {"organisation_id": organisation_id, "person_id": person_id})
    return {progress.module_id: progress for progress in rows}


@cache
def _progress_of_person() -> Select:
    """Built once: building it cost more than running it (the learner view and merging people read it)."""
    return scoped(ModuleProgress, bindparam("organisation_id")).where(
        ModuleProgress.person_id == bindparam("person_id"))


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
    """The person's progress in the module, started (and announced) the first time they open it, with attempt 1."""
    values = dict(organisation_id=launch.organisation_id, person_id=launch.person_id, module_id=module.id)
    progress = find_progress(launch.organisation_id, launch.person_id, module.id)
    if progress is not None:
        if not progress.attempts:  # a row written without one (imported or generated data): attempt 1 now
            _new_attempt(module, progress, now=now)
        return progress
    inserted = db.session.execute(
        upsert_insert(ModuleProgress)
        .values(**values, started_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=list(values))
    ).rowcount
    progress = find_progress(launch.organisation_id, launch.person_id, module.id, lock=bool(inserted))
    if inserted:  # another request may have started it a moment ago: only the one that did announces it
        _new_attempt(module, progress, now=now)
        log.info("person %s of organisation %s started module %s", launch.person_id, launch.organisation_id, module.id)
        module_started.send(_app(), launch=launch, module=module, progress=progress)
    return progress


def _new_attempt(module: Module, progress: ModuleProgress, *, now: datetime) -> ModuleAttempt:
    earlier = [attempt.versions for attempt in progress.attempts]
    attempt = ModuleAttempt(
        number=len(progress.attempts) + 1, started_at=now, shuffle_seed=secrets.randbelow(2**31),
        score=module_score(module, {}),  # 0, or 100 for a module without scored activities
        versions=draw_versions(module, earlier, random.Random(secrets.randbits(64))),
    )
    progress.attempts.append(attempt)
    db.session.flush()
    return attempt


def start_new_attempt(launch: Launch, module: Module, *, now: datetime) -> ModuleAttempt:
    """A new attempt, all scored activities fresh, once the learner has seen the current one's summary; after the
    second failed attempt, only when the waiting time is over (app.learning.attempts)."""
    progress = _locked_progress(launch, module, now=now)
    current = progress.current_attempt
    if current.summary_seen_at is None:
        raise RestartRefused(_("Finish this attempt first: go through the sections to the module's summary."))
    starts_at = restart_time(module, progress)
    if starts_at is not None and now < starts_at:
        raise RestartRefused(
            _("You can start a new attempt at %(time)s. Use the time to read the sections again.",
              time=format_datetime(starts_at, "short")),  # in the learner's locale
        )
    attempt = _new_attempt(module, progress, now=now)
    progress.last_section_id, progress.updated_at = module.sections[0].id, now
    log.info("person %s of organisation %s started attempt %s of module %s",
             launch.person_id, launch.organisation_id, attempt.number, module.id)
    return attempt


def restart_time(module: Module, progress: ModuleProgress) -> datetime | None:
    """When the next attempt may start by the waiting rule (app.learning.attempts.may_restart_at); None: at once."""
    return may_restart_at(
        module, [PastAttempt(a.is_completed, as_utc(a.summary_seen_at)) for a in progress.attempts]
    )  # as_utc: SQLite hands the stored time back naive


def see_summary(launch: Launch, module: Module, progress: ModuleProgress, *, now: datetime) -> None:
    """The learner reached the summary of the current attempt: from now on it may be restarted."""
    attempt = progress.current_attempt
    if attempt is not None and attempt.summary_seen_at is None:
        attempt.summary_seen_at = now


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
    attempt = progress.current_attempt
    if section.id not in attempt.seen_section_ids:
        attempt.sections_seen.append(SectionSeen(section_id=section.id, seen_at=now))
        progress.updated_at = now
        db.session.flush()
        section_completed.send(_app(), launch=launch, module=module, progress=progress, section=section)
    _complete_if_due(launch, module, progress, now=now)
    return progress


def answer_activity(
    launch: Launch, module: Module, activity: Activity, *, chosen_ids: Collection[str] = (), text: str | None = None,
    attempt_number: int | None = None, version_id: str | None = None, now: datetime,
) -> ActivityResponse:
    """Keep the learner's answer in the current attempt and complete the module if the rule is now met.

    The first answer to a scored activity is kept apart and counts; a retry replaces only the latest answer (the
    feedback). `attempt_number` and `version_id` come from the page the answer was given on: an answer from a page
    of another attempt or version is refused, so a second tab or a replayed form records nothing.
    """
    if activity.type == "reflection":
        text = (text or "").strip()
        if not text:
            raise AppError(_("Write your reflection before saving it."))
        if len(text) > REFLECTION_MAX_CHARACTERS:
            raise AppError(_("Your reflection is too long: keep it under %(count)s characters.",
                             count=REFLECTION_MAX_CHARACTERS))
    else:
        text = None
    progress = _locked_progress(launch, module, now=now)
    attempt = progress.current_attempt
    shown = activity.version(attempt.version_id(activity.id)) or activity
    if (attempt_number is not None and attempt_number != attempt.number) or (
        version_id is not None and version_id != shown.id
    ):
        raise StaleAnswer(
            _("That answer was given on a page of another attempt at this module, so it was not recorded. You are on "
              "attempt %(number)s: here is the question as this attempt asks it.", number=attempt.number),
            detail=f"attempt {attempt_number}, version {version_id}; current {attempt.number}, {shown.id}",
        )
    choices = []
    if activity.type != "reflection":
        try:
            choices = check_choices(shown, chosen_ids)
        except InvalidAnswer as problem:
            raise AppError(
                _("Choose one answer before checking it.") if activity.type in ("single_choice", "scenario")
                else _("Choose at least one answer before checking it.") if activity.type == "multiple_choice"
                else _("That answer is not one of this activity's choices."),
                detail=str(problem),
            ) from None
    correct = is_correct(shown, choices)
    response = attempt.response(activity.id)
    if response is None:
        response = ActivityResponse(
            activity_id=activity.id, version_id=shown.id, first_chosen_ids=choices, first_correct=correct,
            first_answered_at=now, tries=0,
        )
        attempt.responses.append(response)
    elif response.chosen_ids == choices and response.text == text:
        return response  # the same answer again (a replayed form): nothing new to record
    response.chosen_ids, response.text, response.is_correct = choices, text, correct
    response.tries += 1
    response.answered_at = progress.updated_at = now
    attempt.score = module_score(module, {answer.activity_id: answer.first_correct for answer in attempt.responses})
    db.session.flush()
    _complete_if_due(launch, module, progress, now=now)
    return response


def current_score(module: Module, progress: ModuleProgress | None) -> int:
    """The current attempt's score so far (first answers); the module's result is `progress.score`."""
    attempt = progress.current_attempt if progress else None
    return attempt.score if attempt else 0


def _locked_progress(launch: Launch, module: Module, *, now: datetime) -> ModuleProgress:
    db.session.expire(
        open_module(launch, module, now=now)
    )  # read it again under the lock: another tab may have changed it
    return find_progress(launch.organisation_id, launch.person_id, module.id, lock=True)


def _complete_if_due(launch: Launch, module: Module, progress: ModuleProgress, *, now: datetime) -> None:
    """Completion is recorded once and never taken back; the module's result is the best completed attempt."""
    attempt = progress.current_attempt
    if not attempt.is_completed:
        if not meets_completion_rule(module, attempt.seen_section_ids, attempt.score):
            return
        attempt.completed_at = now
    if not progress.is_completed:
        progress.completed_at, progress.score = now, attempt.score
        db.session.flush()
        log.info("person %s of organisation %s completed module %s with score %s (attempt %s)",
                 launch.person_id, launch.organisation_id, module.id, attempt.score, attempt.number)
        module_completed.send(_app(), launch=launch, module=module, progress=progress)
    elif attempt.score > (progress.score or 0):
        progress.score = attempt.score
        db.session.flush()
        module_result_improved.send(_app(), launch=launch, module=module, progress=progress)


def move_progress(sender, *, organisation_id: int, kept, merged) -> None:
    """When two records of a person are merged, their progress joins up: nothing either of them did is lost.

    A module only the merged person opened moves as it is. A module both opened keeps the kept person's row and
    gains the merged one's attempts: all attempts in the order they started, the latest one current. It is
    completed at the earlier completion, with the better result.
    """
    kept_progress = progress_by_module(organisation_id, kept.id)
    for module_id, progress in progress_by_module(organisation_id, merged.id).items():
        target = kept_progress.get(module_id)
        if target is None:
            progress.person_id = kept.id
            continue
        attempts = sorted([*target.attempts, *progress.attempts],
                          key=lambda attempt: (as_utc(attempt.started_at), attempt.id))  # SQLite: naive on read
        for attempt in attempts:
            attempt.number = -attempt.id  # out of the way of the unique (progress, number) while renumbering
        db.session.flush()
        for number, attempt in enumerate(attempts, start=1):
            attempt.progress_id, attempt.number = target.id, number
        db.session.flush()
        db.session.expire(target, ["attempts"])
        db.session.expire(progress, ["attempts"])
        if progress.completed_at and (target.completed_at is None
                                      or as_utc(progress.completed_at) < as_utc(target.completed_at)):
            target.completed_at = progress.completed_at
        if progress.score is not None:
            target.score = max(target.score or 0, progress.score)
        target.started_at = min(as_utc(target.started_at), as_utc(progress.started_at))
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
