"""The skills map's figures are the path's placement rule, counted for everyone at once by SQL."""
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.learning.models import ModuleProgress, SelfAssessment
from app.learning.placement import place
from app.reports.periods import MONTH, Period
from app.reports.population import people_with_course, population
from app.reports.skills_map import count_dates, count_map, count_population_and_dates


def direct_placements(path, organisation_id: int, at, demonstrated=None) -> dict:
    """(person, area) → level order, one person at a time through app.learning.placement.place."""
    placed = {}
    people = db.session.execute(people_with_course(organisation_id)).all()
    for person_id, _course in people:
        assessment = db.session.scalars(
            select(SelfAssessment).where(SelfAssessment.person_id == person_id, SelfAssessment.taken_at < at)
            .order_by(SelfAssessment.taken_at.desc(), SelfAssessment.id.desc())
        ).first()
        ratings = {rating.statement_id: rating.rating for rating in assessment.ratings} if assessment else {}
        completed = set(db.session.scalars(select(ModuleProgress.module_id).where(
            ModuleProgress.person_id == person_id, ModuleProgress.completed_at < at)))
        for placement in place(path, ratings, completed, (demonstrated or {}).get(person_id)):
            placed[(person_id, placement.area.id)] = placement.order
    return placed


@pytest.mark.parametrize("month", [3, 7, 11])
def test_map_equals_a_direct_count_of_each_persons_placement(app, path, generated, month):
    at = Period(2026, MONTH, month).end
    organisation_id = generated.world.organisation.id
    courses = dict(db.session.execute(people_with_course(organisation_id)).all())

    expected = Counter((courses[person], area, level)
                       for (person, area), level in direct_placements(path, organisation_id, at).items())

    assert count_map(path, organisation_id, population(organisation_id), at) == dict(expected)
    assert len({level for (_, _, level) in expected}) >= 3, "the generated world should reach several levels"


def test_the_population_counted_with_the_maps_is_the_population_and_the_maps_are_the_same(app, path, generated):
    organisation_id = generated.world.organisation.id
    dates = [Period(2026, MONTH, 11).end, Period(2026, MONTH, 7).end]
    moves = [(dates[1], dates[0])]
    alone = population(organisation_id)

    counted, counts, moved = count_population_and_dates(path, organisation_id, dates, moves)

    assert (counted.size, counted.course_sizes(), counted.groups) == (alone.size, alone.course_sizes(), alone.groups)
    assert len(counted.groups) >= 2, "the generated world should have several course groups"
    expected_counts, expected_moved = count_dates(path, organisation_id, alone, dates, moves)
    assert counts == expected_counts
    assert {move: Counter(rows) for move, rows in moved.items()} == \
        {move: Counter(rows) for move, rows in expected_moved.items()}


def test_work_accepted_for_a_demonstrated_badge_counts_at_its_level_in_the_map(app, path, generated, use_badges):
    from datetime import timedelta

    from app.badges.awarding import award_badge
    from app.badges.catalogue import badge_catalogue
    from app.badges.models import BadgeAward
    from app.badges.submissions import demonstrated_levels_by_person
    from tests.support.badges import demonstrated_yaml

    use_badges({"shown.yaml": demonstrated_yaml("shown", "{type: path_completed}")
                + "alignment: {area: strategy, level: expert}\n"})
    at = Period(2026, MONTH, 11).end
    organisation_id = generated.world.organisation.id
    courses = dict(db.session.execute(people_with_course(organisation_id)).all())
    shown_by = sorted(courses)[:3]
    for person_id in shown_by:
        award_badge(organisation_id, person_id, badge_catalogue().badge("shown"), now=at - timedelta(days=3),
                    evidence=[], how=BadgeAward.REVIEWED)
    db.session.flush()

    demonstrated = demonstrated_levels_by_person(organisation_id, list(courses))
    expected = Counter((courses[person], area, level) for (person, area), level
                       in direct_placements(path, organisation_id, at, demonstrated).items())

    assert count_map(path, organisation_id, population(organisation_id), at) == dict(expected)
    expert = path.level("expert").order
    assert expected[(courses[shown_by[0]], "strategy", expert)] >= 1  # placed at the level their work shows


def _unstore(assessment_ids=None) -> None:
    """Takings as saved before levels were stored: no level rows, no fingerprint."""
    from sqlalchemy import delete, update

    from app.learning.models import SelfRatedLevel

    chosen = (lambda column: column.in_(assessment_ids)) if assessment_ids is not None else (lambda column: True)
    db.session.execute(delete(SelfRatedLevel).where(chosen(SelfRatedLevel.self_assessment_id)))
    db.session.execute(update(SelfAssessment).where(chosen(SelfAssessment.id)).values(levels_fingerprint=None))
    db.session.flush()


def _reshuffled(path):
    """The path after a content change that moves statements: in every area with two levels of statements, the
    first statement of its lowest level moves up a level; one more statement is retired from the first area."""
    from dataclasses import replace

    levels = sorted(path.levels, key=lambda level: level.order)
    areas = []
    for position, area in enumerate(path.areas):
        statements = {level.id: list(area.statements_at(level.id)) for level in levels if area.statements_at(level.id)}
        rated = list(statements)
        if len(rated) >= 2:
            moved = statements[rated[0]].pop(0)
            statements[rated[1]].append(replace(moved, level=rated[1]))
            if position == 0 and len(statements[rated[-1]]) > 1:
                statements[rated[-1]].pop()
        areas.append(replace(area, statements={level: tuple(found) for level, found in statements.items() if found}))
    return replace(path, areas=tuple(areas))


@pytest.mark.parametrize("seed", [4, 21])
def test_the_map_from_stored_levels_equals_the_map_worked_out_from_ratings_for_every_kind_of_taking(app, path, seed):
    """Stored with each taking (as saving one stores them), missing (saved before levels were stored) or a mix:
    the same map as placing each person from their ratings, at dates across the year."""
    from tests.support.reports import generate_organisation

    generated = generate_organisation(path, name=f"Stored {seed}", staff=220, seed=seed, takings=(0, 1, 2, 3))
    organisation_id = generated.world.organisation.id
    courses = dict(db.session.execute(people_with_course(organisation_id)).all())
    takings = list(db.session.scalars(select(SelfAssessment.id).where(
        SelfAssessment.organisation_id == organisation_id)))
    assert db.session.scalar(select(SelfAssessment.levels_fingerprint).where(SelfAssessment.id == takings[0]))
    for month in (4, 9, 12):
        at = Period(2026, MONTH, month).end
        expected = dict(Counter((courses[person], area, level)
                                for (person, area), level in direct_placements(path, organisation_id, at).items()))
        stored = count_map(path, organisation_id, population(organisation_id), at)
        _unstore(takings[::2])
        mixed = count_map(path, organisation_id, population(organisation_id), at)
        _unstore()
        from_ratings = count_map(path, organisation_id, population(organisation_id), at)
        from app.learning.self_assessment import store_self_rated_levels
        while store_self_rated_levels(path, organisation_id, limit=50):
            pass

        assert stored == mixed == from_ratings == expected


def test_after_a_content_change_the_map_follows_the_new_levels_and_the_backfill_stores_them(app, path):
    from app.learning.models import SelfRatedLevel
    from app.learning.self_assessment import ladder_fingerprint, store_self_rated_levels
    from tests.support.reports import generate_organisation

    generated = generate_organisation(path, name="Changed content", staff=200, seed=8)
    organisation_id = generated.world.organisation.id
    changed = _reshuffled(path)
    assert ladder_fingerprint(changed) != ladder_fingerprint(path)
    courses = dict(db.session.execute(people_with_course(organisation_id)).all())
    at = Period(2026, MONTH, 11).end
    expected = dict(Counter((courses[person], area, level)
                            for (person, area), level in direct_placements(changed, organisation_id, at).items()))
    assert expected != dict(Counter((courses[person], area, level) for (person, area), level
                                    in direct_placements(path, organisation_id, at).items())), \
        "the change should move someone"

    assert count_map(changed, organisation_id, population(organisation_id), at) == expected  # stored levels unused

    stored = 0
    while batch := store_self_rated_levels(changed, organisation_id, limit=100):
        stored += batch
    assert stored == db.session.scalar(select(func.count()).select_from(SelfAssessment).where(
        SelfAssessment.organisation_id == organisation_id))
    assert set(db.session.scalars(select(SelfAssessment.levels_fingerprint).where(
        SelfAssessment.organisation_id == organisation_id))) == {ladder_fingerprint(changed)}
    assert db.session.scalar(select(func.min(SelfRatedLevel.level_order))) >= 1  # not started is no row
    assert count_map(changed, organisation_id, population(organisation_id), at) == expected
    assert store_self_rated_levels(changed, organisation_id) == 0
