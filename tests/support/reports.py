"""A generated organisation: a few hundred staff in overlapping courses, with launches, self-assessments taken
over the year and modules started and completed — all random but seeded, so every run sees the same world; and
every person's placement in it, for audits that compare the map's figures with the truth."""
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import String, and_, func, insert, literal, select

from app.extensions import db
from app.learning.models import ModuleProgress, SelfAssessment, SelfRating
from app.learning.self_assessment import store_self_rated_levels
from app.reports.models import LaunchRecord
from app.reports.skills_map import NOT_STARTED, WAY_NONE, constant_table, placed_levels_at
from app.tenancy.models import Course, Membership, Person
from tests.support.factories import World, make_world

YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # the FrozenClock's start


@dataclass
class GeneratedOrganisation:
    world: World
    courses: list[Course]
    people: list[int] = field(default_factory=list)


def _moment(rng: random.Random, after: datetime) -> datetime:
    span = (NOW - after).total_seconds()
    return after + timedelta(seconds=rng.uniform(0, max(span - 3600, 1)))


def generate_organisation(path, *, name="Generated College", staff=300, seed=15,
                          course_sizes=(0.4, 0.25, 0.2, 0.1, 0.02), start=YEAR_START, days=300,
                          takings=(0, 1, 1, 2, 3), store_levels=True) -> GeneratedOrganisation:
    """`staff` people over courses of the given shares (the last ones small, to be grouped), the rest in none.

    Bulk inserts keep 5,000 people fast. Some people launch from a second course later, so their course group is
    the latest one; ratings lean towards the lower levels, as in a real first mapping. The takings' self-rated
    levels are stored as saving a taking stores them (the same function, in batches); `store_levels=False` leaves
    them unstored, as takings saved before levels were stored are.
    """
    rng = random.Random(seed)
    world = make_world(name)
    courses = [world.course]
    for number in range(1, len(course_sizes)):
        course = Course(organisation_id=world.organisation.id, deployment_id=world.deployment.id,
                        context_id=f"{name}-course-{number}", title=f"{name} course {number}")
        db.session.add(course)
        courses.append(course)
    db.session.flush()
    organisation_id = world.organisation.id
    people_rows = [
        {"organisation_id": organisation_id, "issuer": world.registration.issuer, "subject": f"{name}-staff-{index}",
         "name": f"Staff {index}", "created_at": start + timedelta(days=rng.uniform(0, days))}
        for index in range(staff)
    ]
    person_ids = list(
        db.session.scalars(insert(Person).returning(Person.id, sort_by_parameter_order=True), people_rows)
    )
    created = {person_id: row["created_at"] for person_id, row in zip(person_ids, people_rows, strict=True)}
    weights = list(course_sizes) + [max(0.0, 1 - sum(course_sizes))]
    memberships, launches, assessments, progress = [], [], [], []
    statements = [statement.id for statement in path.statements]
    modules = [module.id for module in path.modules]
    for person_id in person_ids:
        choice = rng.choices(range(len(weights)), weights)[0]
        course = courses[choice] if choice < len(courses) else None
        if course is not None:
            memberships.append({"organisation_id": organisation_id, "course_id": course.id, "person_id": person_id,
                                "role": "learner", "lti_roles": []})
            first = _moment(rng, created[person_id])
            launches.append({"organisation_id": organisation_id, "person_id": person_id, "course_id": course.id,
                             "launched_at": first})
            for _ in range(rng.randint(0, 4)):
                launches.append({"organisation_id": organisation_id, "person_id": person_id,
                                 "course_id": course.id, "launched_at": _moment(rng, first)})
            if rng.random() < 0.08:  # later also launched from another course: that becomes their group
                other = rng.choice(courses)
                if other is not course:
                    memberships.append({"organisation_id": organisation_id, "course_id": other.id,
                                        "person_id": person_id, "role": "learner", "lti_roles": []})
                launches.append({"organisation_id": organisation_id, "person_id": person_id, "course_id": other.id,
                                 "launched_at": NOW - timedelta(days=1)})
        taken = created[person_id]
        for _ in range(rng.choice(takings)):
            taken = _moment(rng, taken)
            skill = rng.random()
            ratings = {statement: min(3, int(rng.random() * 4 * (0.4 + skill))) for statement in statements
                       if rng.random() < 0.9}
            assessments.append((person_id, taken, ratings))
        started = created[person_id]
        for module_id in rng.sample(modules, rng.randint(0, min(6, len(modules)))):
            started = _moment(rng, started)
            completed = _moment(rng, started) if rng.random() < 0.6 else None
            progress.append({"organisation_id": organisation_id, "person_id": person_id, "module_id": module_id,
                             "started_at": started, "updated_at": completed or started, "completed_at": completed,
                             "score": 80 if completed else None})
    if memberships:
        db.session.execute(insert(Membership), memberships)
    db.session.execute(insert(LaunchRecord), launches)
    if progress:
        db.session.execute(insert(ModuleProgress), progress)
    if assessments:
        assessment_ids = list(
            db.session.scalars(
                insert(SelfAssessment).returning(SelfAssessment.id, sort_by_parameter_order=True),
                [
                    {"organisation_id": organisation_id, "person_id": person_id, "taken_at": taken}
                    for person_id, taken, _ in assessments
                ],
            )
        )
        ratings = [
            {"self_assessment_id": assessment_id, "statement_id": statement_id, "rating": rating}
            for assessment_id, (_, _, chosen) in zip(assessment_ids, assessments, strict=True)
            for statement_id, rating in chosen.items()
        ]
        db.session.execute(insert(SelfRating), ratings)
        while store_levels and store_self_rated_levels(path, organisation_id):
            pass
    db.session.flush()
    return GeneratedOrganisation(world, courses, person_ids)


def placements(path, organisation_id: int, people, at: datetime, name: str = "placements"):
    """Subquery: person_id, course_id, area_id, level (order; 0 = not started), way for every person of `people`
    (a select of person_id, course_id) and every area: the placement the map counts, person by person."""
    placed = placed_levels_at(path, organisation_id, [at], f"{name}_placed").subquery(f"{name}_placed")
    areas = constant_table(f"{name}_areas", [("area_id", String)], [(area.id,) for area in path.areas])
    people = people.subquery(f"{name}_people")
    return (
        select(people.c.person_id, people.c.course_id, areas.c.area_id,
               func.coalesce(placed.c.level_0, NOT_STARTED).label("level"),
               func.coalesce(placed.c.way_0, WAY_NONE).label("way"))
        .select_from(people)
        .join(areas, literal(True))
        .outerjoin(placed, and_(placed.c.person_id == people.c.person_id, placed.c.area_id == areas.c.area_id))
        .subquery(name)
    )
