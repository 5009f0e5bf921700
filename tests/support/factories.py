"""Factories that build a world in one line: an organisation with its LMS registration, a course and people."""
import itertools
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from app.extensions import db
from app.lti.login import StartedLogin
from app.lti.models import Launch
from app.lti.session import issue_session_token
from app.tenancy.models import Course, Deployment, Membership, Organisation, Person, Registration
from app.tenancy.roles import tool_role_for

_numbers = itertools.count(1)
LEARNER_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
ORG_ADMIN_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
MENTOR_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"


def make_registration(**values) -> Registration:
    n = next(_numbers)
    issuer = values.pop("issuer", f"https://lms{n}.example.org")
    registration = Registration(
        name=values.pop("name", f"LMS {n}"), issuer=issuer, client_id=values.pop("client_id", f"client-{n}"),
        auth_login_url=f"{issuer}/auth", auth_token_url=f"{issuer}/token", key_set_url=f"{issuer}/jwks", **values,
    )
    db.session.add(registration)
    return registration


@dataclass
class World:
    organisation: Organisation
    registration: Registration
    deployment: Deployment
    course: Course
    learner: Person
    instructor: Person


def make_world(name: str = "College", **registration_values) -> World:
    """An organisation whose LMS site has one course with a learner and an instructor."""
    organisation = Organisation(name=name)
    registration = make_registration(**registration_values)
    deployment = Deployment(
        registration=registration, deployment_id=f"site-{next(_numbers)}", organisation=organisation,
        frame_ancestors=[registration.issuer],
    )
    db.session.add_all([organisation, deployment])
    db.session.flush()
    course = Course(
        organisation_id=organisation.id,
        deployment_id=deployment.id,
        context_id=f"course-{next(_numbers)}",
        title=f"{name} course",
    )
    learner = Person(
        organisation_id=organisation.id,
        issuer=registration.issuer,
        subject=f"learner-{next(_numbers)}",
        name="Lea Learner",
    )
    instructor = Person(
        organisation_id=organisation.id, issuer=registration.issuer, subject=f"teacher-{next(_numbers)}"
    )
    db.session.add_all([course, learner, instructor])
    db.session.flush()
    for person, role in ((learner, "learner"), (instructor, "instructor")):
        db.session.add(Membership(organisation_id=organisation.id, course_id=course.id, person_id=person.id, role=role))
    db.session.flush()
    return World(organisation, registration, deployment, course, learner, instructor)


def make_launch(world: World, person: Person, roles: list[str], *, now, locale: str | None = "en") -> Launch:
    role = tool_role_for(roles)
    launch = Launch(
        id=secrets.token_urlsafe(16), organisation_id=world.organisation.id, deployment_id=world.deployment.id,
        person_id=person.id, course_id=world.course.id, message_type="LtiResourceLinkRequest",
        course_role=role.course_role, is_organisation_admin=role.is_organisation_admin, locale=locale,
        claims={}, expires_at=now + timedelta(hours=1),
    )
    launch.token = issue_session_token(launch)
    db.session.add(launch)
    db.session.flush()
    return launch


def sign_in(client, launch: Launch) -> None:
    """Let the test client carry the launch's token on every request, as the launch's pages do."""
    client.launch_token = launch.token


def new_login() -> StartedLogin:
    """A login never spent, as validation hands it on to record_launch (which spends it)."""
    return StartedLogin(state_id=secrets.token_urlsafe(16), nonce="", registration_id=0,
                        expires_at=datetime.now(UTC) + timedelta(minutes=5), storage_target=None,
                        storage_secret_hash=None)


def count_launches_as_signed(monkeypatch, key) -> None:
    """id_tokens signed with `key` pass the signature, time, nonce and state checks, so a test can look at what it
    is about: the claims (those checks have their own tests in tests/lti/test_launch_validation.py)."""
    from app.lti import launch as launch_module

    public = jwt.PyJWK.from_dict({**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())), "alg": "RS256"})
    monkeypatch.setattr(launch_module, "platform_signing_key", lambda registration, kid, alg: public)
    for check in ("validate_times", "validate_nonce"):
        monkeypatch.setattr(launch_module.ToolMessageLaunch, check, lambda self: self)

    def fresh_login(self):  # a login of its own for each launch, spent when the launch is recorded
        self._login = new_login()
        return self

    monkeypatch.setattr(launch_module.ToolMessageLaunch, "validate_state", fresh_login)
