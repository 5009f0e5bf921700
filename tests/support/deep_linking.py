"""A Deep Linking request in one line: an organisation's LMS asks an instructor (or a learner) to add content."""
from app.extensions import db
from app.lti.constants import DEEP_LINKING_REQUEST, DEEP_LINKING_SETTINGS
from tests.support.factories import make_launch
from tests.support.forms import csrf_token_from

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


def submit(client, button: str, choices=(), **fields):
    """Press "Add to course" (add) or "Cancel" (cancel) on the picker, as the browser sends the form."""
    token = csrf_token_from(client.get("/deep-linking/"))
    return client.post(f"/deep-linking/{button}", data={"csrf_token": token, "item": list(choices), **fields})
