"""The one `world` (an organisation whose LMS site has a course with a learner and an instructor) and
`launch_as(role)`, which launches the world's person of that role and signs the test's client in."""
import pytest

from app.extensions import db
from tests.support.factories import INSTRUCTOR_ROLE, LEARNER_ROLE, ORG_ADMIN_ROLE, make_launch, make_world, sign_in

ROLES = {
    "learner": [LEARNER_ROLE],
    "instructor": [INSTRUCTOR_ROLE],
    "organisation admin": [ORG_ADMIN_ROLE, INSTRUCTOR_ROLE],
}


@pytest.fixture
def world(app):
    return make_world()


@pytest.fixture
def world_committed_if_used(request):
    """For a module whose tests send requests that read the world: when a test uses `world`, it is committed, as a
    launch leaves it (its savepoint released; the test's transaction still rolls back)."""
    if "world" in request.fixturenames:
        request.getfixturevalue("world")
        db.session.commit()


@pytest.fixture
def launch_as(client, clock, world):
    """launch_as("learner" | "instructor" | "organisation admin", person=…, locale=…) → the signed-in launch.

    The person defaults to the world's learner for "learner", else its instructor."""

    def launch(role: str, *, person=None, **values):
        if person is None:
            person = world.learner if role == "learner" else world.instructor
        launch = make_launch(world, person, ROLES[role], now=clock.now(), **values)
        sign_in(client, launch)
        return launch

    return launch
