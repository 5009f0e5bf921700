"""CSRF: every state-changing route refuses a request without the page's token, or with a wrong one.

The routes come from the app's url_map (every POST, PUT, PATCH, DELETE), so a new form is covered the day it
is added. The LTI endpoints are the one exception, by design: the LMS posts to them cross-site, and the OIDC
state, nonce and the id_token's signature protect them instead (tests/lti/test_launch_validation.py).
"""
import pytest

from tests.security.routes import url_of
from tests.support.factories import INSTRUCTOR_ROLE, ORG_ADMIN_ROLE, make_launch, make_world, sign_in
from tests.support.forms import csrf_token_from

pytestmark = pytest.mark.sqlite

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
EXEMPT = {"/lti/login", "/lti/launch"}
VALUES = {"module_id": "erasmus-plus-for-vet", "section_id": "why", "activity_id": "a", "award_id": "x"}


def state_changing_routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & STATE_CHANGING):
            yield rule, method


@pytest.fixture
def signed_in(app, client, clock):
    world = make_world()
    sign_in(client, make_launch(world, world.instructor, [ORG_ADMIN_ROLE, INSTRUCTOR_ROLE], now=clock.now()))
    return world


def _url(rule, world):
    ids = {"course_id": world.course.id, "person_id": world.learner.id, "deployment_id": world.deployment.id,
           "organisation_id": world.organisation.id, "grade_sync_id": 1}
    return url_of(rule, {**VALUES, **ids})


def test_the_only_routes_without_csrf_are_the_lms_endpoints(app):
    posts = {rule.rule for rule, _method in state_changing_routes(app)}

    assert EXEMPT <= posts
    assert len(posts) > 15, "fewer forms than the tool has: is the url_map read?"


@pytest.mark.parametrize("token", [None, "wrong-token", ""], ids=["missing", "wrong", "empty"])
def test_every_state_changing_route_refuses_a_missing_or_wrong_token(app, client, signed_in, token):
    data = {} if token is None else {"csrf_token": token}
    refused = []
    for rule, method in state_changing_routes(app):
        if rule.rule in EXEMPT:
            continue
        response = client.open(_url(rule, signed_in), method=method, data=data)
        assert response.status_code == 400, f"{method} {rule.rule} answered {response.status_code}"
        assert "CSRF" in response.get_data(as_text=True) or "form" in response.get_data(as_text=True).lower()
        refused.append(rule.rule)
    assert "/badges/mine/settings" in refused and "/admin/login" in refused


def test_a_token_from_another_session_is_refused(app, client, signed_in, clock):
    """A token an attacker got from their own session does not work in the victim's."""
    attacker = app.test_client()
    attacker.environ_base.update(client.environ_base)
    other = make_world("Attacker's college")
    sign_in(attacker, make_launch(other, other.learner, [INSTRUCTOR_ROLE], now=clock.now()))
    token = csrf_token_from(attacker.get("/badges/mine"))

    response = client.post("/badges/mine/settings", data={"csrf_token": token, "email": "victim@example.org"})

    assert response.status_code == 400


def test_the_pages_own_token_is_accepted(app, client, signed_in):
    """The control: with the token the page carries, the same form goes through."""
    token = csrf_token_from(client.get("/badges/mine"))

    response = client.post("/badges/mine/settings", data={"csrf_token": token, "email": "lea@example.org"})

    assert response.status_code == 302
