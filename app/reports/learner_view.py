"""One learner's path, read-only, for the instructors of a course they are in, or for a mentor the LMS names them to
(docs/dashboard.md): the level per area and how it was reached, the modules of each area with their state, the badges
held. Self-ratings count only where the organisation lets instructors see self-assessment summaries, and only for
an instructor; anyone else sees the levels reached by completed modules and demonstrated badges.
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.badges.models import BadgeAward
from app.badges.submissions import demonstrated_levels
from app.errors import NotFound
from app.extensions import db
from app.learning.content.model import Area, Level, Module, PathModel
from app.learning.models import ModuleProgress
from app.learning.placement import Placement, place
from app.learning.progress import progress_by_module
from app.learning.self_assessment import latest_self_assessment
from app.tenancy.models import Course, Membership, Person


@dataclass(frozen=True)
class ModuleState:
    module: Module
    level: Level
    progress: ModuleProgress | None

    @property
    def state(self) -> str:
        """completed | in_progress | none."""
        if self.progress is None:
            return "none"
        return "completed" if self.progress.completed_at else "in_progress"


@dataclass(frozen=True)
class AreaPath:
    placement: Placement
    modules: list[ModuleState]

    @property
    def area(self) -> Area:
        return self.placement.area


@dataclass(frozen=True)
class LearnerView:
    course: Course
    person: Person
    membership: Membership
    areas: list[AreaPath]
    badges: list[BadgeAward]
    shows_self_assessments: bool
    assessed_at: datetime | None

    @property
    def completed_count(self) -> int:
        return sum(1 for area in self.areas for module in area.modules if module.state == "completed")

    @property
    def module_count(self) -> int:
        return sum(len(area.modules) for area in self.areas)

    @property
    def position(self) -> list[tuple[Level, list[Area]]]:
        """Each level reached somewhere, highest first, with the areas where."""
        found: dict[str, tuple[Level, list[Area]]] = {}
        for area in self.areas:
            if area.placement.level:
                found.setdefault(area.placement.level.id, (area.placement.level, []))[1].append(area.area)
        return sorted(found.values(), key=lambda item: -item[0].order)


def course_member_or_404(course: Course, person_id: int) -> tuple[Person, Membership]:
    """The person and their membership of the course (of its organisation), or NotFound."""
    found = db.session.execute(
        select(Person, Membership).join(Membership, Membership.person_id == Person.id).where(
            Person.organisation_id == course.organisation_id, Membership.organisation_id == course.organisation_id,
            Membership.course_id == course.id, Person.id == person_id)
    ).first()
    if found is None:
        raise NotFound(_("No member %(id)s in this course.", id=person_id))
    return found[0], found[1]


def learner_view(course: Course, person_id: int, path: PathModel, *, shows_self_assessments: bool) -> LearnerView:
    """The member's path as their own path page computes it, with self-ratings only if `shows_self_assessments`."""
    person, membership = course_member_or_404(course, person_id)
    organisation_id = course.organisation_id
    progress = progress_by_module(organisation_id, person.id)
    completed = frozenset(module_id for module_id, row in progress.items() if row.completed_at)
    assessment = latest_self_assessment(organisation_id, person.id) if shows_self_assessments else None
    ratings = {rating.statement_id: rating.rating for rating in assessment.ratings} if assessment else {}
    placements = place(path, ratings, completed, demonstrated_levels(organisation_id, person.id))
    areas = [
        AreaPath(placement, [ModuleState(module, level, progress.get(module.id))
                             for level in path.levels for module in path.modules_for(placement.area.id, level.id)])
        for placement in placements
    ]
    badges = list(db.session.scalars(select(BadgeAward).where(
        BadgeAward.organisation_id == organisation_id, BadgeAward.person_id == person.id,
        BadgeAward.revoked_at.is_(None)).order_by(BadgeAward.awarded_at)))
    return LearnerView(course, person, membership, areas, badges, shows_self_assessments,
                       assessment.taken_at if assessment else None)
