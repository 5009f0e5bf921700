"""The instructor's course dashboard: every member of the course with their position on the path, modules,
self-assessment summary (where the organisation allows it) and grade sync state.

Read-only queries, a fixed number per page whatever the course's size: one for the page of members with the
total, then one each for the page's progress, self-assessments, grade rows and badges. The members' progress
figures are aggregated in the members query only when a filter or the sort needs them; otherwise they are counted
from the page's own progress rows.
"""
import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from app.badges.models import BadgeAward
from app.badges.submissions import demonstrated_levels_by_person, waiting_in_course
from app.extensions import db
from app.grades.models import GradeSync
from app.learning.content.model import PathModel
from app.learning.models import ModuleAttempt, ModuleProgress, SelfAssessment
from app.learning.placement import Placement, place
from app.learning.self_assessment import self_rated_level
from app.lti.tool_values import PATH_RESOURCE_ID
from app.tenancy.models import Course, Membership, Organisation, Person
from app.tenancy.roles import INSTRUCTOR, LEARNER

PAGE_SIZE = 50
MAX_PAGE = 1_000_000
ROLES = ("learner", "instructor", "all")
STATES = ("all", "not-started", "in-progress", "completed")
SORTS = ("name", "completed", "activity")


@dataclass(frozen=True)
class Filters:
    role: str = "learner"
    state: str = "all"
    search: str = ""
    sort: str = "name"
    page: int = 1
    show_departed: bool = False

    @classmethod
    def from_args(cls, args) -> "Filters":
        """Filters from a query string; anything unknown falls back to the default (never an error page)."""
        def choice(name, allowed, default):
            value = args.get(name, default)
            return value if value in allowed else default

        try:
            # Past the last page is an empty page; past MAX_PAGE the offset would overflow the query (a 500).
            page = min(max(1, int(args.get("page", 1))), MAX_PAGE)
        except ValueError:
            page = 1
        return cls(
            choice("role", ROLES, "learner"),
            choice("state", STATES, "all"),
            (args.get("q") or "").strip()[:100],
            choice("sort", SORTS, "name"),
            page,
            args.get("departed") == "1",
        )

    def query_args(self, **changes) -> dict:
        values = {"role": self.role, "state": self.state, "q": self.search, "sort": self.sort, "page": self.page,
                  "departed": "1" if self.show_departed else None, **changes}
        return {name: value for name, value in values.items() if value not in (None, "")}


@dataclass
class GradeState:
    state: str  # sent | pending | failed | not_sent | none
    syncs: list[GradeSync] = field(default_factory=list)

    @property
    def failed(self) -> list[GradeSync]:
        return [sync for sync in self.syncs if sync.status == GradeSync.FAILED]

    @property
    def next_attempt_at(self) -> datetime | None:
        times = [
            sync.next_attempt_at for sync in self.syncs if sync.status == GradeSync.PENDING and sync.next_attempt_at
        ]
        return min(times) if times else None


@dataclass
class MemberRow:
    membership: Membership
    person: Person
    completed: list[str]
    in_progress: list[str]
    last_activity: datetime | None
    placements: list[Placement]
    self_rated: dict[str, object] | None  # area id → Level or None; None: not shown (organisation setting)
    assessed_at: datetime | None
    grades: GradeState
    badges: list[str] = field(default_factory=list)  # badge ids held (not revoked)
    attempts: dict[str, "ModuleAttempts"] = field(default_factory=dict)  # module id → its attempts and result

    @property
    def levels_reached(self) -> Counter:
        """Level id → in how many areas the member stands at it."""
        return Counter(placement.level.id for placement in self.placements if placement.level)


@dataclass(frozen=True)
class ModuleAttempts:
    """How a member took one module: the attempts so far and the result (the best completed attempt's score)."""

    count: int
    result: int | None


@dataclass(frozen=True)
class GradebookLink:
    """A link of the course that the tool sends scores to: a module's, or the whole path's."""

    resource_id: str  # a module id, or PATH_RESOURCE_ID
    label: str

    @property
    def is_path(self) -> bool:
        return self.resource_id == PATH_RESOURCE_ID


@dataclass
class Dashboard:
    course: Course
    filters: Filters
    rows: list[MemberRow]
    total: int
    shows_self_assessments: bool
    links: list[GradebookLink] = field(default_factory=list)  # what the LMS gradebook shows, per link
    waiting_submissions: int = 0  # the course's members' work for demonstrated badges, waiting for a reviewer

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def course_dashboard(course: Course, path: PathModel, filters: Filters, *, everything: bool = False) -> Dashboard:
    """One page of the course's members (or all of them, for the CSV export) under the filters."""
    shows_self_assessments = course_shows_self_assessments(course)
    members = _members_query(course, filters)
    # The total rides along on every row of the page (a window over the whole selection, before the limit).
    paged = members.add_columns(func.count().over())
    if not everything:
        paged = paged.limit(PAGE_SIZE).offset((filters.page - 1) * PAGE_SIZE)
    found = db.session.execute(paged).all()
    if found:
        total = found[0][-1]
    else:  # a page past the end: count apart
        total = db.session.scalar(select(func.count()).select_from(members.subquery())) if filters.page > 1 else 0
    person_ids = [person.id for _, person, *_ in found]
    progress = _progress_by_person(course.organisation_id, person_ids)
    assessments = _latest_assessments(course.organisation_id, person_ids) if shows_self_assessments else {}
    grades = _grades_by_person(course, person_ids)
    badges = _badges_by_person(course.organisation_id, person_ids)
    demonstrated = demonstrated_levels_by_person(course.organisation_id, person_ids)
    rows = []
    for membership, person, *_progress_figures in found:
        completed = [p.module_id for p in progress[person.id] if p.completed_at]
        in_progress = [p.module_id for p in progress[person.id] if not p.completed_at]
        last_activity = max((p.updated_at for p in progress[person.id]), default=None)
        assessment = assessments.get(person.id)
        ratings = {rating.statement_id: rating.rating for rating in assessment.ratings} if assessment else {}
        rows.append(
            MemberRow(
                membership,
                person,
                completed,
                in_progress,
                last_activity,
                place(path, ratings, frozenset(completed), demonstrated.get(person.id)),
                {area.id: self_rated_level(area, path.levels, ratings) for area in path.areas}
                if shows_self_assessments and assessment
                else None,
                assessment.taken_at if assessment else None,
                _grade_state(grades[person.id]),
                badges[person.id],
                {p.module_id: ModuleAttempts(p.attempts, p.score) for p in progress[person.id]},
            )
        )
    return Dashboard(course, filters, rows, total, shows_self_assessments,
                     [] if everything else _gradebook_links(course),
                     0 if everything else waiting_in_course(course.organisation_id, course.id))


def _gradebook_links(course: Course) -> list[GradebookLink]:
    """The course's links with scores, the whole path first: the dashboard says what the LMS shows for each."""
    found = db.session.execute(
        select(GradeSync.resource_id, func.min(GradeSync.label)).where(
            GradeSync.organisation_id == course.organisation_id, GradeSync.course_id == course.id)
        .group_by(GradeSync.resource_id)
    ).all()
    links = [GradebookLink(resource_id, label) for resource_id, label in found]
    return sorted(links, key=lambda link: (not link.is_path, link.label))


def course_shows_self_assessments(course: Course) -> bool:
    return bool(db.session.get(Organisation, course.organisation_id).instructors_see_self_assessments)


def _members_query(course: Course, filters: Filters):
    org = course.organisation_id
    query = (
        select(Membership, Person)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.organisation_id == org, Membership.course_id == course.id)
    )
    if filters.role == "learner":
        query = query.where(Membership.role == LEARNER)
    elif filters.role == "instructor":
        query = query.where(Membership.role == INSTRUCTOR)
    if not filters.show_departed:
        query = query.where(or_(Membership.lms_status.is_(None), Membership.lms_status != "Deleted"))
    if filters.search:
        pattern = "%" + filters.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(Person.name.ilike(pattern, escape="\\"), Person.email.ilike(pattern, escape="\\")))
    by_name = (Person.name.is_(None), Person.name, Person.subject)
    if filters.state == "all" and filters.sort == "name":
        return query.order_by(*by_name, Membership.id)  # no progress figures needed to choose the page
    # Counted for the course's members only, not for everyone in the organisation.
    members = select(Membership.person_id).where(Membership.course_id == course.id)
    progress = (select(ModuleProgress.person_id, func.count(ModuleProgress.completed_at).label("completed"),
                       func.count().label("started"), func.max(ModuleProgress.updated_at).label("last_activity"))
                .where(ModuleProgress.organisation_id == org, ModuleProgress.person_id.in_(members))
                .group_by(ModuleProgress.person_id).subquery())
    completed_count = func.coalesce(progress.c.completed, 0)
    started_count = func.coalesce(progress.c.started, 0)
    query = (query.add_columns(completed_count, started_count, progress.c.last_activity)
             .outerjoin(progress, progress.c.person_id == Membership.person_id))
    if filters.state == "not-started":
        query = query.where(started_count == 0)
    elif filters.state == "in-progress":
        query = query.where(started_count > completed_count)
    elif filters.state == "completed":
        query = query.where(completed_count > 0)
    order = {
        "name": by_name,
        "completed": (completed_count.desc(), *by_name),
        "activity": (progress.c.last_activity.is_(None), progress.c.last_activity.desc(), Person.name, Person.subject),
    }[filters.sort]
    return query.order_by(*order, Membership.id)


def _progress_by_person(organisation_id: int, person_ids: list[int]) -> dict[int, list]:
    """Per person, (module_id, completed_at, updated_at, score, attempts) of each module: only what the rows show."""
    found = defaultdict(list)
    attempts = (select(func.count()).where(ModuleAttempt.progress_id == ModuleProgress.id)
                .correlate(ModuleProgress).scalar_subquery())
    if person_ids:
        for progress in db.session.execute(
            select(
                ModuleProgress.person_id,
                ModuleProgress.module_id,
                ModuleProgress.completed_at,
                ModuleProgress.updated_at,
                ModuleProgress.score,
                attempts.label("attempts"),
            ).where(ModuleProgress.organisation_id == organisation_id, ModuleProgress.person_id.in_(person_ids))
        ):
            found[progress.person_id].append(progress)
    return found


def _latest_assessments(organisation_id: int, person_ids: list[int]) -> dict[int, SelfAssessment]:
    if not person_ids:
        return {}
    latest = (select(SelfAssessment.person_id, func.max(SelfAssessment.taken_at).label("taken_at"))
              .where(SelfAssessment.organisation_id == organisation_id, SelfAssessment.person_id.in_(person_ids))
              .group_by(SelfAssessment.person_id).subquery())
    assessments = db.session.scalars(
        select(SelfAssessment).join(latest, and_(SelfAssessment.person_id == latest.c.person_id,
                                                 SelfAssessment.taken_at == latest.c.taken_at))
        .where(SelfAssessment.organisation_id == organisation_id)
        .options(selectinload(SelfAssessment.ratings))
    ).all()
    return {assessment.person_id: assessment for assessment in assessments}


def _grades_by_person(course: Course, person_ids: list[int]) -> dict[int, list[GradeSync]]:
    found = defaultdict(list)
    if person_ids:
        for sync in db.session.scalars(select(GradeSync).where(
                GradeSync.organisation_id == course.organisation_id, GradeSync.course_id == course.id,
                GradeSync.person_id.in_(person_ids)).order_by(GradeSync.id)):
            found[sync.person_id].append(sync)
    return found


def _badges_by_person(organisation_id: int, person_ids: list[int]) -> dict[int, list[str]]:
    found = defaultdict(list)
    if person_ids:
        for person_id, badge_id in db.session.execute(select(BadgeAward.person_id, BadgeAward.badge_id).where(
                BadgeAward.organisation_id == organisation_id, BadgeAward.person_id.in_(person_ids),
                BadgeAward.revoked_at.is_(None)).order_by(BadgeAward.awarded_at)):
            found[person_id].append(badge_id)
    return found


def _grade_state(syncs: list[GradeSync]) -> GradeState:
    if not syncs:
        return GradeState("none")
    if any(sync.status == GradeSync.FAILED for sync in syncs):
        return GradeState("failed", syncs)
    if any(not sync.is_synced and sync.status != GradeSync.NOT_SENT for sync in syncs):
        return GradeState("pending", syncs)
    if all(sync.status == GradeSync.NOT_SENT for sync in syncs):
        return GradeState("not_sent", syncs)
    return GradeState("sent", syncs)


def dashboard_csv(dashboard: Dashboard, path: PathModel) -> str:
    """Every member under the filters, one row each: the same facts as the page, for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    areas = list(path.areas)
    header = ["name", "email", "role", "lms_status", *[f"level: {area.title.english}" for area in areas],
              "modules_completed", "modules_in_progress", "badges", "last_activity", "grade_sync"]
    if dashboard.shows_self_assessments:
        header += [f"self-rated: {area.title.english}" for area in areas] + ["self_assessed_at"]
    writer.writerow([_safe_cell(text) for text in header])
    for row in dashboard.rows:
        levels = {
            placement.area.id: placement.level.title.english if placement.level else "" for placement in row.placements
        }
        line = [row.person.name or "", row.person.email or "", row.membership.role,
                row.membership.lms_status or "", *[levels.get(area.id, "") for area in areas],
                " ".join(row.completed), " ".join(row.in_progress), " ".join(row.badges),
                row.last_activity.isoformat() if row.last_activity else "", row.grades.state]
        if dashboard.shows_self_assessments:
            rated = row.self_rated or {}
            line += [rated[area.id].title.english if rated.get(area.id) else "" for area in areas]
            line += [row.assessed_at.isoformat() if row.assessed_at else ""]
        # Every cell, not only the names: a roster status, a level or badge title can start with = as well.
        writer.writerow([_safe_cell(cell) for cell in line])
    return out.getvalue()


def _safe_cell(value: str) -> str:
    """A spreadsheet must not run a name as a formula (CSV injection): such a cell starts with a quote."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
