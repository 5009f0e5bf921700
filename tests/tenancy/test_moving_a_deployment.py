"""Moving an LMS site to another organisation moves what it recorded; no write lands in the wrong college.

Before the fix only the site's future launches changed organisation: its courses stayed in the old one, so launches
after the move joined the old organisation's course and the roster wrote the new college's people into the old
organisation (whose admin could list, export and erase them), while the new organisation's instructors got 404.
"""
import json

import pytest
from sqlalchemy import func, select

from app.badges.models import BadgeAward, BadgeEarner
from app.errors import AppError
from app.extensions import db
from app.grades.models import GradeSync
from app.jobs.exceptions import PermanentJobError
from app.learning.models import ModuleProgress, SelfAssessment
from app.lti import roster
from app.lti.launch import ValidatedLaunch, record_launch
from app.lti.models import Launch
from app.lti.nrps import Member
from app.lti.roster import read_roster, record_roster
from app.reports.models import LaunchRecord, ReportSettings
from app.tenancy import deployments
from app.tenancy.models import Course, Deployment, Membership, Organisation, Person
from app.tenancy.services import CourseOfAnotherOrganisation
from tests.support.factories import INSTRUCTOR_ROLE, LEARNER_ROLE, make_launch, make_world, new_login, sign_in

pytestmark = pytest.mark.sqlite

LTI = "https://purl.imsglobal.org/spec/lti/claim/"


@pytest.fixture
def in_request(app):
    """Service calls as the admin pages make them: inside a request, whose locale translates the messages."""
    with app.test_request_context():
        yield


def rows_in_the_wrong_organisation() -> list[str]:
    """Every row, of every table, whose organisation is not that of the person, course or site it belongs to.

    Read from the tables themselves, so a table added later is checked the day it is added.
    """
    owners = {"person_id": db.metadata.tables["people"], "course_id": db.metadata.tables["courses"],
              "deployment_id": db.metadata.tables["deployments"]}
    wrong = []
    for table in db.metadata.sorted_tables:
        if "organisation_id" not in table.c:
            continue
        for column, owner in owners.items():
            if column not in table.c or owner is table:
                continue
            foreign = {key.column.table.name for key in table.c[column].foreign_keys}
            if owner.name not in foreign:  # e.g. lti_launches.deployment_id names deployments; others name nothing
                continue
            count = db.session.scalar(
                select(func.count()).select_from(table.join(owner, table.c[column] == owner.c.id))
                .where(table.c.organisation_id != owner.c.organisation_id)
            )
            if count:
                wrong.append(f"{table.name}.{column}: {count}")
    return wrong


def award(organisation_id, person_id, badge_id, index, now, *, revoked=False) -> BadgeAward:
    row = BadgeAward(public_id=f"award-{badge_id}-{index}", organisation_id=organisation_id, person_id=person_id,
                     badge_id=badge_id, awarded_at=now, recipient_salt="salt", status_index=index,
                     credential={"signed": "by the old college"}, credential_jwt="old.jwt.value",
                     revoked_at=now if revoked else None)
    db.session.add(row)
    return row


def person(organisation_id, issuer, subject, name=None) -> Person:
    row = Person(organisation_id=organisation_id, issuer=issuer, subject=subject, name=name)
    db.session.add(row)
    db.session.flush()
    return row


def member_of(course, someone, role="learner"):
    db.session.add(Membership(organisation_id=course.organisation_id, course_id=course.id, person_id=someone.id,
                              role=role))


@pytest.fixture
def wrongly_placed_site(app, clock):
    """College B's itslearning site was approved into College A by mistake, and used there for a while.

    - Lea launched only from that site: progress, a self-assessment, two badges (one revoked), a score on its way
      to the site's gradebook, a launch and its record.
    - Rob is on the site's roster only (never launched); College B already knows him from another course.
    - Sam teaches on the site and on College A's own site too: he is College A's as well.
    - Kim is only on College A's own site.
    """
    now = clock.now()
    world = make_world("College A")
    college_a, site, course = world.organisation, world.deployment, world.course
    college_b = Organisation(name="College B")
    db.session.add(college_b)
    own_site = Deployment(registration=world.registration, deployment_id="college-a-own", organisation=college_a)
    b_site = Deployment(registration=world.registration, deployment_id="college-b-other", organisation=college_b)
    db.session.add_all([own_site, b_site])
    db.session.flush()
    own_course = Course(organisation_id=college_a.id, deployment_id=own_site.id, context_id="a-course")
    b_course = Course(organisation_id=college_b.id, deployment_id=b_site.id, context_id="b-course")
    db.session.add_all([own_course, b_course])
    db.session.flush()
    issuer = world.registration.issuer
    lea = world.learner
    rob = person(college_a.id, issuer, "rob", "Rob Roster")
    rob_in_b = person(college_b.id, issuer, "rob", "Rob (College B)")
    sam, kim = person(college_a.id, issuer, "sam", "Sam Both"), person(college_a.id, issuer, "kim", "Kim A")
    member_of(course, rob)
    member_of(b_course, rob_in_b)
    member_of(course, sam, "instructor")
    member_of(own_course, sam, "instructor")
    member_of(own_course, kim)
    launch = make_launch(world, lea, [LEARNER_ROLE], now=now)
    db.session.add_all([
        ModuleProgress(organisation_id=college_a.id, person_id=lea.id, module_id="mobility-basics", started_at=now,
                       updated_at=now, completed_at=now, score=90),
        SelfAssessment(organisation_id=college_a.id, person_id=lea.id, taken_at=now),
        BadgeEarner(organisation_id=college_a.id, person_id=lea.id, email="lea@b.example"),
        LaunchRecord(organisation_id=college_a.id, person_id=lea.id, course_id=course.id, launched_at=now),
        LaunchRecord(organisation_id=college_a.id, person_id=sam.id, course_id=course.id, launched_at=now),
        LaunchRecord(organisation_id=college_a.id, person_id=sam.id, course_id=own_course.id, launched_at=now),
        GradeSync(organisation_id=college_a.id, person_id=lea.id, deployment_id=site.id, course_id=course.id,
                  line_item_key="li-1", resource_id="mobility-basics", label="Mobility", user_id=lea.subject,
                  activity_progress="Completed", grading_progress="FullyGraded", scored_at=now, updated_at=now),
        ReportSettings(organisation_id=college_a.id, reporting_course_id=course.id),
    ])
    held = award(college_a.id, lea.id, "first-steps", 0, now)
    revoked = award(college_a.id, lea.id, "revoked-one", 1, now, revoked=True)
    db.session.flush()
    return dict(world=world, college_a=college_a, college_b=college_b, site=site, course=course,
                own_course=own_course, b_course=b_course, lea=lea, rob=rob, rob_in_b=rob_in_b, sam=sam, kim=kim,
                launch=launch, held=held, revoked=revoked)


def move_to_college_b(data):
    deployments.assign_organisation(data["site"].id, organisation_id=data["college_b"].id)
    db.session.flush()
    db.session.expire_all()


def people_of(organisation) -> set[str]:
    return set(db.session.scalars(select(Person.subject).where(Person.organisation_id == organisation.id)))


def test_the_move_leaves_no_person_or_row_in_the_wrong_organisation(wrongly_placed_site, in_request):
    data = wrongly_placed_site
    lea, sam, kim = data["lea"], data["sam"], data["kim"]
    college_a, college_b = data["college_a"], data["college_b"]

    move_to_college_b(data)

    assert rows_in_the_wrong_organisation() == []
    assert db.session.get(Course, data["course"].id).organisation_id == college_b.id
    assert db.session.get(Course, data["own_course"].id).organisation_id == college_a.id
    # Lea came only through the site: she moved, with her progress, self-assessment and badges.
    assert db.session.get(Person, lea.id).organisation_id == college_b.id
    assert db.session.scalars(
        select(ModuleProgress.organisation_id).where(ModuleProgress.person_id == lea.id)
    ).all() == [college_b.id]
    assert db.session.scalars(
        select(SelfAssessment.organisation_id).where(SelfAssessment.person_id == lea.id)
    ).all() == [college_b.id]
    assert db.session.get(Launch, data["launch"].id).organisation_id == college_b.id
    assert db.session.scalars(select(GradeSync.organisation_id)).all() == [college_b.id]
    # Her badge is re-issued by College B (signed again at its next use); the revoked one stays revoked in College A.
    held, revoked = db.session.get(BadgeAward, data["held"].id), db.session.get(BadgeAward, data["revoked"].id)
    assert (held.organisation_id, held.person_id, held.credential_jwt) == (college_b.id, lea.id, None)
    assert (revoked.organisation_id, revoked.person_id, revoked.is_revoked) == (college_a.id, None, True)
    # Rob, on the roster only, was known to College B already: one record there, in the site's course.
    assert db.session.get(Person, data["rob"].id) is None
    rob = db.session.get(Person, data["rob_in_b"].id)
    assert set(db.session.scalars(select(Membership.course_id).where(Membership.person_id == rob.id))) == {
        data["course"].id, data["b_course"].id}
    # Sam also teaches on College A's own site: he stays there; the site's course knows his College B record.
    assert db.session.get(Person, sam.id).organisation_id == college_a.id
    assert db.session.scalars(select(Membership.course_id).where(Membership.person_id == sam.id)).all() == [
        data["own_course"].id
    ]
    sam_in_b = db.session.scalars(
        select(Person).where(Person.organisation_id == college_b.id, Person.subject == "sam")
    ).one()
    assert sam_in_b.name == "Sam Both"
    assert db.session.scalars(select(Membership.course_id).where(Membership.person_id == sam_in_b.id)).all() == [
        data["course"].id
    ]
    assert {(record.person_id, record.organisation_id) for record in db.session.scalars(select(LaunchRecord))} == {
        (lea.id, college_b.id), (sam_in_b.id, college_b.id), (sam.id, college_a.id)}
    # College A's admin sees only College A's people; its reporting course left with the site.
    assert people_of(college_a) == {"sam", kim.subject}
    assert people_of(college_b) == {lea.subject, data["world"].instructor.subject, "rob", "sam"}
    assert db.session.get(ReportSettings, college_a.id).reporting_course_id is None


def test_launches_and_rosters_after_the_move_write_into_the_new_organisation(wrongly_placed_site, in_request, clock):
    data = wrongly_placed_site
    world, college_b = data["world"], data["college_b"]
    move_to_college_b(data)
    site = db.session.get(Deployment, data["site"].id)

    launch = record_launch(ValidatedLaunch(world.registration, site, {
        "sub": "new-learner", LTI + "roles": [LEARNER_ROLE], LTI + "message_type": "LtiResourceLinkRequest",
        LTI + "context": {"id": data["course"].context_id}, LTI + "resource_link": {"id": "link"},
    }, new_login()), now=clock.now())[0]
    course = db.session.get(Course, data["course"].id)
    record_roster(course, [Member("roster-only", (LEARNER_ROLE,), "Active", "Ron Roster", None)], now=clock.now())
    db.session.flush()

    assert (launch.organisation_id, launch.course_id) == (college_b.id, course.id)
    assert {"new-learner", "roster-only"} <= people_of(college_b)
    assert not {"new-learner", "roster-only"} & people_of(data["college_a"])
    assert rows_in_the_wrong_organisation() == []


def test_choosing_the_organisation_again_repairs_what_an_old_move_left_behind(wrongly_placed_site, in_request, clock):
    """The old "change organisation" moved the site alone; then people launched and the roster was read."""
    data = wrongly_placed_site
    site, course, college_a, college_b = data["site"], data["course"], data["college_a"], data["college_b"]
    lea = data["lea"]
    site.organisation_id = college_b.id
    # Lea launched again: the old launch made her a College B record, in the course College A kept.
    lea_again = person(college_b.id, lea.issuer, lea.subject, "Lea (launched after the move)")
    db.session.add(
        Membership(organisation_id=college_b.id, course_id=course.id, person_id=lea_again.id, role="learner")
    )
    # The roster job wrote a College B learner into College A, the course's organisation.
    leaked = person(college_a.id, lea.issuer, "ron-of-college-b", "Ron")
    member_of(course, leaked)
    db.session.flush()
    assert rows_in_the_wrong_organisation()  # the leak these moves prevent

    deployments.assign_organisation(site.id, organisation_id=college_b.id)  # the admin chooses it again
    db.session.flush()
    deployments.assign_organisation(site.id, organisation_id=college_b.id)  # and again: nothing more to do
    db.session.flush()
    db.session.expire_all()

    assert rows_in_the_wrong_organisation() == []
    assert people_of(college_a) == {"sam", data["kim"].subject}
    assert people_of(college_b) == {lea.subject, data["world"].instructor.subject, "rob", "sam", "ron-of-college-b"}
    # Lea's two records are one, in the course once, with her progress from before the move.
    assert db.session.get(Person, lea.id) is None
    assert db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.course_id == course.id, Membership.person_id == lea_again.id)) == 1
    assert db.session.scalars(select(ModuleProgress.person_id)).all() == [lea_again.id]


@pytest.fixture
def course_left_behind(app, clock):
    """The state the old move left: the site is College B's, its course still College A's."""
    world = make_world("College A")
    college_b = Organisation(name="College B")
    db.session.add(college_b)
    db.session.flush()
    world.deployment.organisation_id = college_b.id
    world.course.roster_url = "https://lms.example/roster"
    db.session.flush()
    return world, college_b


def test_a_launch_into_a_course_of_another_organisation_is_refused_clearly(course_left_behind, client, monkeypatch):
    world, college_b = course_left_behind
    claims = {"sub": "new-learner", LTI + "roles": [INSTRUCTOR_ROLE], LTI + "message_type": "LtiResourceLinkRequest",
              LTI + "context": {"id": world.course.context_id}, LTI + "resource_link": {"id": "link"}}
    # Everything a launch checks has passed: this test is about what the launch writes.
    monkeypatch.setattr("app.lti.routes.browser_step_needed", lambda *args, **kwargs: None)
    validated = ValidatedLaunch(world.registration, world.deployment, claims, new_login())
    monkeypatch.setattr("app.lti.routes.validate_launch", lambda *args, **kwargs: validated)

    response = client.post("/lti/launch", data={"id_token": "checked", "state": "checked"})

    assert response.status_code == 409
    assert "This course&#39;s records are kept in another organisation than its LMS site&#39;s" in response.text
    assert db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.course_id == world.course.id, Membership.organisation_id == college_b.id)) == 0
    assert db.session.scalar(select(func.count()).select_from(Launch)) == 0
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.subject == "new-learner")) == 0


def test_the_roster_job_refuses_a_course_of_another_organisation_before_asking_the_lms(course_left_behind, monkeypatch,
                                                                                       clock):
    world, _ = course_left_behind
    monkeypatch.setattr(roster, "course_members", lambda *args, **kwargs: pytest.fail("the LMS was asked"))

    with pytest.raises(PermanentJobError, match="another organisation than its LMS site"):
        read_roster({"course_id": world.course.id}, job=None)
    with pytest.raises(CourseOfAnotherOrganisation):
        record_roster(world.course, [Member("someone", (LEARNER_ROLE,), "Active", None, None)],
                      now=clock.now())

    assert "another organisation" in db.session.get(Course, world.course.id).roster_error
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.subject == "someone")) == 0


def test_the_refusal_is_an_app_error_with_a_hint(course_left_behind):
    world, college_b = course_left_behind
    from app.tenancy.services import upsert_course

    with pytest.raises(AppError) as refused:
        upsert_course(college_b.id, world.deployment.id, {"id": world.course.context_id})

    assert refused.value.status == 409 and "choosing its organisation again" in refused.value.hint


def test_a_moved_badge_is_signed_again_by_the_new_organisation(app, clock, in_request):
    from app.badges.awarding import awards_of
    from app.badges.credentials import signed_credential
    from app.badges.issuers import issuer_for
    from tests.support.badges import complete_module

    world = make_world("College A")
    college_b = Organisation(name="College B")
    db.session.add(college_b)
    db.session.flush()
    complete_module(app, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now()), "erasmus-plus-for-vet",
                    now=clock.now())
    [earned] = awards_of(world.organisation.id, world.learner.id)
    old_issuer = issuer_for(world.organisation.id).public_id
    assert old_issuer in json.dumps(earned.credential["issuer"])

    deployments.assign_organisation(world.deployment.id, organisation_id=college_b.id)
    db.session.flush()
    moved = db.session.get(BadgeAward, earned.id)
    credential, token = signed_credential(moved)

    new_issuer = issuer_for(college_b.id).public_id
    assert new_issuer in json.dumps(credential["issuer"]) and old_issuer not in json.dumps(credential)
    assert credential["credentialStatus"]["statusListIndex"] == str(moved.status_index)
    assert new_issuer in credential["credentialStatus"]["statusListCredential"]
    assert token and moved.public_id == earned.public_id  # the same award, at the same public address


def test_flask_lti_deployment_settle_repairs_every_site_an_old_move_left_behind(wrongly_placed_site, runner):
    data = wrongly_placed_site
    data["site"].organisation_id = data["college_b"].id  # what the old "change organisation" did
    db.session.commit()

    first = runner.invoke(args=["lti", "deployment", "settle"])
    again = runner.invoke(args=["lti", "deployment", "settle"])
    db.session.expire_all()

    assert first.exit_code == 0, first.output
    assert f"deployment {data['site'].id} settled in organisation {data['college_b'].id}: 1 course(s)" in first.output
    assert "every deployment's records are in its organisation" in again.output
    assert rows_in_the_wrong_organisation() == []


def test_flask_lti_deployment_settle_of_an_unknown_deployment_is_explained(runner):
    result = runner.invoke(args=["lti", "deployment", "settle", "999"])

    assert result.exit_code != 0 and "There is no deployment with id 999." in result.output


def test_moving_the_site_back_gives_the_old_organisation_its_people_again(wrongly_placed_site, in_request):
    data = wrongly_placed_site
    college_a, site = data["college_a"], data["site"]
    before = people_of(college_a)

    move_to_college_b(data)
    deployments.assign_organisation(site.id, organisation_id=college_a.id)
    db.session.flush()
    db.session.expire_all()

    assert rows_in_the_wrong_organisation() == []
    assert people_of(college_a) == before  # Sam's two records are one again
    assert people_of(data["college_b"]) == {"rob"}  # College B's own record of Rob stays for College B's course
    sam = db.session.get(Person, data["sam"].id)
    assert set(db.session.scalars(select(Membership.course_id).where(Membership.person_id == sam.id))) == {
        data["course"].id, data["own_course"].id}


def test_the_new_organisations_instructor_opens_the_moved_courses_dashboard(wrongly_placed_site, in_request, client,
                                                                             clock):
    """Before the fix the course stayed in College A: College B's instructor got 404 on its dashboard."""
    data = wrongly_placed_site
    move_to_college_b(data)
    site = db.session.get(Deployment, data["site"].id)
    launch, launch.token = record_launch(ValidatedLaunch(data["world"].registration, site, {
        "sub": data["world"].instructor.subject, LTI + "roles": [INSTRUCTOR_ROLE],
        LTI + "message_type": "LtiResourceLinkRequest", LTI + "context": {"id": data["course"].context_id},
        LTI + "resource_link": {"id": "link"},
    }, new_login()), now=clock.now())
    db.session.flush()
    sign_in(client, launch)

    page = client.get(f"/courses/{data['course'].id}/dashboard")

    assert launch.organisation_id == data["college_b"].id
    assert page.status_code == 200
    assert "Lea Learner" in page.text
