"""One learner's path, read-only: for the course's instructors (self-ratings only where the organisation allows
instructors to see self-assessment summaries) and for the learner's mentors (never self-ratings); nobody else."""
import pytest

from app.badges.models import BadgeAward
from app.extensions import db
from app.learning.models import ModuleProgress, SelfAssessment, SelfRating
from app.tenancy.models import Course, Membership, Person
from tests.support.factories import INSTRUCTOR_ROLE, LEARNER_ROLE, MENTOR_ROLE, make_launch, make_world, sign_in

pytestmark = pytest.mark.sqlite



def path_url(world, person_id=None) -> str:
    return f"/courses/{world.course.id}/learners/{person_id or world.learner.id}"


@pytest.fixture
def learner_with_a_path(clock, world, player_path):
    """The world's learner: Mobility basics completed (80 %), Mobility next in progress, a badge, a self-assessment
    rating every Rookie statement of Learner mobility "on my own" and the Explorer ones too."""
    for module_id, completed in (("mobility-basics", True), ("mobility-next", False)):
        db.session.add(ModuleProgress(organisation_id=world.organisation.id, person_id=world.learner.id,
                                      module_id=module_id, started_at=clock.now(), updated_at=clock.now(),
                                      completed_at=clock.now() if completed else None, score=80 if completed else None))
    assessment = SelfAssessment(organisation_id=world.organisation.id, person_id=world.learner.id, taken_at=clock.now())
    assessment.ratings = [SelfRating(statement_id=statement.id, rating=2) for statement in player_path.statements
                          if statement.id.startswith("mobility.")]
    db.session.add(assessment)
    db.session.add(BadgeAward(public_id="award-1", organisation_id=world.organisation.id, person_id=world.learner.id,
                              badge_id="mobility-first-steps", awarded_at=clock.now(), recipient_salt="salt",
                              status_index=0))
    db.session.flush()
    return world.learner


def mentor(world, clock, mentees: list[str] | None):
    person = Person(organisation_id=world.organisation.id, issuer=world.registration.issuer, subject="maria",
                    name="Maria Mentor")
    db.session.add(person)
    db.session.flush()
    db.session.add(Membership(organisation_id=world.organisation.id, course_id=world.course.id, person_id=person.id,
                              role="mentor", mentee_subjects=mentees))
    db.session.flush()
    return make_launch(world, person, [MENTOR_ROLE], now=clock.now())


def test_an_instructor_sees_a_member_s_levels_modules_and_badges(client, clock, world, learner_with_a_path):
    sign_in(client, make_launch(world, world.instructor, [INSTRUCTOR_ROLE], now=clock.now()))

    page = client.get(path_url(world)).get_data(as_text=True)

    assert "Lea Learner" in page and "Back to the course dashboard" in page
    assert "1 of 2 modules completed" in page
    assert "Rookie in Learner mobility" in page  # completed modules only: self-ratings are hidden by default
    assert "self-rated" not in page and "modules: Rookie" in page
    assert "Completed</strong> (80 %)" in page and "In progress" in page
    assert "mobility-first-steps" in page
    assert "<form" not in page.split("<main")[1]  # read-only


def test_self_ratings_count_for_an_instructor_only_where_the_organisation_allows_it(
        client, clock, world, learner_with_a_path):
    sign_in(client, make_launch(world, world.instructor, [INSTRUCTOR_ROLE], now=clock.now()))
    world.organisation.instructors_see_self_assessments = True
    db.session.flush()

    page = client.get(path_url(world)).get_data(as_text=True)

    assert "Explorer in Learner mobility" in page and "self-rated: Explorer" in page
    assert "Self-assessment: Taken on" in page


def test_a_mentor_sees_a_mentee_s_path_but_never_their_self_ratings(client, clock, world, learner_with_a_path):
    world.organisation.instructors_see_self_assessments = True
    sign_in(client, mentor(world, clock, [world.learner.subject]))

    mentees = client.get("/mentees").get_data(as_text=True)
    page = client.get(path_url(world)).get_data(as_text=True)

    assert f'href="/courses/{world.course.id}/learners/{world.learner.id}?launch_token=' in mentees
    assert "Rookie in Learner mobility" in page and "self-rated" not in page and "Back to your mentees" in page


def test_a_mentor_cannot_open_someone_the_lms_did_not_name(client, clock, world, learner_with_a_path):
    sign_in(client, mentor(world, clock, ["someone-else", world.instructor.subject + "-not"]))

    assert client.get(path_url(world)).status_code == 403
    assert "Your LMS names no mentees of yours who are in this course." in client.get("/mentees").get_data(
        as_text=True)
    assert client.get(f"/courses/{world.course.id}/dashboard").status_code == 403


def test_a_mentee_not_in_the_course_is_not_listed(client, clock, world, player_path):
    outsider = Person(organisation_id=world.organisation.id, issuer=world.registration.issuer, subject="outsider",
                      name="Olli Outsider")
    db.session.add(outsider)
    db.session.flush()
    sign_in(client, mentor(world, clock, ["outsider", world.learner.subject]))

    mentees = client.get("/mentees").get_data(as_text=True)

    assert "Lea Learner" in mentees and "Olli Outsider" not in mentees
    assert client.get(path_url(world, outsider.id)).status_code == 404


def test_a_learner_or_another_course_s_instructor_is_refused(client, clock, world, learner_with_a_path):
    sign_in(client, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now()))
    assert client.get(path_url(world)).status_code == 403
    assert client.get("/mentees").status_code == 403

    other = Course(organisation_id=world.organisation.id, deployment_id=world.deployment.id, context_id="other")
    db.session.add(other)
    db.session.flush()
    launch = make_launch(world, world.instructor, [INSTRUCTOR_ROLE], now=clock.now())
    launch.course_id = other.id
    db.session.flush()
    sign_in(client, launch)
    assert client.get(path_url(world)).status_code == 403


def test_someone_not_in_the_course_or_another_organisation_s_course_does_not_exist(
        client, clock, world, learner_with_a_path):
    sign_in(client, make_launch(world, world.instructor, [INSTRUCTOR_ROLE], now=clock.now()))
    theirs = make_world("Other College")

    assert client.get(f"/courses/{theirs.course.id}/learners/{theirs.learner.id}").status_code == 404
    assert client.get(path_url(world, theirs.learner.id)).status_code == 404
    assert client.get(path_url(world, 999999)).status_code == 404


def test_the_dashboard_links_each_member_to_their_path(client, clock, world, learner_with_a_path):
    sign_in(client, make_launch(world, world.instructor, [INSTRUCTOR_ROLE], now=clock.now()))

    page = client.get(f"/courses/{world.course.id}/dashboard").get_data(as_text=True)

    assert f'href="/courses/{world.course.id}/learners/{world.learner.id}?launch_token=' in page


def test_a_mentor_s_launch_from_outside_a_course_lands_on_their_own_path(client, clock, world, player_path):
    launch = mentor(world, clock, [world.learner.subject])
    launch.course_id = None
    db.session.flush()
    sign_in(client, launch)

    response = client.get("/start")

    assert response.status_code == 302 and response.headers["Location"].startswith("/?")  # straight to the path
    assert client.get("/mentees").headers["Location"].startswith("/?")  # a bookmark of the mentees page too
