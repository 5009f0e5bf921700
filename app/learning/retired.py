"""Ids that left the content files but are still in people's data: retired, kept in history, reported.

A module, statement or activity id that disappears from `modules/` is retired (docs/content.md): progress and
self-ratings that refer to it stay, placement and recommendations ignore it, and `flask content check` and the
admin's content page warn while stored data still refers to it, so an author who renamed an id by mistake
finds out before learners' history splits in two.
"""
from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.learning.content.model import PathModel
from app.learning.models import ModuleProgress, SelfAssessment, SelfRating


@dataclass(frozen=True)
class RetiredReference:
    kind: str  # "module" or "statement"
    id: str
    people: int  # how many people's records refer to it, across the installation

    def message(self) -> str:
        return (f"retired {self.kind} '{self.id}' is still in the data of {self.people} person(s): their history keeps "
                f"it — if the id was renamed by mistake, restore it in the files; otherwise nothing to do")


def retired_references(path: PathModel) -> list[RetiredReference]:
    """Every module and can-do statement id that stored data refers to but the path no longer has."""
    modules = db.session.execute(
        select(ModuleProgress.module_id, func.count(func.distinct(ModuleProgress.person_id)))
        .where(ModuleProgress.module_id.not_in([module.id for module in path.modules]))
        .group_by(ModuleProgress.module_id).order_by(ModuleProgress.module_id)
    )
    statements = db.session.execute(
        select(SelfRating.statement_id, func.count(func.distinct(SelfAssessment.person_id)))
        .join(SelfAssessment, SelfAssessment.id == SelfRating.self_assessment_id)
        .where(SelfRating.statement_id.not_in([statement.id for statement in path.statements]))
        .group_by(SelfRating.statement_id).order_by(SelfRating.statement_id)
    )
    return ([RetiredReference("module", module_id, people) for module_id, people in modules]
            + [RetiredReference("statement", statement_id, people) for statement_id, people in statements])
