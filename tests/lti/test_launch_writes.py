"""What a launch writes, and in how many statements: its login spent, the person, course and membership, the launch
row and the rows other features write with every launch (the reports' launch history). On PostgreSQL one statement,
each row from the ones before it (a round trip costs the database more than these rows do: docs/benchmarks.md); on
SQLite, which has no INSERT inside WITH, one statement each. A login spent before writes no launch."""
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from app.extensions import db
from app.lti import constants as claims
from app.lti.launch_writes import spend_login, write_launch
from app.lti.models import Launch, SpentLogin
from app.reports.models import LaunchRecord
from app.tenancy.models import Course, Membership, Person
from app.tenancy.roles import tool_role_for
from tests.support.factories import LEARNER_ROLE, count_launches_as_signed, make_world, new_login
from tests.support.queries import counted_queries

pytestmark = pytest.mark.sqlite

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def signed(app, monkeypatch):
    """A world whose launches count as signed, in time and once (their own tests are test_launch_validation.py)."""
    count_launches_as_signed(monkeypatch, KEY)
    world = make_world()
    db.session.commit()
    return world


def id_token(world, *, sub: str, context: dict | None) -> str:
    body = {
        "iss": world.registration.issuer, "aud": world.registration.client_id, "nonce": "n", "iat": 0, "exp": 2**31,
        "sub": sub, "name": "Lea Learner", claims.VERSION: "1.3.0",
        claims.DEPLOYMENT_ID: world.deployment.deployment_id, claims.TARGET_LINK_URI: "https://localhost/",
        claims.ROLES: [LEARNER_ROLE],
        claims.MESSAGE_TYPE: claims.RESOURCE_LINK_REQUEST, claims.RESOURCE_LINK: {"id": "link-1"},
    }
    if context is not None:
        body[claims.CONTEXT] = context
    return jwt.encode(body, KEY, algorithm="RS256", headers={"kid": "k"})


def writes_of_launch(client, token: str) -> list[str]:
    """POST the launch; the statements it sent that write (reads left out, and the savepoints that stand in for the
    request's commit in these tests)."""
    with counted_queries() as statements:
        answer = client.post("/lti/launch", data={"id_token": token, "state": "s"})
    assert answer.status_code == 303, answer.get_data(as_text=True)[:800]
    return [statement for statement in statements
            if not statement.lstrip().startswith(("SELECT", "SAVEPOINT", "RELEASE"))]


def expected_statements(postgresql_count: int, sqlite_count: int) -> int:
    return postgresql_count if db.engine.dialect.name == "postgresql" else sqlite_count


def test_a_launch_into_a_course_writes_every_row_of_it_in_one_statement_on_postgresql(client, signed):
    writes = writes_of_launch(client, id_token(signed, sub="lea", context={"id": "course-42", "title": "VET staff"}))

    # spent login, person, course, membership, launch, launch record
    assert len(writes) == expected_statements(1, 6), writes
    person = db.session.scalars(select(Person).where(Person.subject == "lea")).one()
    course = db.session.scalars(select(Course).where(Course.context_id == "course-42")).one()
    assert person.name == "Lea Learner" and course.title == "VET staff"
    assert course.organisation_id == signed.organisation.id
    membership = db.session.scalars(select(Membership).where(Membership.person_id == person.id)).one()
    assert membership.course_id == course.id and membership.role == "learner"
    launch = db.session.scalars(select(Launch).where(Launch.person_id == person.id)).one()
    assert launch.course_id == course.id and launch.organisation_id == signed.organisation.id
    record = db.session.scalars(select(LaunchRecord).where(LaunchRecord.person_id == person.id)).one()
    assert (record.organisation_id, record.course_id, record.launched_at) == (
        launch.organisation_id, course.id, launch.created_at)
    assert db.session.scalar(select(func.count()).select_from(SpentLogin)) == 1


def test_a_launch_without_a_course_writes_the_person_the_launch_and_its_record(client, signed):
    writes = writes_of_launch(client, id_token(signed, sub="sam", context=None))

    assert len(writes) == expected_statements(1, 4), writes  # spent login, person, launch, launch record
    person = db.session.scalars(select(Person).where(Person.subject == "sam")).one()
    launch = db.session.scalars(select(Launch).where(Launch.person_id == person.id)).one()
    assert launch.course_id is None
    record = db.session.scalars(select(LaunchRecord).where(LaunchRecord.person_id == person.id)).one()
    assert record.course_id is None and record.launched_at == launch.created_at


def test_a_second_launch_of_the_same_person_brings_their_rows_up_to_date(client, signed):
    writes_of_launch(client, id_token(signed, sub="lea", context={"id": "course-42", "title": "Old title"}))
    writes_of_launch(client, id_token(signed, sub="lea", context={"id": "course-42", "title": "New title"}))

    person = db.session.scalars(select(Person).where(Person.subject == "lea")).one()
    assert db.session.scalars(select(Course.title).where(Course.context_id == "course-42")).one() == "New title"
    assert db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.person_id == person.id)) == 1
    assert db.session.scalar(select(func.count()).select_from(Launch).where(Launch.person_id == person.id)) == 2
    assert db.session.scalar(select(func.count()).select_from(LaunchRecord).where(
        LaunchRecord.person_id == person.id)) == 2


def test_a_login_spent_before_writes_no_launch_and_no_record(app, signed, clock):
    login = new_login()
    assert spend_login(login)
    launch = Launch(id="replayed", organisation_id=signed.organisation.id, deployment_id=signed.deployment.id,
                    person_id=None, course_id=None, message_type=claims.RESOURCE_LINK_REQUEST, course_role="learner",
                    is_organisation_admin=False, locale="en", resource_link_id="link-1", claims={},
                    created_at=clock.now(), expires_at=clock.now() + timedelta(hours=1), session_token_hash="0" * 64,
                    session_data={}, deep_linking_answered_at=None)

    written = write_launch(launch, login, dict(
        organisation_id=signed.organisation.id, deployment_id=signed.deployment.id,
        issuer=signed.registration.issuer, subject="replayer", role=tool_role_for([LEARNER_ROLE]),
        lti_roles=[LEARNER_ROLE], roster_url=None, name=None, email=None, locale="en", now=clock.now(),
    ), context={"id": signed.course.context_id})

    assert written is None  # the caller refuses the launch, and its error page rolls the request back
    assert db.session.get(Launch, "replayed") is None
    assert db.session.scalar(select(func.count()).select_from(LaunchRecord)) == 0
