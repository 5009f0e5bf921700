"""The self-assessment: a person rates the path's can-do statements; each taking is kept as dated history.

Who sees the ratings: the person; their organisation sees only aggregated figures (the skills map).

The self-rated level of an area (docs/path.md): climbing the levels in path order, a level is reached when
every statement of it is rated "on my own" or higher; the self-rated level is the last level reached before
the first level that is not (levels the area has no statements at are passed over). None: not started, below
the first level. Only statements of the current path.yaml count: ratings of retired statements stay in the
history but are ignored.
"""
import logging
from collections.abc import Mapping
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from app.errors import AppError
from app.events import self_assessment_recorded
from app.extensions import db
from app.learning.content.model import Area, Level, PathModel
from app.learning.models import SelfAssessment, SelfRating
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

log = logging.getLogger(__name__)


def latest_self_assessment(organisation_id: int, person_id: int) -> SelfAssessment | None:
    """The person's most recent taking, or None before their first."""
    return db.session.scalars(
        scoped(SelfAssessment, organisation_id)
        .where(SelfAssessment.person_id == person_id)
        .order_by(SelfAssessment.taken_at.desc(), SelfAssessment.id.desc())
    ).first()


def latest_ratings(organisation_id: int, person_id: int) -> dict[str, int]:
    """Statement id → rating of the person's most recent taking (empty before their first)."""
    assessment = latest_self_assessment(organisation_id, person_id)
    return {rating.statement_id: rating.rating for rating in assessment.ratings} if assessment else {}


def record_self_assessment(
    organisation_id: int, person_id: int, ratings: Mapping[str, int], *, path: PathModel, now: datetime
) -> SelfAssessment:
    """A new taking with these ratings, beside the earlier ones; statements left unrated are not stored."""
    get_scoped_or_404(Person, person_id, organisation_id)
    known = {statement.id for statement in path.statements}
    unknown = sorted(set(ratings) - known)
    off_scale = sorted(statement_id for statement_id, rating in ratings.items() if rating not in SCALE)
    if unknown or off_scale:
        raise AppError(
            _("The self-assessment could not be saved: it names statements or ratings the path does not have."),
            hint=_("Open the self-assessment again and rate the statements shown."),
            detail=f"unknown statements {unknown}, off-scale ratings {off_scale}",
        )
    if not ratings:
        raise AppError(_("Rate at least one statement to save a self-assessment."))
    assessment = SelfAssessment(organisation_id=organisation_id, person_id=person_id, taken_at=now)
    assessment.ratings = [
        SelfRating(statement_id=statement_id, rating=rating) for statement_id, rating in ratings.items()
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


def move_self_assessments(sender, *, organisation_id: int, kept, merged) -> None:
    """When an organisation admin merges two people, the merged one's self-assessments join the kept one's history."""
    db.session.execute(
        update(SelfAssessment)
        .where(SelfAssessment.organisation_id == organisation_id, SelfAssessment.person_id == merged.id)
        .values(person_id=kept.id)
    )


def move_self_assessments_to_organisation(sender, *, source_organisation_id: int, target_organisation_id: int, person,
                                          deployment_id: int | None, **_) -> None:
    """person_moved: a person who moves wholly takes their self-assessments along; one who stays keeps them."""
    if deployment_id is not None:
        return
    db.session.execute(
        update(SelfAssessment)
        .where(SelfAssessment.organisation_id == source_organisation_id, SelfAssessment.person_id == person.id)
        .values(organisation_id=target_organisation_id)
    )


def erase_self_assessments(sender, *, organisation_id: int, person) -> None:
    """Erasing a person deletes every self-assessment they took (the ratings go with them)."""
    for assessment in db.session.scalars(
        scoped(SelfAssessment, organisation_id).where(SelfAssessment.person_id == person.id)
    ):
        db.session.delete(assessment)
