"""A person's badge standing (app.badges.standing): their valid awards newest first, their submissions' states and
what waits for them, read in one statement once per request (the navigation and the path page's parts share it),
and afresh once the request writes."""
import secrets

import pytest
from sqlalchemy import update

from app.badges.awarding import awards_of, revoke_award
from app.badges.models import Submission
from app.badges.revocation import mark_revocations_seen
from app.badges.standing import BadgeStanding, ValidAward, badge_standing
from app.badges.submissions import name_reviewer
from app.extensions import db
from app.tenancy.models import Organisation
from tests.support.badges import badge_yaml, complete_module, demonstrated_yaml
from tests.support.factories import LEARNER_ROLE, make_launch, make_world
from tests.support.queries import counted_queries

pytestmark = pytest.mark.sqlite

NOTHING = BadgeStanding(awards=[], submission_states={}, revoked=0, to_review=0)


@pytest.fixture
def badges(use_badges, player_path):
    use_badges({
        "placement-plan.yaml": demonstrated_yaml("placement-plan", "{type: module_completed, module: mobility-basics}"),
        "basics.yaml": badge_yaml("basics", "{type: module_completed, module: mobility-basics}"),
        "next.yaml": badge_yaml("next", "{type: module_completed, module: mobility-next}"),
    })


@pytest.fixture
def learner(app, world, clock, badges):
    return make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now())


def submission(world, person, state: str, clock) -> Submission:
    work = Submission(public_id=secrets.token_urlsafe(18), organisation_id=world.organisation.id, person_id=person.id,
                      badge_id="placement-plan", state=state, text="My plan.", links=[], revision=1,
                      created_at=clock.now(), updated_at=clock.now())
    db.session.add(work)
    db.session.flush()
    return work


def test_the_valid_awards_come_newest_first_and_a_revoked_one_counts_until_my_badges_shows_it(app, world, clock,
                                                                                               learner):
    complete_module(app, learner, "mobility-basics", now=clock.now())
    clock.advance(days=1)
    complete_module(app, learner, "mobility-next", now=clock.now())
    basics = next(award for award in awards_of(world.organisation.id, world.learner.id) if award.badge_id == "basics")

    assert [award.badge_id for award in badge_standing(world.organisation.id, world.learner.id).awards] == [
        "next", "basics"]
    revoke_award(basics, "awarded by mistake", now=clock.now(), revoked_by="test", reason_public=True)
    standing = badge_standing(world.organisation.id, world.learner.id)
    assert [award.badge_id for award in standing.awards] == ["next"] and standing.revoked == 1
    assert isinstance(standing.awards[0], ValidAward) and standing.awards[0].is_private is False
    mark_revocations_seen(world.organisation.id, world.learner.id, now=clock.now())
    assert badge_standing(world.organisation.id, world.learner.id).revoked == 0


def test_the_submissions_states_give_the_returned_count_and_a_reviewer_counts_the_others_submitted_work(
        world, clock, learner):
    name_reviewer(world.organisation.id, world.instructor.id, None, named_by="Admin", now=clock.now())
    submission(world, world.learner, Submission.RETURNED, clock)

    learner_standing = badge_standing(world.organisation.id, world.learner.id)
    assert learner_standing.submission_states == {"placement-plan": "returned"} and learner_standing.returned == 1
    assert learner_standing.to_review == 0  # nobody reviews a returned submission, nor the learner anything
    assert badge_standing(world.organisation.id, world.instructor.id).to_review == 0
    db.session.execute(update(Submission).where(Submission.person_id == world.learner.id)
                       .values(state=Submission.SUBMITTED))
    assert badge_standing(world.organisation.id, world.instructor.id).to_review == 1
    assert badge_standing(world.organisation.id, world.learner.id).returned == 0


def test_another_organisation_sees_nothing_of_the_person_s_standing(app, world, clock, learner):
    complete_module(app, learner, "mobility-basics", now=clock.now())
    submission(world, world.learner, Submission.SUBMITTED, clock)
    other = make_world("Another college")

    assert badge_standing(other.organisation.id, world.learner.id) == NOTHING
    assert badge_standing(world.organisation.id, world.learner.id) != NOTHING


def test_within_a_request_the_standing_is_read_in_one_statement_and_afresh_after_a_write(app, world, clock,
                                                                                         learner):
    complete_module(app, learner, "mobility-basics", now=clock.now())
    with app.test_request_context("/"), counted_queries() as statements:
        first = badge_standing(world.organisation.id, world.learner.id)
        assert badge_standing(world.organisation.id, world.learner.id) is first
        assert len(statements) == 1
        db.session.execute(update(Organisation).where(Organisation.id == -1).values(name="nobody"))
        assert badge_standing(world.organisation.id, world.learner.id) == first  # read again: the same rows
        assert len(statements) == 3  # the UPDATE, and the standing read afresh
