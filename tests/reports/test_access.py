"""Who reads the skills map: organisation admins, the reporting course's instructors, the installation admin."""
import pytest

from app.extensions import db
from app.reports.access import set_reporting_course
from tests.support.factories import INSTRUCTOR_ROLE, LEARNER_ROLE, ORG_ADMIN_ROLE, make_launch, make_world, sign_in

COURSE_ADMINISTRATOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator"
PAGES = ["/reports/skills-map", "/reports/skills-map/print", "/reports/skills-map.csv", "/reports/skills-map.xlsx"]


@pytest.mark.sqlite  # the default `make run` database: SQLite hands back naive datetimes
def test_organisation_admin_reads_the_skills_map(client, clock, generated):
    world = generated.world
    sign_in(client, make_launch(world, world.instructor, [ORG_ADMIN_ROLE], now=clock.now()))

    for page in PAGES:
        assert client.get(page).status_code == 200, page
    # the gaps name the path's third level by its title, as path.yaml writes it
    assert "at the Practitioner level or above" in client.get(PAGES[0]).get_data(as_text=True)


@pytest.mark.parametrize("roles", [[LEARNER_ROLE], [INSTRUCTOR_ROLE], [COURSE_ADMINISTRATOR]])
def test_learners_instructors_and_course_administrators_outside_the_reporting_course_are_refused(client, clock, roles):
    world = make_world()
    sign_in(client, make_launch(world, world.instructor, roles, now=clock.now()))

    for page in PAGES + ["/reports/people", "/reports/settings"]:
        assert client.get(page).status_code == 403, page


def test_instructor_of_the_reporting_course_reads_the_map_but_not_peoples_data(client, clock):
    world = make_world()
    set_reporting_course(world.organisation.id, world.course.id)
    db.session.flush()
    sign_in(client, make_launch(world, world.instructor, [INSTRUCTOR_ROLE], now=clock.now()))

    assert client.get("/reports/skills-map").status_code == 200
    assert client.get("/reports/people").status_code == 403
    assert client.get(f"/reports/people/{world.learner.id}/data.json").status_code == 403


def test_a_learner_of_the_reporting_course_is_still_refused(client, clock):
    world = make_world()
    set_reporting_course(world.organisation.id, world.course.id)
    db.session.flush()
    sign_in(client, make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now()))

    assert client.get("/reports/skills-map").status_code == 403


def test_reporting_course_must_be_a_course_of_the_organisation(app):
    ours, theirs = make_world("Ours"), make_world("Theirs")

    with pytest.raises(Exception) as refused:
        set_reporting_course(ours.organisation.id, theirs.course.id)
    assert getattr(refused.value, "status", None) == 404
