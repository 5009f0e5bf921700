"""A pending organisation (made by an LMS's registration, not yet approved by the installation admin) is issued no
signed badge: its people's badges are held, as their completions are kept, and awarded when it is approved."""
import pytest

from app.badges.awarding import awards_of, reevaluate_all
from app.extensions import db
from app.lti.registrations import approve_registration
from app.tenancy.models import Registration
from app.tenancy.organisations import approve_organisation
from tests.support.badges import complete_module

pytestmark = pytest.mark.sqlite


@pytest.fixture
def pending(world):
    world.organisation.status = "pending"
    db.session.flush()
    return world


def test_a_pending_organisation_earns_badges_but_none_is_issued(app, pending, learner_launch, clock):
    complete_module(app, learner_launch, "erasmus-plus-for-vet", now=clock.now())

    assert awards_of(pending.organisation.id, pending.learner.id) == []
    assert reevaluate_all(app.extensions["path_model"], now=clock.now()) == []  # nor by `flask badges reevaluate`


def test_held_badges_are_awarded_signed_when_the_organisation_is_approved(app, pending, learner_launch, clock):
    complete_module(app, learner_launch, "erasmus-plus-for-vet", now=clock.now())

    with app.test_request_context():
        approve_organisation(pending.organisation.id)

    [award] = awards_of(pending.organisation.id, pending.learner.id)
    assert award.badge_id == "erasmus-plus-starter"
    assert award.credential_jwt  # signed, in the organisation's name, now that it is vouched for
    assert [entry["module"] for entry in award.evidence] == ["erasmus-plus-for-vet"]


def test_approving_the_registration_that_made_it_awards_them_too(app, pending, learner_launch, clock):
    pending.registration.status = Registration.PENDING
    pending.registration.default_organisation = pending.organisation
    complete_module(app, learner_launch, "erasmus-plus-for-vet", now=clock.now())

    with app.test_request_context():
        approve_registration(pending.registration.id)

    assert [award.badge_id for award in awards_of(pending.organisation.id, pending.learner.id)] == [
        "erasmus-plus-starter"
    ]


def test_an_active_organisation_is_issued_its_badges_at_once(app, world, learner_launch, clock):
    complete_module(app, learner_launch, "erasmus-plus-for-vet", now=clock.now())

    assert [award.badge_id for award in awards_of(world.organisation.id, world.learner.id)] == ["erasmus-plus-starter"]
