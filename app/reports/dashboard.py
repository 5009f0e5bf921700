"""The instructor's course dashboard: every member of the course as a row of two matrices (their level in each area
and how they reached it; their state in each module), with badges and grade sync state.

Read-only queries, a fixed number per page whatever the course's size: one for the page of members with the
total, then one each for the page's progress, self-assessments, awards (its badges and demonstrated levels), grade
rows and the course's gradebook links. The members' progress figures are aggregated in the members query only
when a filter or the sort needs them; otherwise they are counted from the page's own progress rows. Sorting by an
area's or a module's column, or filtering by the level in an area, needs every selected member's placement in that
area or state in that module (the placement rule is not SQL): then only that is read for the whole selection (the
progress in those modules, the ratings of those statements, the demonstrated levels), the page is cut from it in
Python, and the page's rows are read as any page's.
"""
import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property

from sqlalchemy import Row, Select, and_, bindparam, func, literal, or_, select, true
from sqlalchemy.orm import Bundle, aliased

from app.badges.models import BadgeAward
from app.badges.submissions import demonstrated_levels_by_person, demonstrated_levels_in, waiting_in_course_subquery
from app.extensions import db
from app.grades.models import GradeSync
from app.learning.content.model import Area, Level, PathModel
from app.learning.models import ModuleAttempt, ModuleProgress, SelfAssessment, SelfRating
from app.learning.placement import Placement, completion_cap, place, place_in
from app.lti.tool_values import PATH_RESOURCE_ID
from app.models_base import among
from app.reports.access import reporting_course_read
from app.reports.models import ReportSettings
from app.tenancy.models import Course, Membership, Organisation, Person
from app.tenancy.roles import INSTRUCTOR, LEARNER

PAGE_SIZE = 50
MAX_PAGE = 1_000_000
ROLES = ("learner", "instructor", "all")
STATES = ("all", "not-started", "in-progress", "completed")
SORTS = ("name", "completed", "activity")  # besides "area:<area id>" and "module:<module id>", the matrices' columns
VIEWS = ("areas", "modules")
NOT_STARTED = "none"  # the level filter's value for "not started in this area"


@dataclass(frozen=True)
class Filters:
    role: str = "learner"
    state: str = "all"
    search: str = ""
    sort: str = "name"
    page: int = 1
    show_departed: bool = False
    view: str = "areas"
    descending: bool = False
    level_area: str = ""  # with `level`: only members at that level in this area
    level: str = ""  # a level id, or NOT_STARTED

    @classmethod
    def from_args(cls, args, path: PathModel | None = None) -> "Filters":
        """Filters from a query string; anything unknown falls back to the default (never an error page)."""
        def choice(name, allowed, default):
            value = args.get(name, default)
            return value if value in allowed else default

        try:
            # Past the last page is an empty page; past MAX_PAGE the offset would overflow the query (a 500).
            page = min(max(1, int(args.get("page", 1))), MAX_PAGE)
        except ValueError:
            page = 1
        areas = [area.id for area in path.areas] if path else []
        columns = ([f"area:{area}" for area in areas] + [f"module:{module.id}" for module in path.modules]
                   if path else [])
        sort = choice("sort", (*SORTS, *columns), "name")
        level_area = choice("level_area", areas, "")
        level = choice("level", [NOT_STARTED, *(level.id for level in path.levels)] if path else [], "")
        order = args.get("order")
        return cls(
            choice("role", ROLES, "learner"),
            choice("state", STATES, "all"),
            (args.get("q") or "").strip()[:100],
            sort,
            page,
            args.get("departed") == "1",
            choice("view", VIEWS, "areas"),
            order == "desc" if order in ("asc", "desc") else sort != "name",  # names A–Z, figures highest first
            level_area if level else "",
            level if level_area else "",
        )

    @property
    def computed(self) -> bool:
        """The sort or a filter needs every selected member's placement or modules, not only the page's."""
        return self.sort.startswith(("area:", "module:")) or bool(self.level_area)

    def query_args(self, **changes) -> dict:
        values = {"view": self.view if self.view != "areas" else None, "role": self.role, "state": self.state,
                  "q": self.search, "sort": self.sort,
                  "order": ("desc" if self.descending else "asc") if self.descending != (self.sort != "name") else None,
                  "level_area": self.level_area, "level": self.level, "page": self.page,
                  "departed": "1" if self.show_departed else None, **changes}
        return {name: value for name, value in values.items() if value not in (None, "")}

    def sorted_by(self, sort: str) -> dict:
        """The query of a column header's link: sorted by that column, the other way round if it already is."""
        default_descending = sort != "name"
        descending = not self.descending if self.sort == sort else default_descending
        return self.query_args(sort=sort, order=None if descending == default_descending else
                               ("desc" if descending else "asc"), page=None)

    def aria_sort(self, sort: str) -> str | None:
        if self.sort != sort:
            return None
        return "descending" if self.descending else "ascending"


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
    membership: Row  # of MEMBERSHIP_SHOWN: what the page shows of the membership
    person: Row  # of PERSON_SHOWN
    completed: list[str]
    in_progress: list[str]
    last_activity: datetime | None
    placements: list[Placement]
    self_rated: dict[str, object] | None  # area id → Level or None; None: not shown (organisation setting)
    assessed_at: datetime | None
    grades: GradeState
    badges: list[str] = field(default_factory=list)  # badge ids held (not revoked)
    # Module id → its attempts and result: for the modules view only (the other views and the CSV leave it empty).
    attempts: dict[str, "ModuleAttempts"] = field(default_factory=dict)

    @property
    def levels_reached(self) -> Counter:
        """Level id → in how many areas the member stands at it."""
        return Counter(placement.level.id for placement in self.placements if placement.level)

    @property
    def position(self) -> list[tuple[Level, list[Area]]]:
        """Each level the member stands at somewhere, highest first, with the areas where: the summary line."""
        by_level: dict[str, tuple[Level, list[Area]]] = {}
        for placement in self.placements:
            if placement.level:
                by_level.setdefault(placement.level.id, (placement.level, []))[1].append(placement.area)
        return sorted(by_level.values(), key=lambda found: -found[0].order)

    def placement_in(self, area_id: str) -> Placement | None:
        return next((placement for placement in self.placements if placement.area.id == area_id), None)

    def module_state(self, module_id: str) -> str:
        """completed | in_progress | none, for a module's cell."""
        return self.module_states.get(module_id, "none")

    @cached_property
    def module_states(self) -> dict[str, str]:
        """Module id → completed | in_progress, for the modules the member has started: one look-up per cell."""
        return {**dict.fromkeys(self.in_progress, "in_progress"), **dict.fromkeys(self.completed, "completed")}


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


def course_dashboard(course: Course, path: PathModel, filters: Filters, *, shows_self_assessments: bool,
                     everything: bool = False) -> Dashboard:
    """One page of the course's members (or all of them, for the CSV export) under the filters.

    `shows_self_assessments`: the organisation's setting (`course_shows_self_assessments`), read by the caller from
    the organisation it already holds: the page needs that row for its time zone anyway.
    """
    organisation_id = course.organisation_id
    members = _members_query(course, filters)
    whole = everything or filters.computed
    if whole:
        found = db.session.execute(members).all()
        total = len(found)
    else:
        # The total rides along on every row of the page (a window over the whole selection, before the limit).
        paged = members.add_columns(func.count().over()).limit(PAGE_SIZE).offset((filters.page - 1) * PAGE_SIZE)
        found = db.session.execute(paged).all()
        if found:
            total = found[0][-1]
        else:  # a page past the end: count apart
            total = db.session.scalar(select(func.count()).select_from(members.subquery())) if filters.page > 1 else 0
    if filters.computed:
        found = _select_and_sort(course, path, found, filters, shows_self_assessments)
        total = len(found)
        if not everything:
            found = found[(filters.page - 1) * PAGE_SIZE:filters.page * PAGE_SIZE]
    person_ids = [person.id for _, person, *_ in found]
    # Only the modules matrix shows how many attempts each module took (counted per progress row).
    with_attempts = filters.view == "modules" and not everything
    progress = _progress_by_person(organisation_id, person_ids, attempts=with_attempts)
    assessments = _latest_ratings(organisation_id, person_ids) if shows_self_assessments else {}
    badges = _badges_by_person(organisation_id, person_ids)
    # The page's badges tell its demonstrated levels too: one read of its awards.
    demonstrated = demonstrated_levels_in(
        (person_id, badge_id) for person_id, held in badges.items() for badge_id in held)
    standings = {}
    # Members alike in what places them (no module completed yet, the same ones, no self-assessment shown …) are
    # placed once, and not again on the next page: placing was most of the service's Python time for a page.
    path_placed = _placed_in(path)
    for _membership, person, *_progress_figures in found:
        completed = [p.module_id for p in progress[person.id] if p.completed_at]
        taken_at, ratings = assessments.get(person.id, (None, {}))
        shown = demonstrated.get(person.id) or {}
        alike = (frozenset(completed), frozenset(ratings.items()),
                 frozenset((area_id, frozenset(levels)) for area_id, levels in shown.items()))
        placements = path_placed.get(alike)
        if placements is None:
            placements = path_placed[alike] = place(path, ratings, alike[0], shown)
        standings[person.id] = (completed, placements, taken_at)
    page_ids = person_ids
    grades = _grades_by_person(course, page_ids)
    rows = []
    for membership, person, *_progress_figures in found:
        completed, placements, taken_at = standings[person.id]
        taken = progress[person.id]
        rows.append(
            MemberRow(
                membership,
                person,
                completed,
                [p.module_id for p in taken if not p.completed_at],
                max((p.updated_at for p in taken), default=None),
                placements,
                # The self-rated level of each area, as placing found it (path order, as path.areas).
                {placement.area.id: placement.self_rated for placement in placements}
                if shows_self_assessments and taken_at
                else None,
                taken_at,
                _grade_state(grades[person.id]),
                badges[person.id],
                {p.module_id: ModuleAttempts(p.attempts, p.score) for p in taken} if with_attempts else {},
            )
        )
    if everything:
        return Dashboard(course, filters, rows, total, shows_self_assessments)
    return Dashboard(course, filters, rows, total, shows_self_assessments, *_links_and_waiting(course))


# The placements of the latest path model (the content loaded at start) by what places a member: a pure function
# of those, so nothing to invalidate. Read and replaced as one tuple, so threads never mix two paths' entries;
# emptied when it grows past _PLACED_MAX (distinct standings of the pages shown, not members).
_placed: tuple[PathModel | None, dict[tuple, list[Placement]]] = (None, {})
_PLACED_MAX = 4096


def _placed_in(path: PathModel) -> dict[tuple, list[Placement]]:
    """The placements made so far for `path`; shared by the pages (the lists and placements are never changed)."""
    global _placed
    placed_path, placed = _placed
    if placed_path is not path or len(placed) > _PLACED_MAX:
        placed = {}
        _placed = (path, placed)
    return placed


def _select_and_sort(course: Course, path: PathModel, found: list, filters: Filters,
                     shows_self_assessments: bool) -> list:
    """The whole selection (in name order) cut to the level filter and sorted by an area's or a module's column.

    Only what the column and the filter need is read for the whole selection: the members' progress in those
    modules, their ratings of those areas' statements, their demonstrated levels; each member is placed in those
    areas alone. Python's sort is stable, also reversed: members alike in the column keep their name order.
    """
    organisation_id = course.organisation_id
    person_ids = [person.id for _, person, *_ in found]
    kind, _, column = filters.sort.partition(":")
    areas = [area for area in path.areas if area.id in (filters.level_area, column if kind == "area" else None)]
    modules = {module.id for area in areas for level in path.levels for module in path.modules_for(area.id, level.id)}
    if kind == "module":
        modules.add(column)
    progress = _progress_by_person(organisation_id, person_ids, attempts=False, module_ids=modules)
    statements = [statement.id for area in areas for level in path.levels for statement in area.statements_at(level.id)]
    assessments = (_latest_ratings(organisation_id, person_ids, statement_ids=statements)
                   if shows_self_assessments and areas else {})
    demonstrated = demonstrated_levels_by_person(organisation_id, person_ids) if areas else {}
    cap = completion_cap(path)
    placements: dict[tuple[int, str], Placement] = {}
    for person_id in person_ids:
        completed = frozenset(p.module_id for p in progress[person_id] if p.completed_at)
        ratings = assessments.get(person_id, (None, {}))[1]
        for area in areas:
            placements[person_id, area.id] = place_in(path, area, ratings, completed, demonstrated.get(person_id),
                                                      cap=cap)

    if filters.level_area:
        def matches(person_id: int) -> bool:
            level = placements[person_id, filters.level_area].level
            return (level.id if level else NOT_STARTED) == filters.level
        found = [row for row in found if matches(row[1].id)]
    if kind == "area":
        return sorted(found, key=lambda row: placements[row[1].id, column].order, reverse=filters.descending)
    if kind == "module":
        def state(person_id: int) -> tuple[int, int]:
            taken = next((p for p in progress[person_id] if p.module_id == column), None)
            if taken is None:
                return (0, 0)
            return (2, taken.score or 0) if taken.completed_at else (1, 0)
        return sorted(found, key=lambda row: state(row[1].id), reverse=filters.descending)
    return found


def _links_and_waiting(course: Course) -> tuple[list[GradebookLink], int]:
    """The course's links with scores, the whole path first (the dashboard says what the LMS shows for each), and
    its members' work waiting for a badge reviewer: one statement, a row per link, the count on each (and one row
    with no link when the course has none). The organisation's reporting course rides along on each row too, for
    the page's header (its skills-map link), which would otherwise read it apart."""
    found = db.session.execute(_links_and_waiting_query(),
                               {"organisation_id": course.organisation_id, "course_id": course.id}).all()
    reporting_course_read(course.organisation_id, found[0][3])
    gradebook = [GradebookLink(resource_id, label) for _, resource_id, label, _ in found if resource_id is not None]
    gradebook.sort(key=lambda link: (not link.is_path, link.label))
    return gradebook, found[0][0] or 0


@cache
def _links_and_waiting_query() -> Select:
    """Built once, with the organisation and course as bind parameters: building its subqueries (and their cache
    key) on every page cost more than running it."""
    organisation_id, course_id = bindparam("organisation_id"), bindparam("course_id")
    links = (select(GradeSync.resource_id, func.min(GradeSync.label).label("label"))
             .where(GradeSync.organisation_id == organisation_id, GradeSync.course_id == course_id)
             .group_by(GradeSync.resource_id).subquery())
    reporting_course = (select(ReportSettings.reporting_course_id)
                        .where(ReportSettings.organisation_id == organisation_id).scalar_subquery())
    return (select(waiting_in_course_subquery(organisation_id, course_id), links.c.resource_id, links.c.label,
                   reporting_course)
            .select_from(select(literal(1).label("one")).subquery().outerjoin(links, true())))


def course_shows_self_assessments(organisation: Organisation) -> bool:
    """Whether the organisation lets its courses' instructors see their learners' self-assessments."""
    return bool(organisation.instructors_see_self_assessments)


# What the page and the CSV show of each member, read as plain rows (row.membership.role, row.person.name): not
# as ORM objects, which cost the page more to load than to show (and their JSON columns to decode).
MEMBERSHIP_SHOWN = Bundle("membership", Membership.role, Membership.lms_status)
PERSON_SHOWN = Bundle("person", Person.id, Person.name, Person.email)


def _members_query(course: Course, filters: Filters):
    org = course.organisation_id
    query = (
        select(MEMBERSHIP_SHOWN, PERSON_SHOWN)
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
    if filters.sort == "name" and filters.descending:
        by_name = (Person.name.is_(None), Person.name.desc(), Person.subject.desc())
    if filters.state == "all" and filters.sort not in ("completed", "activity"):
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
    ascending = not filters.descending
    order = {
        "completed": (completed_count.asc() if ascending else completed_count.desc(), *by_name),
        "activity": (progress.c.last_activity.is_(None),
                     progress.c.last_activity.asc() if ascending else progress.c.last_activity.desc(), *by_name),
    }.get(filters.sort, by_name)
    return query.order_by(*order, Membership.id)


def _progress_by_person(organisation_id: int, person_ids: list[int], *, attempts: bool = True,
                        module_ids=None) -> dict[int, list]:
    """Per person, (module_id, completed_at, updated_at, score[, attempts]) of each module: only what the rows show.

    Without `attempts`, no count of each module's attempts (a subquery per progress row); with `module_ids`, those
    modules only: enough to place in an area and sort by a column.
    """
    found = defaultdict(list)
    columns = [ModuleProgress.person_id, ModuleProgress.module_id, ModuleProgress.completed_at,
               ModuleProgress.updated_at, ModuleProgress.score]
    if attempts:
        columns.append(select(func.count()).where(ModuleAttempt.progress_id == ModuleProgress.id)
                       .correlate(ModuleProgress).scalar_subquery().label("attempts"))
    if person_ids:
        for progress in db.session.execute(
            select(*columns)
            .where(ModuleProgress.organisation_id == organisation_id, among(ModuleProgress.person_id, person_ids),
                   *([ModuleProgress.module_id.in_(sorted(module_ids))] if module_ids is not None else []))
        ):
            found[progress.person_id].append(progress)
    return found


def _latest_ratings(organisation_id: int, person_ids: list[int],
                    statement_ids: list[str] | None = None) -> dict[int, tuple[datetime, dict[str, int]]]:
    """Per person, when they last took the self-assessment and its ratings: one query, whatever their number.

    With `statement_ids`, the latest taking is chosen as without them, but only those statements' ratings are read
    (a column's sort over a whole course needs one area's, not every rating of every member).
    """
    if not person_ids:
        return {}
    if statement_ids is not None:
        return _latest_ratings_of(organisation_id, person_ids, statement_ids)
    latest = _latest_taking_times(organisation_id, person_ids)
    takings: dict[int, dict[int, tuple[datetime, dict[str, int]]]] = defaultdict(dict)
    for person_id, assessment_id, taken_at, statement_id, rating in db.session.execute(
        select(SelfAssessment.person_id, SelfAssessment.id, SelfAssessment.taken_at, SelfRating.statement_id,
               SelfRating.rating)
        .join(latest, and_(SelfAssessment.person_id == latest.c.person_id,
                           SelfAssessment.taken_at == latest.c.taken_at))
        .join(SelfRating, SelfRating.self_assessment_id == SelfAssessment.id)
        .where(SelfAssessment.organisation_id == organisation_id)
    ):
        takings[person_id].setdefault(assessment_id, (taken_at, {}))[1][statement_id] = rating
    # Two takings at the same moment: the later one kept, as latest_self_assessment does.
    return {person_id: found[max(found)] for person_id, found in takings.items()}


def _latest_taking_times(organisation_id: int, person_ids: list[int]):
    """Per person, when they last took the self-assessment: a subquery (person_id, taken_at)."""
    return (select(SelfAssessment.person_id, func.max(SelfAssessment.taken_at).label("taken_at"))
            .where(SelfAssessment.organisation_id == organisation_id, among(SelfAssessment.person_id, person_ids))
            .group_by(SelfAssessment.person_id).subquery())


def _latest_ratings_of(organisation_id: int, person_ids: list[int],
                       statement_ids: list[str]) -> dict[int, tuple[datetime, dict[str, int]]]:
    """_latest_ratings reading only some statements' ratings: the same taking of each person (the latest one with a
    rating at all; of two at the same moment the later), its ratings of these statements."""
    latest = _latest_taking_times(organisation_id, person_ids)
    any_rating = aliased(SelfRating)
    rated = select(any_rating.id).where(any_rating.self_assessment_id == SelfAssessment.id).exists()
    takings: dict[int, dict[int, tuple[datetime, dict[str, int]]]] = defaultdict(dict)
    for person_id, assessment_id, taken_at, statement_id, rating in db.session.execute(
        select(SelfAssessment.person_id, SelfAssessment.id, SelfAssessment.taken_at, SelfRating.statement_id,
               SelfRating.rating)
        .join(latest, and_(SelfAssessment.person_id == latest.c.person_id,
                           SelfAssessment.taken_at == latest.c.taken_at))
        .outerjoin(SelfRating, and_(SelfRating.self_assessment_id == SelfAssessment.id,
                                    SelfRating.statement_id.in_(statement_ids)))
        .where(SelfAssessment.organisation_id == organisation_id, rated)
    ):
        ratings = takings[person_id].setdefault(assessment_id, (taken_at, {}))[1]
        if statement_id is not None:
            ratings[statement_id] = rating
    return {person_id: found[max(found)] for person_id, found in takings.items()}


def _grades_by_person(course: Course, person_ids: list[int]) -> dict[int, list[GradeSync]]:
    found = defaultdict(list)
    if person_ids:
        for sync in db.session.scalars(select(GradeSync).where(
                GradeSync.organisation_id == course.organisation_id, GradeSync.course_id == course.id,
                among(GradeSync.person_id, person_ids)).order_by(GradeSync.id)):
            found[sync.person_id].append(sync)
    return found


def _badges_by_person(organisation_id: int, person_ids: list[int]) -> dict[int, list[str]]:
    found = defaultdict(list)
    if person_ids:
        for person_id, badge_id in db.session.execute(select(BadgeAward.person_id, BadgeAward.badge_id).where(
                BadgeAward.organisation_id == organisation_id, among(BadgeAward.person_id, person_ids),
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
