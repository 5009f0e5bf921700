"""A Mentor launch names its mentees (LTI 1.3 Core, "Role-scope mentor claims": a list of user ids): the tool keeps the
latest list on the mentor's membership, refuses a claim of the wrong type or of too many ids, and lands the mentor on
their mentees, whose paths they open read-only (docs/dashboard.md)."""

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from app.clock import current_clock
from app.errors import AppError
from app.extensions import db
from app.lti import constants as claims
from app.lti.launch import record_launch, validate_launch
from app.tenancy.mentors import MAX_MENTEES
from app.tenancy.models import Membership, Person
from tests.support.factories import MENTOR_ROLE, count_launches_as_signed, make_world

pytestmark = pytest.mark.sqlite

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
LEARNER_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


@pytest.fixture
def world(app, monkeypatch):
    """A world whose launches count as signed, in time and once (their own tests are test_launch_validation.py)."""
    count_launches_as_signed(monkeypatch, KEY)
    return make_world()


def launch(world, sub: str, roles: list[str], **extra):
    """Validate and record a launch of the world's course as /lti/launch does; the refusal if there is one."""
    body = {
        "iss": world.registration.issuer, "aud": world.registration.client_id, "nonce": "n", "iat": 0, "exp": 2**31,
        "sub": sub, claims.VERSION: "1.3.0", claims.MESSAGE_TYPE: claims.RESOURCE_LINK_REQUEST,
        claims.DEPLOYMENT_ID: world.deployment.deployment_id, claims.TARGET_LINK_URI: "https://localhost/",
        claims.ROLES: roles, claims.RESOURCE_LINK: {"id": "link-1"},
        claims.CONTEXT: {"id": world.course.context_id}, **extra,
    }
    now = current_clock().now()
    try:
        found, _token = record_launch(validate_launch(
            {"id_token": jwt.encode(body, KEY, algorithm="RS256"), "state": "s"}, {}, now=now), now=now)
    except AppError as error:
        return error
    db.session.flush()
    return found


def mentees_recorded(world, sub: str):
    return db.session.scalar(select(Membership.mentee_subjects).join(Person, Person.id == Membership.person_id)
                             .where(Person.subject == sub, Membership.course_id == world.course.id))


def test_a_mentor_s_launch_records_the_mentees_it_names_once_each(world):
    recorded = launch(world, "maria", [MENTOR_ROLE], **{
        claims.ROLE_SCOPE_MENTOR: [world.learner.subject, "someone-unknown", world.learner.subject, "x" * 300]})

    assert recorded.course_role == "mentor"
    # An id longer than any `sub` names nobody; an id nobody has yet is kept (the roster may bring them later).
    assert mentees_recorded(world, "maria") == [world.learner.subject, "someone-unknown"]


def test_the_latest_launch_says_who_the_mentees_are(world):
    launch(world, "maria", [MENTOR_ROLE], **{claims.ROLE_SCOPE_MENTOR: [world.learner.subject, "other"]})
    launch(world, "maria", [MENTOR_ROLE], **{claims.ROLE_SCOPE_MENTOR: ["other"]})
    assert mentees_recorded(world, "maria") == ["other"]

    launch(world, "maria", [MENTOR_ROLE])
    assert mentees_recorded(world, "maria") is None


def test_a_learner_s_launch_with_the_claim_records_no_mentees(world):
    launch(world, "lea-2", [LEARNER_ROLE], **{claims.ROLE_SCOPE_MENTOR: [world.learner.subject]})

    assert mentees_recorded(world, "lea-2") is None


@pytest.mark.parametrize("value", ["learner-1", [1, 2], [["learner-1"]], {"ids": ["learner-1"]}, [None]])
def test_a_mentor_claim_that_is_not_a_list_of_ids_is_refused(world, value):
    refusal = launch(world, "maria", [MENTOR_ROLE], **{claims.ROLE_SCOPE_MENTOR: value})

    assert isinstance(refusal, AppError) and refusal.status == 400
    assert claims.ROLE_SCOPE_MENTOR in refusal.message


def test_a_mentor_claim_naming_too_many_mentees_is_refused(world):
    refusal = launch(world, "maria", [MENTOR_ROLE],
                     **{claims.ROLE_SCOPE_MENTOR: [f"user-{n}" for n in range(MAX_MENTEES + 1)]})

    assert isinstance(refusal, AppError) and refusal.status == 400
    assert f"accepts at most {MAX_MENTEES}" in refusal.message


def test_the_development_lms_s_mentor_lands_on_their_mentee_and_opens_their_path_read_only(lti_world):
    lti_world.browser.launch("intl-skills-path", "learner")  # the mentee has opened the tool: the tool knows them
    lti_world.new_browser().launch("intl-skills-path", "learner-et")  # in the course, but not Maria's mentee

    landing = lti_world.new_browser()
    page = landing.launch("intl-skills-path", "mentor")

    assert page.status_code == 200 and "/mentees?launch_token=" in page.url
    assert "Laura Learner" in page.text and "Eeva Tamm" not in page.text
    with lti_world.app.app_context():
        mentee, other = (db.session.scalars(select(Person.id).where(Person.subject == sub)).one()
                         for sub in ("learner", "learner-et"))
        course_id = db.session.scalar(select(Membership.course_id).where(Membership.person_id == mentee))
    token = page.url.split("launch_token=")[1]
    path = landing.session.get(f"{lti_world.tool.url}/courses/{course_id}/learners/{mentee}",
                               params={"launch_token": token}, timeout=30)
    refused = landing.session.get(f"{lti_world.tool.url}/courses/{course_id}/learners/{other}",
                                  params={"launch_token": token}, timeout=30)
    dashboard = landing.session.get(f"{lti_world.tool.url}/courses/{course_id}/dashboard",
                                    params={"launch_token": token}, timeout=30)

    assert path.status_code == 200 and "Laura Learner" in path.text and "Back to your mentees" in path.text
    assert "<form" not in path.text.split("<main")[1]  # read-only: nothing to change
    assert refused.status_code == 403 and dashboard.status_code == 403


def test_a_mentor_s_data_export_lists_the_mentees_their_launch_named(world):
    from app.reports.personal_data import person_data

    launch(world, "maria", [MENTOR_ROLE], **{claims.ROLE_SCOPE_MENTOR: [world.learner.subject]})
    maria = db.session.scalars(select(Person).where(Person.subject == "maria")).one()

    [membership] = person_data(world.organisation.id, maria.id)["memberships"]

    assert membership["role"] == "mentor" and membership["mentees"] == [world.learner.subject]
