"""The self-assessment: a person rates the path's can-do statements; each taking is kept as dated history.

Who sees the ratings: the person; their organisation sees only aggregated figures (the skills map).

The self-rated level of an area (docs/path.md): climbing the levels in path order, a level is reached when
every statement of it is rated "on my own" or higher; the self-rated level is the last level reached before
the first level that is not (levels the area has no statements at are passed over). None: not started, below
the first level. Only statements of the current path.yaml count: ratings of retired statements stay in the
history but are ignored.

A taking is done one area per step (the steps: the path's areas that have statements, in path order). Each step is
saved to the person's draft (SelfAssessmentDraft) as they go, so they can leave and come back where they left off;
"Save and finish" turns the draft into a SelfAssessment. Drafts live in their own table, so every reader of
SelfAssessment (placement, the skills map, the dashboard, the history) sees finished takings only.
"""
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, delete, insert, or_, select, update

from app.errors import AppError, InvalidInput, NotFound
from app.events import self_assessment_recorded
from app.extensions import db
from app.learning.content.model import Area, Level, PathModel
from app.learning.models import SelfAssessment, SelfAssessmentDraft, SelfRatedLevel, SelfRating
from app.models_base import find_or_insert
from app.tenancy.models import Person
from app.tenancy.services import get_scoped_or_404, scoped

# The one fixed scale, lowest first: rating value → what the learner reads.
SCALE = {
    0: _l("Not yet"),
    1: _l("With help"),
    2: _l("On my own"),
    3: _l("Can guide others"),
}
ON_MY_OWN = 2

RATED, SKIPPED = "rated", "skipped"  # what the person did with a step, kept in the draft per area

log = logging.getLogger(__name__)


class EmptyStep(InvalidInput):
    """An area step sent with no rating at all (and not skipped): the step is shown again, saying so."""

    status = 422


class EmptyTaking(InvalidInput):
    """"Save and finish" with no rating in any area: a taking needs at least one."""

    status = 422


def latest_self_assessment(organisation_id: int, person_id: int) -> SelfAssessment | None:
    """The person's most recent finished taking, or None before their first (a taking in progress is a draft,
    kept elsewhere)."""
    return db.session.scalars(
        _latest_self_assessment(), {"organisation_id": organisation_id, "person_id": person_id}
    ).first()


@cache
def _latest_self_assessment() -> Select:
    """Built once: building it cost more than running it. (The path page reads the same taking in
    app.learning.path_reads, with the person's modules.)"""
    return (
        scoped(SelfAssessment, bindparam("organisation_id"))
        .where(SelfAssessment.person_id == bindparam("person_id"))
        .order_by(SelfAssessment.taken_at.desc(), SelfAssessment.id.desc())
        .limit(1)
    )


def latest_ratings(organisation_id: int, person_id: int) -> dict[str, int]:
    """Statement id → rating of the person's most recent taking (empty before their first)."""
    assessment = latest_self_assessment(organisation_id, person_id)
    return {rating.statement_id: rating.rating for rating in assessment.ratings} if assessment else {}


def record_self_assessment(
    organisation_id: int, person_id: int, ratings: Mapping[str, int], *, path: PathModel, now: datetime
) -> SelfAssessment:
    """A new taking with these ratings, beside the earlier ones; statements left unrated are not stored."""
    get_scoped_or_404(Person, person_id, organisation_id)
    _checked_ratings(ratings, {statement.id for statement in path.statements})
    if not ratings:
        raise AppError(_("Rate at least one statement to save a self-assessment."))
    assessment = SelfAssessment(organisation_id=organisation_id, person_id=person_id, taken_at=now)
    assessment.ratings = [
        SelfRating(statement_id=statement_id, rating=rating) for statement_id, rating in ratings.items()
    ]
    # Stored with the taking, in its transaction: the skills map reads these instead of every rating.
    assessment.levels_fingerprint = ladder_fingerprint(path)
    assessment.self_rated_levels = [
        SelfRatedLevel(area_id=area_id, level_order=order)
        for area_id, order in self_rated_orders(path, ratings).items() if order
    ]
    db.session.add(assessment)
    db.session.flush()
    self_assessment_recorded.send(current_app._get_current_object(), assessment=assessment)
    log.info(
        "person %s of organisation %s took the self-assessment: %d rating(s)", person_id, organisation_id, len(ratings)
    )
    return assessment


def self_rated_level(area: Area, levels: tuple[Level, ...], ratings: Mapping[str, int]) -> Level | None:
    """The highest level reached without a gap, every statement of it rated "on my own" or higher; None below the
    first."""
    reached = None
    for level in sorted(levels, key=lambda level: level.order):
        statements = area.statements_at(level.id)
        if not statements:
            continue
        if not all(ratings.get(statement.id, 0) >= ON_MY_OWN for statement in statements):
            break
        reached = level
    return reached


def self_rated_orders(path: PathModel, ratings: Mapping[str, int]) -> dict[str, int]:
    """Area id → the order of its self-rated level (0: not started), for every area of the path."""
    return {area.id: level.order if (level := self_rated_level(area, path.levels, ratings)) else 0
            for area in path.areas}


_fingerprints: dict[int, tuple[PathModel, str]] = {}


def ladder_fingerprint(path: PathModel) -> str:
    """Names what self-rated levels depend on: the levels' orders and which statements sit at each level of each
    area. Stored levels are read only while the path has the fingerprint they were worked out with."""
    known = _fingerprints.get(id(path))
    if known is not None and known[0] is path:
        return known[1]
    ladder = [(area.id, [(level.id, level.order, sorted(statement.id for statement in area.statements_at(level.id)))
                         for level in sorted(path.levels, key=lambda level: (level.order, level.id))])
              for area in sorted(path.areas, key=lambda area: area.id)]
    fingerprint = hashlib.sha256(repr(ladder).encode()).hexdigest()[:32]
    _fingerprints.clear()  # one path model at a time in practice: a content reload replaces it
    _fingerprints[id(path)] = (path, fingerprint)
    return fingerprint


def store_self_rated_levels(path: PathModel, organisation_id: int | None = None, *, limit: int = 2000) -> int:
    """Store the self-rated levels of up to `limit` takings (of one organisation, or all) that have none for the
    path as it is now — takings saved before levels were stored, or before a content change — and flush; returns
    how many it stored (0: none is left). The rule is the one a taking saved now gets (self_rated_orders)."""
    fingerprint = ladder_fingerprint(path)
    stale = (select(SelfAssessment.id)
             .where(or_(SelfAssessment.levels_fingerprint.is_(None), SelfAssessment.levels_fingerprint != fingerprint))
             .order_by(SelfAssessment.id).limit(limit))
    if organisation_id is not None:
        stale = stale.where(SelfAssessment.organisation_id == organisation_id)
    ids = list(db.session.scalars(stale))
    if not ids:
        return 0
    ratings: dict[int, dict[str, int]] = {assessment_id: {} for assessment_id in ids}
    for assessment_id, statement_id, rating in db.session.execute(
        select(SelfRating.self_assessment_id, SelfRating.statement_id, SelfRating.rating)
        .where(SelfRating.self_assessment_id.in_(ids))
    ):
        ratings[assessment_id][statement_id] = rating
    db.session.execute(delete(SelfRatedLevel).where(SelfRatedLevel.self_assessment_id.in_(ids)))
    levels = [{"self_assessment_id": assessment_id, "area_id": area_id, "level_order": order}
              for assessment_id, taken in ratings.items()
              for area_id, order in self_rated_orders(path, taken).items() if order]
    if levels:
        db.session.execute(insert(SelfRatedLevel), levels)
    db.session.execute(update(SelfAssessment).where(SelfAssessment.id.in_(ids)).values(levels_fingerprint=fingerprint))
    db.session.flush()
    return len(ids)


@dataclass(frozen=True)
class Step:
    """One area of a taking as its step shows it: where it stands among the steps, pre-filled ratings, the draft."""

    area: Area
    number: int  # 1-based
    steps: tuple[Area, ...]
    ratings: Mapping[str, int]  # statement id → rating the step shows checked
    states: Mapping[str, str]  # area id → RATED or SKIPPED, for the areas saved in the draft
    reachable: frozenset[str]  # the areas the step list links to: those saved and the first not yet saved
    draft: SelfAssessmentDraft | None

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def previous(self) -> Area | None:
        return self.steps[self.number - 2] if self.number > 1 else None

    @property
    def next(self) -> Area | None:
        return self.steps[self.number] if self.number < self.total else None

    @property
    def is_last(self) -> bool:
        return self.number == self.total


def steps(path: PathModel) -> tuple[Area, ...]:
    """The areas a taking goes through, one per step: those with statements, in path order."""
    return tuple(area for area in path.areas if any(area.statements_at(level.id) for level in path.levels))


def area_statement_ids(path: PathModel, area: Area) -> set[str]:
    return {statement.id for level in path.levels for statement in area.statements_at(level.id)}


def current_draft(organisation_id: int, person_id: int) -> SelfAssessmentDraft | None:
    """The person's taking in progress, or None."""
    return db.session.scalars(
        scoped(SelfAssessmentDraft, organisation_id).where(SelfAssessmentDraft.person_id == person_id)
    ).first()


def step(path: PathModel, organisation_id: int, person_id: int, area_id: str | None = None) -> Step:
    """The step of this area; without one, the step where the person resumes: the first area their draft has not
    saved (the last area once all are). Pre-filled from the draft for an area it saved, else from the latest
    finished taking."""
    areas = steps(path)
    if not areas:
        raise NotFound(_("The path has no statements to rate yet."))
    draft = current_draft(organisation_id, person_id)
    states = {area.id: state for area in areas if (state := (draft.areas if draft else {}).get(area.id))}
    first_open = next((area for area in areas if area.id not in states), areas[-1])
    area = first_open if area_id is None else next((area for area in areas if area.id == area_id), None)
    if area is None:
        raise NotFound(_("The path has no area “%(area)s”.", area=area_id))
    in_area = area_statement_ids(path, area)
    source = draft.ratings if area.id in states else latest_ratings(organisation_id, person_id)
    return Step(
        area=area, number=areas.index(area) + 1, steps=areas,
        ratings={statement_id: rating for statement_id, rating in source.items() if statement_id in in_area},
        states=states, reachable=frozenset(states) | {first_open.id}, draft=draft,
    )


def _checked_ratings(ratings: Mapping[str, int], allowed: set[str]) -> None:
    unknown = sorted(set(ratings) - allowed)
    off_scale = sorted(statement_id for statement_id, rating in ratings.items() if rating not in SCALE)
    if unknown or off_scale:
        raise AppError(
            _("The self-assessment could not be saved: it names statements or ratings the path does not have."),
            hint=_("Open the self-assessment again and rate the statements shown."),
            detail=f"unknown statements {unknown}, off-scale ratings {off_scale}",
        )


def save_step(
    path: PathModel, organisation_id: int, person_id: int, area_id: str, ratings: Mapping[str, int], *,
    now: datetime, skip: bool = False, empty_ok: bool = False,
) -> SelfAssessmentDraft | None:
    """Keep one area's ratings in the person's draft (started on the first step saved), replacing what it had.

    `skip`: the person chose to rate nothing in this area this time. An area sent without a rating is refused
    (EmptyStep) unless `empty_ok` (going back a step), which keeps the draft as it was.
    """
    get_scoped_or_404(Person, person_id, organisation_id)
    area = next((area for area in steps(path) if area.id == area_id), None)
    if area is None:
        raise NotFound(_("The path has no area “%(area)s”.", area=area_id))
    in_area = area_statement_ids(path, area)
    _checked_ratings(ratings, in_area)
    draft = current_draft(organisation_id, person_id)
    if not ratings and not skip:
        if empty_ok:
            return draft
        raise EmptyStep(_("Rate at least one statement in this area, or choose “Skip this area”."))
    if draft is None:  # a double-click's two first steps race: find_or_insert lets one insert and both use it
        draft = find_or_insert(SelfAssessmentDraft, {"organisation_id": organisation_id, "person_id": person_id},
                               started_at=now, updated_at=now, ratings={}, areas={})
    # New dicts, not changes in place: a JSON column notices only a new value.
    kept = {statement_id: rating for statement_id, rating in draft.ratings.items() if statement_id not in in_area}
    draft.ratings = kept if skip else {**kept, **ratings}
    draft.areas = {**draft.areas, area.id: SKIPPED if skip else RATED}
    draft.updated_at = now
    db.session.flush()
    return draft


def finish_self_assessment(
    path: PathModel, organisation_id: int, person_id: int, *, now: datetime, ratings: Mapping[str, int] | None = None
) -> SelfAssessment:
    """The draft (with these ratings added, if any) becomes a finished taking; the draft goes.

    Areas the draft did not save stay unrated in the taking. Ratings of statements the path has retired since the
    draft was started are dropped. With no rating at all: EmptyTaking.
    """
    get_scoped_or_404(Person, person_id, organisation_id)
    ratings = dict(ratings or {})
    known = {statement.id for statement in path.statements}
    _checked_ratings(ratings, known)
    draft = current_draft(organisation_id, person_id)
    taken = {statement_id: rating for statement_id, rating in (draft.ratings if draft else {}).items()
             if statement_id in known}
    taken.update(ratings)
    if not taken:
        raise EmptyTaking(_("Rate at least one statement in one area to save your self-assessment."))
    assessment = record_self_assessment(organisation_id, person_id, taken, path=path, now=now)
    if draft is not None:
        db.session.delete(draft)
    return assessment


def draft_of_person(organisation_id: int, person_id: int) -> list[dict]:
    """The person's taking in progress for their data export (none, or one record)."""
    draft = current_draft(organisation_id, person_id)
    if draft is None:
        return []
    return [{"started_at": draft.started_at.isoformat(), "updated_at": draft.updated_at.isoformat(),
             "areas": dict(draft.areas), "ratings": dict(draft.ratings)}]


def discard_draft(organisation_id: int, person_id: int) -> None:
    """Start again: the taking in progress goes; finished takings stay."""
    draft = current_draft(organisation_id, person_id)
    if draft is not None:
        db.session.delete(draft)


def move_self_assessments(sender, *, organisation_id: int, kept, merged) -> None:
    """When an organisation admin merges two people, the merged one's self-assessments join the kept one's history;
    the merged one's draft goes to the kept one unless the kept one has a draft of their own (which stays)."""
    db.session.execute(
        update(SelfAssessment)
        .where(SelfAssessment.organisation_id == organisation_id, SelfAssessment.person_id == merged.id)
        .values(person_id=kept.id)
    )
    merged_draft = current_draft(organisation_id, merged.id)
    if merged_draft is not None:
        if current_draft(organisation_id, kept.id) is None:
            merged_draft.person_id = kept.id
        else:
            db.session.delete(merged_draft)
        db.session.flush()


def move_self_assessments_to_organisation(sender, *, source_organisation_id: int, target_organisation_id: int, person,
                                          deployment_id: int | None, **_) -> None:
    """person_moved: a person who moves wholly takes their self-assessments along; one who stays keeps them."""
    if deployment_id is not None:
        return
    for model in (SelfAssessment, SelfAssessmentDraft):
        db.session.execute(
            update(model)
            .where(model.organisation_id == source_organisation_id, model.person_id == person.id)
            .values(organisation_id=target_organisation_id)
        )


def erase_self_assessments(sender, *, organisation_id: int, person) -> None:
    """Erasing a person deletes every self-assessment they took (the ratings go with them) and their draft."""
    db.session.execute(
        delete(SelfAssessmentDraft)
        .where(SelfAssessmentDraft.organisation_id == organisation_id, SelfAssessmentDraft.person_id == person.id)
    )
    for assessment in db.session.scalars(
        scoped(SelfAssessment, organisation_id).where(SelfAssessment.person_id == person.id)
    ):
        db.session.delete(assessment)
