"""A Deep Linking world in one line: an organisation's LMS asks an instructor (or a learner) to add content."""
import pytest

from app.extensions import db
from app.lti.constants import DEEP_LINKING_REQUEST, DEEP_LINKING_SETTINGS
from app.lti.keys import ensure_active_tool_key
from tests.learning.conftest import small_path
from tests.support.factories import make_launch, make_world, sign_in

RETURN_URL = "https://lms.example.org/deep-link/return"
LMS_SETTINGS = {
    "deep_link_return_url": RETURN_URL,
    "accept_types": ["ltiResourceLink"],
    "accept_presentation_document_targets": ["iframe", "window"],
    "accept_multiple": True,
    "accept_lineitem": True,
    "data": "request-42",
}


def deep_linking_launch(world, person, roles, *, now, settings: dict | None = None, locale: str | None = "en"):
    """A validated LtiDeepLinkingRequest of this person, with the LMS's settings (LMS_SETTINGS, overridden)."""
    launch = make_launch(world, person, roles, now=now, locale=locale)
    launch.message_type = DEEP_LINKING_REQUEST
    merged = {**LMS_SETTINGS, **(settings or {})}
    launch.claims = {DEEP_LINKING_SETTINGS: {name: value for name, value in merged.items() if value is not None}}
    db.session.flush()
    return launch


@pytest.fixture
def world(app):
    ensure_active_tool_key()
    return make_world()


@pytest.fixture
def path(app):
    """The small path (two areas, three levels, four modules) instead of the shipped modules."""
    model = small_path()
    app.extensions["path_model"] = model
    return model


@pytest.fixture
def open_picker(client, clock, world, path):
    """open_picker(roles, settings=…, locale=…): sign the client in on a Deep Linking launch of the world's instructor."""

    def open_(roles, *, person=None, settings=None, locale="en"):
        launch = deep_linking_launch(world, person or world.instructor, roles, now=clock.now(), settings=settings,
                                     locale=locale)
        sign_in(client, launch)
        return launch

    return open_
