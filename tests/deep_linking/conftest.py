"""A Deep Linking world in one line: an organisation's LMS asks an instructor (or a learner) to add content."""
import pytest

from app.lti.keys import ensure_active_tool_key
from tests.support.content import small_path
from tests.support.deep_linking import deep_linking_launch
from tests.support.factories import sign_in


@pytest.fixture(autouse=True)
def tool_key(request):
    """Deep Linking answers are signed with the tool's key: every test with a `world` has one."""
    if "world" in request.fixturenames:
        request.getfixturevalue("app")
        ensure_active_tool_key()


@pytest.fixture
def path(app):
    """The small path (two areas, three levels, four modules) instead of the shipped modules."""
    model = small_path()
    app.extensions["path_model"] = model
    return model


@pytest.fixture
def open_picker(client, clock, world, path):
    """open_picker(roles, settings=…, locale=…): sign the client in on a Deep Linking launch of the world's
    instructor."""

    def open_(roles, *, person=None, settings=None, locale="en"):
        launch = deep_linking_launch(world, person or world.instructor, roles, now=clock.now(), settings=settings,
                                     locale=locale)
        sign_in(client, launch)
        return launch

    return open_
