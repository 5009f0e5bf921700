"""An organisation admin merges two records of one person; nothing crosses organisations."""
import pytest
from sqlalchemy import select

from app.errors import AppError, NotFound
from app.extensions import db
from app.learning.models import SelfAssessment
from app.lti.models import Launch
from app.tenancy.models import Membership, Person
from app.tenancy.services import merge_people, record_person
from tests.support.factories import LEARNER_ROLE, ORG_ADMIN_ROLE, make_launch, make_world, sign_in
from tests.support.forms import post_form

pytestmark = pytest.mark.sqlite


@pytest.fixture
def same_teacher_twice(app, clock):
    """One world; the learner also came in through a second LMS, with an email the first one did not send."""
    world = make_world()
    other_lms_record = record_person(
        world.organisation.id, "https://its.example", "its-42", email="lea@college.example"
    )
    db.session.flush()
    make_launch(world, other_lms_record, [LEARNER_ROLE], now=clock.now())
    db.session.add(
        SelfAssessment(organisation_id=world.organisation.id, person_id=other_lms_record.id, taken_at=clock.now())
    )
    db.session.add(
        Membership(
            organisation_id=world.organisation.id,
            course_id=world.course.id,
            person_id=other_lms_record.id,
            role="learner",
        )
    )
    db.session.flush()
    return world, other_lms_record


def test_merge_moves_launches_assessments_and_memberships_into_the_kept_record(same_teacher_twice):
    world, duplicate = same_teacher_twice
    duplicate_id = duplicate.id

    kept = merge_people(world.organisation.id, world.learner.id, duplicate_id)
    db.session.flush()

    assert db.session.get(Person, duplicate_id) is None
    assert kept.email == "lea@college.example" and kept.name == "Lea Learner"
    assert {launch.person_id for launch in db.session.scalars(select(Launch))} == {kept.id}
    assert db.session.scalars(select(SelfAssessment.person_id)).all() == [kept.id]
    memberships = db.session.scalars(
        select(Membership).where(Membership.course_id == world.course.id, Membership.person_id == kept.id)
    ).all()
    assert len(memberships) == 1  # both were in the course: one membership remains


def test_people_of_another_organisation_are_never_merged(same_teacher_twice):
    world, _ = same_teacher_twice
    elsewhere = make_world("Elsewhere")

    with pytest.raises(NotFound):
        merge_people(world.organisation.id, world.learner.id, elsewhere.learner.id)
    assert db.session.get(Person, elsewhere.learner.id) is not None


def test_a_record_is_not_merged_into_itself(same_teacher_twice):
    world, _ = same_teacher_twice

    with pytest.raises(AppError, match="two different people"):
        merge_people(world.organisation.id, world.learner.id, world.learner.id)


def test_organisation_admin_merges_on_the_people_page(same_teacher_twice, client, clock):
    world, duplicate = same_teacher_twice
    duplicate_id = duplicate.id
    admin = record_person(world.organisation.id, world.registration.issuer, "admin-1")
    db.session.flush()
    sign_in(client, make_launch(world, admin, [ORG_ADMIN_ROLE], now=clock.now()))

    page = client.get("/organisation/people?keep=Lea+Learner&merge=its-42")
    response = post_form(
        client, "/organisation/people/merge", {"kept_id": world.learner.id, "merged_id": duplicate_id},
        page="/organisation/people?keep=Lea+Learner&merge=its-42",
    )

    assert page.status_code == 200
    assert f'id="keep-{world.learner.id}" name="kept_id" value="{world.learner.id}"' in page.text
    assert f'id="merge-{duplicate_id}" name="merged_id" value="{duplicate_id}"' in page.text
    assert response.status_code == 303
    assert db.session.scalars(select(Person).where(Person.id == duplicate_id)).first() is None


def test_a_learner_cannot_merge_people(same_teacher_twice, client, clock):
    world, duplicate = same_teacher_twice
    sign_in(client, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now()))
    client.application.config["WTF_CSRF_ENABLED"] = False

    response = client.post("/organisation/people/merge", data={"kept_id": world.learner.id, "merged_id": duplicate.id})

    assert response.status_code == 403
    assert db.session.get(Person, duplicate.id) is not None
