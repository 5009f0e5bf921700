"""Tenancy: organisations own their data; new LMS sites follow the registration's policy; ids of others are refused."""
import pytest

from app.extensions import db
from app.grades.models import GradeSync
from app.tenancy.models import Deployment, Organisation, Registration
from app.tenancy.services import find_or_create_deployment, record_person
from tests.support.factories import (
    INSTRUCTOR_ROLE,
    LEARNER_ROLE,
    ORG_ADMIN_ROLE,
    make_launch,
    make_registration,
    make_world,
    sign_in,
)
from tests.support.forms import post_form

pytestmark = pytest.mark.sqlite


def test_new_deployment_gets_a_new_active_organisation_by_default(app):
    registration = make_registration()
    db.session.flush()

    deployment = find_or_create_deployment(registration, "customer-site-7", "Ammattiopisto Esimerkki")

    assert deployment.status == Deployment.ACTIVE
    assert deployment.organisation.name == "Ammattiopisto Esimerkki"
    assert deployment.frame_ancestors == [registration.issuer]


def test_new_deployment_is_held_pending_under_the_default_organisation(app):
    college = Organisation(name="College")
    registration = make_registration(
        new_deployment_policy=Registration.POLICY_HOLD_PENDING, default_organisation=college,
        default_organisation_approves=True,
    )
    db.session.flush()

    deployment = find_or_create_deployment(registration, "second-moodle", None)

    assert deployment.status == Deployment.PENDING
    assert deployment.organisation_id == college.id


def test_known_deployment_is_found_not_duplicated(app):
    registration = make_registration()
    db.session.flush()
    first = find_or_create_deployment(registration, "site", None)

    assert find_or_create_deployment(registration, "site", None) is first


def test_same_subject_in_two_organisations_is_two_people(app):
    one, two = make_world("One"), make_world("Two")

    a = record_person(one.organisation.id, "https://lms.example", "user-1", name="A")
    b = record_person(two.organisation.id, "https://lms.example", "user-1", name="B")
    db.session.flush()

    assert a.id != b.id


def test_person_without_name_or_email_and_literal_substitutions(app):
    world = make_world()

    person = record_person(world.organisation.id, "https://its.example", "u-9", name="$Person.name.full", email="  ")

    assert person.name is None and person.email is None


def test_organisation_admin_approves_a_pending_site_of_their_organisation(app, client, clock):
    world = make_world(default_organisation_approves=True)
    world.registration.default_organisation = world.organisation
    pending = Deployment(
        registration=world.registration,
        deployment_id="new-site",
        organisation=world.organisation,
        status=Deployment.PENDING,
    )
    db.session.add(pending)
    admin = record_person(world.organisation.id, world.registration.issuer, "admin-1")
    db.session.flush()
    sign_in(client, make_launch(world, admin, [ORG_ADMIN_ROLE], now=clock.now()))

    response = post_form(client, f"/organisation/sites/{pending.id}/approve", {}, page="/organisation/sites")

    assert response.status_code == 303
    assert db.session.get(Deployment, pending.id).status == Deployment.ACTIVE


def test_course_level_administrator_cannot_use_organisation_pages(app, client, clock):
    world = make_world()
    course_admin = "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator"
    sign_in(client, make_launch(world, world.instructor, [course_admin], now=clock.now()))

    assert client.get("/organisation/sites").status_code == 403


TENANT_IDS = {"deployment_id", "course_id", "person_id", "organisation_id", "grade_sync_id"}


def _routes_with_ids(app):
    """Every tool route that takes an id of an organisation's data, outside the installation admin (who sees
    every organisation). Content ids (module_id, section_id, activity_id) name the installation's shared files."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("admin.", "static")) or not rule.arguments & TENANT_IDS:
            continue
        assert rule.arguments <= TENANT_IDS | {"module_id", "section_id", "activity_id"}, f"{rule}: which id is this?"
        yield rule


def test_every_route_refuses_another_organisations_ids(app, client, clock):
    ours, theirs = make_world("Ours"), make_world("Theirs")
    their_pending = Deployment(
        registration=theirs.registration, deployment_id="x", organisation=theirs.organisation, status=Deployment.PENDING
    )
    db.session.add(their_pending)
    admin = record_person(ours.organisation.id, ours.registration.issuer, "admin")
    their_grade = GradeSync(organisation_id=theirs.organisation.id, person_id=theirs.learner.id,
                            deployment_id=theirs.deployment.id, course_id=theirs.course.id, line_item_key="k",
                            resource_id="m", label="m", user_id="u", activity_progress="Completed",
                            grading_progress="FullyGraded", scored_at=clock.now(), status=GradeSync.FAILED,
                            updated_at=clock.now())
    db.session.add(their_grade)
    db.session.flush()
    sign_in(client, make_launch(ours, admin, [ORG_ADMIN_ROLE, INSTRUCTOR_ROLE], now=clock.now()))
    their_ids = {
        "deployment_id": their_pending.id, "course_id": theirs.course.id, "person_id": theirs.learner.id,
        "organisation_id": theirs.organisation.id, "grade_sync_id": their_grade.id,
    }
    rules = list(_routes_with_ids(app))
    assert rules, "no tool route takes an id: this test would check nothing"
    app.config["WTF_CSRF_ENABLED"] = False  # this test is about scoping; CSRF has its own tests

    for rule in rules:
        url = rule.build({name: their_ids[name] for name in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
    assert db.session.get(Deployment, their_pending.id).status == Deployment.PENDING


def test_learner_launch_is_not_an_organisation_admin(app, client, clock):
    world = make_world()
    sign_in(client, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now()))

    assert client.get("/organisation/sites").status_code == 403
