"""`flask badges reevaluate` in bulk (app/badges/bulk_awarding.py): everyone awarded exactly once, batch by batch,
each batch committed on its own, each award its own status bit and a signed credential."""
import os

import jwt
import pytest
from sqlalchemy import func, select

from app.badges.bulk_awarding import reevaluate_in_batches
from app.badges.keys import active_badge_key, public_key
from app.badges.models import BadgeAward
from app.events import badge_awarded
from app.extensions import db
from app.learning.content import path_model
from app.learning.progress import open_module
from app.tenancy.models import Person
from tests.support.factories import LEARNER_ROLE, make_launch, make_world

MODULE, BADGE = "erasmus-plus-for-vet", "erasmus-plus-starter"  # the module's completion makes this badge due


def learners_who_completed_the_module(world, count: int, clock) -> list[Person]:
    """`count` learners of the world's organisation with the module completed, recorded without the event (as
    before a change of rules), none holding a badge."""
    path = path_model()
    people = [Person(organisation_id=world.organisation.id, issuer=world.learner.issuer, subject=f"bulk-learner-{n}",
                     name=f"Learner {n}", email=f"learner-{n}@college.example.org") for n in range(count)]
    db.session.add_all(people)
    db.session.flush()
    for person in people:
        launch = make_launch(world, person, [LEARNER_ROLE], now=clock.now())
        open_module(launch, path.module(MODULE), now=clock.now()).completed_at = clock.now()
    db.session.flush()
    return people


def stored_awards(organisation_id: int) -> list[BadgeAward]:
    db.session.expire_all()
    return list(db.session.scalars(select(BadgeAward).where(BadgeAward.organisation_id == organisation_id)
                                   .order_by(BadgeAward.person_id)))


@pytest.mark.sqlite
def test_everyone_is_awarded_once_signed_with_a_status_bit_of_their_own(app, world, clock):
    people = learners_who_completed_the_module(world, 5, clock)
    announced = []
    receiver = lambda sender, award: announced.append(award.person_id)  # noqa: E731
    badge_awarded.connect(receiver)
    try:
        awarded = reevaluate_in_batches(app.extensions["path_model"], now=clock.now(), batch_people=2)
        again = reevaluate_in_batches(app.extensions["path_model"], now=clock.now(), batch_people=2)
    finally:
        badge_awarded.disconnect(receiver)

    ids = sorted(person.id for person in people)
    assert sorted((award.person_id, award.badge_id) for award in awarded) == [(id_, BADGE) for id_ in ids]
    assert again == []  # nothing is due twice
    assert sorted(announced) == ids  # badge_awarded once per award, as at a completion
    awards = stored_awards(world.organisation.id)
    assert [award.person_id for award in awards] == ids
    assert len({award.status_index for award in awards}) == len(awards)
    key = public_key(active_badge_key(world.organisation.id))
    for award in awards:
        claims = jwt.decode(award.credential_jwt, key, algorithms=["RS256"], options={"verify_aud": False})
        assert int(claims["credentialStatus"]["statusListIndex"]) == award.status_index
        assert [entry["module"] for entry in award.evidence] == [MODULE]


@pytest.mark.sqlite
def test_a_failing_batch_keeps_the_batches_committed_before_it_and_a_second_run_finishes_the_job(committed_app,
                                                                                                  clock):
    world = make_world()
    people = learners_who_completed_the_module(world, 5, clock)
    db.session.commit()
    organisation_id, ids = world.organisation.id, sorted(person.id for person in people)
    last = ids[-1]  # in the third batch of two

    def fail_at_the_last(sender, award):
        if award.person_id == last:
            raise RuntimeError("the process stops here")

    badge_awarded.connect(fail_at_the_last)
    try:
        with pytest.raises(RuntimeError):
            reevaluate_in_batches(committed_app.extensions["path_model"], now=clock.now(), batch_people=2)
    finally:
        badge_awarded.disconnect(fail_at_the_last)
    db.session.remove()
    assert [award.person_id for award in stored_awards(organisation_id)] == ids[:-1]  # the first two batches

    awarded = reevaluate_in_batches(committed_app.extensions["path_model"], now=clock.now(), batch_people=2)
    db.session.remove()

    assert [(award.person_id, award.badge_id) for award in awarded] == [(last, BADGE)]
    awards = stored_awards(organisation_id)
    assert [award.person_id for award in awards] == ids  # once each
    assert len({award.status_index for award in awards}) == len(awards)
    assert all(award.credential_jwt for award in awards)


@pytest.mark.skipif(os.environ.get("TEST_DB") == "sqlite", reason="worker processes write in parallel: PostgreSQL")
@pytest.mark.timeout(120)
def test_worker_processes_award_everyone_once_each_batch_committed_by_its_worker(committed_app, clock):
    world = make_world()
    people = learners_who_completed_the_module(world, 7, clock)
    db.session.commit()
    organisation_id, ids = world.organisation.id, sorted(person.id for person in people)

    awarded = reevaluate_in_batches(committed_app.extensions["path_model"], now=clock.now(), batch_people=2,
                                    workers=2)
    db.session.remove()

    assert sorted(award.person_id for award in awarded) == ids
    awards = stored_awards(organisation_id)
    assert [award.person_id for award in awards] == ids
    assert len({award.status_index for award in awards}) == len(awards)
    assert db.session.scalar(select(func.count(BadgeAward.credential_jwt))) == len(ids)
