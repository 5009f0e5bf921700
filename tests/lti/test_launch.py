"""Launches that succeed: through the development LMS over real HTTP, as each kind of user."""
from urllib.parse import urljoin

import pytest
import requests
from sqlalchemy import select

from app.extensions import db
from app.lti.models import Launch
from app.tenancy.models import Deployment, Organisation, Person

LINK = "intl-skills-path"


def launch_roles(app) -> dict:
    """subject → (course role, organisation admin) of every recorded launch."""
    with app.app_context():
        return {
            launch.person.subject: (launch.course_role, launch.is_organisation_admin)
            for launch in db.session.scalars(select(Launch))
        }


@pytest.mark.sqlite
def test_launch_through_the_development_lms_lands_on_the_path_page(lti_world):
    response = lti_world.browser.launch(LINK, "learner")

    assert response.status_code == 200
    assert response.url.startswith(lti_world.tool.url + "/?launch_token=")
    assert "Laura Learner" in response.text
    assert "International skills for VET staff" in response.text
    assert 'data-testid="role">Learner' in response.text


def test_launch_session_travels_with_the_page_and_only_the_lms_may_frame_it(lti_world):
    form = lti_world.browser.open_launch(LINK, "learner")
    answer = lti_world.browser.session.post(form.action, data=form.fields, allow_redirects=False, timeout=30)

    assert answer.status_code == 303
    assert "launch_token=" in answer.headers["Location"]
    assert not [c for c in answer.raw.headers.getlist("Set-Cookie") if c.startswith("rexvet_session=")]
    page = requests.get(urljoin(answer.url, answer.headers["Location"]), timeout=10)  # no cookie at all
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == f"frame-ancestors 'self' {lti_world.devlms.url}"
    assert page.headers["Referrer-Policy"] == "same-origin"


def test_page_without_the_launch_token_has_no_session(lti_world):
    lti_world.browser.launch(LINK, "learner")

    page = lti_world.browser.session.get(lti_world.tool.url + "/", timeout=10)

    assert page.status_code == 403
    assert "Open REX VET Path again from your course" in page.text


def test_locale_from_the_launch_is_kept_for_the_session(lti_world):
    page = lti_world.browser.launch(LINK, "instructor")  # Finnish in the development LMS

    assert '<html lang="fi">' in page.text


def test_person_without_name_or_email_launches_and_is_known_by_sub(lti_world):
    response = lti_world.browser.launch(LINK, "anonymous")

    assert response.status_code == 200
    with lti_world.app.app_context():
        person = db.session.scalars(select(Person).where(Person.subject == "anonymous")).one()
        assert (person.name, person.email) == (None, None)


def test_instructor_and_organisation_admin_roles_come_from_the_launch(lti_world):
    lti_world.browser.launch(LINK, "orgadmin")
    lti_world.new_browser().launch(LINK, "courseadmin")

    roles = launch_roles(lti_world.app)
    assert roles["orgadmin"] == ("instructor", True)
    assert roles["courseadmin"] == ("instructor", False)


def test_new_site_under_a_known_registration_gets_its_own_organisation(lti_world):
    response = lti_world.browser.launch(LINK, "learner", deployment="a-new-customer-site")

    assert response.status_code == 200
    with lti_world.app.app_context():
        deployment = db.session.scalars(
            select(Deployment).where(Deployment.deployment_id == "a-new-customer-site")
        ).one()
        assert deployment.status == Deployment.ACTIVE
        assert deployment.organisation.name not in {"Development College", "Second Development College"}
        assert len(db.session.scalars(select(Organisation)).all()) == 3


def test_same_lms_user_in_two_sites_is_two_people(lti_world):
    lti_world.browser.launch(LINK, "learner")
    lti_world.new_browser().launch("second-college-path", "learner-et")
    lti_world.new_browser().launch(LINK, "learner-et")

    with lti_world.app.app_context():
        people = db.session.scalars(select(Person).where(Person.subject == "learner-et")).all()
        assert len({person.organisation_id for person in people}) == 2
