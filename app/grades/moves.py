"""Grade passback rows when an LMS site moves to another organisation (app.tenancy.moves)."""
from sqlalchemy import select

from app.extensions import db
from app.grades.models import GradeSync
from app.tenancy.services import scoped


def move_grade_syncs_to_organisation(sender=None, *, source_organisation_id: int, target_organisation_id: int,
                                     person, into_id: int, deployment_id: int | None, **_) -> None:
    """person_moved: scores on their way to a gradebook go with the person (of the moved site: to their record in
    its new organisation). A line item that record already has a row for keeps that row, as a merge does."""
    syncs = scoped(GradeSync, source_organisation_id).where(GradeSync.person_id == person.id)
    if deployment_id is not None:
        syncs = syncs.where(GradeSync.deployment_id == deployment_id)
    taken = set(db.session.scalars(select(GradeSync.line_item_key).where(
        GradeSync.organisation_id == target_organisation_id, GradeSync.person_id == into_id)))
    for sync in db.session.scalars(syncs):
        if sync.line_item_key in taken:
            db.session.delete(sync)
        else:
            sync.organisation_id, sync.person_id = target_organisation_id, into_id
