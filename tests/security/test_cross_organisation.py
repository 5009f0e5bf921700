"""Cross-organisation: another organisation's people try every URL of ours, with our ids and guessed ones.

The route list comes from the app's url_map, so a new route with an id is covered the day it is added
(tests/tenancy/test_tenancy.py checks each route once with the other organisation's ids; here every id that
exists is guessed, badge awards are tried, and each route without a launch is refused).
"""
import pytest
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from app.badges.models import BadgeAward
from app.extensions import db
from app.grades.models import GradeSync
from app.tenancy.models import Course, Deployment, Organisation, Person
from app.tenancy.services import record_person
from tests.security.routes import is_public_by_design, url_of
from tests.support.badges import complete_module
from tests.support.factories import INSTRUCTOR_ROLE, LEARNER_ROLE, ORG_ADMIN_ROLE, make_launch, make_world, sign_in

INT_IDS = {"deployment_id": Deployment, "course_id": Course, "person_id": Person, "grade_sync_id": GradeSync}
CONTENT_IDS = {"module_id": "erasmus-plus-for-vet", "section_id": "why", "activity_id": "a"}


def _grade(world, clock):
    grade = GradeSync(
        organisation_id=world.organisation.id,
        person_id=world.learner.id,
        deployment_id=world.deployment.id,
        course_id=world.course.id,
        line_item_key="k",
        resource_id="m",
        label="m",
        user_id="u",
        activity_progress="Completed",
        grading_progress="FullyGraded",
        scored_at=clock.now(),
        status=GradeSync.FAILED,
        updated_at=clock.now(),
    )
    db.session.add(grade)
    return grade


@pytest.fixture
def two_organisations(app, clock):
    """Ours (with a pending site, a failed grade and a badge award) and theirs, whose admin-instructor is signed in."""
    ours, theirs = make_world("Ours"), make_world("Theirs")
    ours.learner.name = "Ossi Only-In-Ours"
    db.session.add(Deployment(registration=ours.registration, deployment_id="pending", organisation=ours.organisation,
                              status=Deployment.PENDING))
    _grade(ours, clock)
    _grade(theirs, clock)
    our_launch = make_launch(ours, ours.learner, [LEARNER_ROLE], now=clock.now())
    complete_module(app, our_launch, "erasmus-plus-for-vet", now=clock.now())
    db.session.flush()
    intruder = record_person(theirs.organisation.id, theirs.registration.issuer, "their-admin")
    db.session.flush()
    intruder_launch = make_launch(theirs, intruder, [ORG_ADMIN_ROLE, INSTRUCTOR_ROLE], now=clock.now())
    app.config["WTF_CSRF_ENABLED"] = False  # scoping is under test here; CSRF has its own tests
    return ours, theirs, intruder_launch


def _id_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("admin.", "static")) or not rule.arguments & set(INT_IDS):
            continue
        yield rule


def _ids_of(model, organisation_id):
    return set(db.session.scalars(select(model.id).where(model.organisation_id == organisation_id)))


def test_every_id_route_refuses_every_id_but_the_callers_own(app, client, two_organisations):
    """Every id that exists, in any organisation, is guessed, with the ids around them and past the highest; only
    the intruder's organisation's own may answer. (Not every number from 1: ids left behind by earlier tests'
    sequences made that sweep grow with whatever ran before it in the run.)"""
    ours, theirs, intruder_launch = two_organisations
    sign_in(client, intruder_launch)
    rules = list(_id_rules(app))
    assert {rule.rule for rule in rules} >= {
        "/courses/<int:course_id>/dashboard",
        "/reports/people/<int:person_id>/erase",
        "/courses/<int:course_id>/grades/<int:grade_sync_id>/retry",
    }
    tried = 0
    for rule in rules:
        for name in rule.arguments & set(INT_IDS):
            model = INT_IDS[name]
            existing = set(db.session.scalars(select(model.id)))
            highest = max(existing, default=0)
            own = _ids_of(model, theirs.organisation.id)
            around = {neighbour for id_ in existing for neighbour in (id_ - 1, id_ + 1) if neighbour > 0}
            for guess in sorted((existing | around | {1, highest + 2}) - own):
                values = {other: min(_ids_of(INT_IDS[other], theirs.organisation.id)) for other in rule.arguments
                          if other in INT_IDS and other != name}
                values.update({other: CONTENT_IDS[other] for other in rule.arguments if other in CONTENT_IDS})
                values[name] = guess
                url = rule.build(values, append_unknown=False)[1]
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    response = client.open(url, method=method)
                    tried += 1
                    assert response.status_code in (403, 404), f"{method} {url} answered {response.status_code}"
    assert tried > 20
    assert (
        db.session.scalar(select(Deployment.status).where(Deployment.deployment_id == "pending")) == Deployment.PENDING
    )
    assert db.session.get(Person, ours.learner.id) is not None  # not erased


def test_a_badge_award_of_another_organisation_cannot_be_made_private_or_public(app, client, two_organisations):
    ours, _theirs, intruder_launch = two_organisations
    award = db.session.scalars(select(BadgeAward).where(BadgeAward.organisation_id == ours.organisation.id)).one()
    sign_in(client, intruder_launch)

    response = client.post(f"/badges/mine/awards/{award.public_id}/privacy", data={"private": "yes"})

    assert response.status_code == 404
    assert db.session.get(BadgeAward, award.id).is_private is False


def test_every_route_taking_an_award_s_public_id_refuses_another_organisations_award(app, client,
                                                                                    two_organisations):
    """Routes outside the public badge documents that name an award by its public id (My badges' privacy, the
    organisation admin's revocation) answer 404 to another organisation's admin and change nothing."""
    ours, _theirs, intruder_launch = two_organisations
    award = db.session.scalars(select(BadgeAward).where(BadgeAward.organisation_id == ours.organisation.id)).one()
    sign_in(client, intruder_launch)
    rules = [rule for rule in app.url_map.iter_rules()
             if "award_id" in rule.arguments and not is_public_by_design(rule)
             and not rule.endpoint.startswith("admin.")
             and not isinstance(rule._converters["award_id"], IntegerConverter)]
    assert {rule.rule for rule in rules} >= {"/badges/mine/awards/<award_id>/privacy",
                                              "/organisation/badges/<award_id>/revoke"}
    for rule in rules:
        url = url_of(rule, {"award_id": award.public_id})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"reason": "not yours", "shown_to": "public",
                                                             "private": "yes"})
            assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
    db.session.refresh(award)
    assert not award.is_revoked and not award.is_private


def test_reports_name_only_the_callers_organisation(app, client, two_organisations):
    ours, theirs, intruder_launch = two_organisations
    sign_in(client, intruder_launch)

    for url in ("/reports/people", "/reports/skills-map", "/reports/skills-map.csv", "/organisation/people",
                "/organisation/sites", f"/courses/{theirs.course.id}/dashboard"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Ossi Only-In-Ours" not in response.get_data(as_text=True), url
        assert "Ours course" not in response.get_data(as_text=True), url


def test_organisation_admins_cannot_use_the_installation_admins_report_urls(app, client, two_organisations):
    ours, _theirs, intruder_launch = two_organisations
    sign_in(client, intruder_launch)

    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.") or "organisation_id" not in rule.arguments:
            continue
        values = {
            name: ours.organisation.id if name == "organisation_id" else ours.learner.id for name in rule.arguments
        }
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code in (302, 303, 401, 403), f"{method} {url} answered {response.status_code}"
            assert response.status_code not in (302, 303) or "/admin/login" in response.headers["Location"]


def test_every_page_of_a_launch_refuses_a_request_without_one(app, client, two_organisations):
    """No launch token, no organisation: every non-public route is refused, never served from a guess."""
    ours, _theirs, _launch = two_organisations
    values = {"course_id": ours.course.id, "person_id": ours.learner.id, "deployment_id": 1, "grade_sync_id": 1,
              **CONTENT_IDS, "award_id": "x", "kind": "ob2.png"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin.") or is_public_by_design(rule):
            continue
        url = url_of(rule, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            checked += 1
            assert response.status_code in (401, 403), f"{method} {url} answered {response.status_code}"
    assert checked > 20
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 2
