"""The skills map's figures are the path's placement rule, counted for everyone at once by SQL."""
from collections import Counter

import pytest
from sqlalchemy import select

from app.extensions import db
from app.learning.models import ModuleProgress, SelfAssessment
from app.learning.placement import place
from app.reports.periods import MONTH, Period
from app.reports.population import people_with_course, population
from app.reports.skills_map import count_map


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
