"""A launch is one redirect (issue 30): the id_token POST answers 303 straight to the page the launch asked for,
and that page renders (200) with no further redirect. Every hop is a round trip inside the LMS frame on a school's
network, and a request's CPU for the tool.

The landings: the path page (a link without a module), the module the link names (where the learner left off, or its
summary once completed), the Deep Linking picker, a mentor's mentees; a link naming a module the path no longer has
lands on the path page with its warning. `/start` (old bookmarks) still opens the same pages.
"""
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from app.clock import current_clock
from app.extensions import db
from app.lti import constants as claims
from app.lti.models import Launch
from tests.support.badges import complete_module
from tests.support.factories import INSTRUCTOR_ROLE, LEARNER_ROLE, MENTOR_ROLE, count_launches_as_signed, make_world

pytestmark = pytest.mark.sqlite

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
MODULE = "erasmus-plus-for-vet"
RETURN_URL = "https://lms.example.org/deep-link-return"


@pytest.fixture
def signed(app, monkeypatch):
    """A world whose launches count as signed, in time and once (their own tests are test_launch_validation.py)."""
    count_launches_as_signed(monkeypatch, KEY)
    app.config["LTI_RATE_LIMIT"] = "1000000 per minute"
    world = make_world()
    db.session.commit()
    return world


def id_token(world, *, sub: str, roles: list[str], module: str | None = None, deep_linking: bool = False,
             locale: str = "en") -> str:
    body = {
        "iss": world.registration.issuer, "aud": world.registration.client_id, "nonce": "n", "iat": 0, "exp": 2**31,
        "sub": sub, claims.VERSION: "1.3.0", claims.DEPLOYMENT_ID: world.deployment.deployment_id,
        claims.TARGET_LINK_URI: "https://localhost/", claims.ROLES: roles,
        claims.CONTEXT: {"id": world.course.context_id}, claims.LAUNCH_PRESENTATION: {"locale": locale},
    }
    if deep_linking:
        body[claims.MESSAGE_TYPE] = claims.DEEP_LINKING_REQUEST
        body[claims.DEEP_LINKING_SETTINGS] = {"deep_link_return_url": RETURN_URL, "accept_types": ["ltiResourceLink"],
                                              "accept_presentation_document_targets": ["iframe"]}
    else:
        body[claims.MESSAGE_TYPE] = claims.RESOURCE_LINK_REQUEST
        body[claims.RESOURCE_LINK] = {"id": "link-1"}
        if module is not None:
            body[claims.CUSTOM] = {"module": module}
    return jwt.encode(body, KEY, algorithm="RS256", headers={"kid": "k"})


def post_launch(client, token: str):
    """The LMS's form POST of the id_token, as the browser sends it."""
    return client.post("/lti/launch", data={"id_token": token, "state": "s"})


def landing_of(client, token: str) -> tuple[str, dict, object]:
    """POST the launch; the 303's path and query, and the page it names fetched with no redirect followed."""
    answer = post_launch(client, token)
    assert answer.status_code == 303, answer.get_data(as_text=True)[:800]
    location = urlsplit(answer.headers["Location"])
    page = client.get(location.path + "?" + location.query)
    return location.path, parse_qs(location.query), page


def assert_rendered(page):
    """The landing is the page itself: 200, not a further redirect."""
    assert page.status_code == 200, (page.status_code, page.headers.get("Location"))


def test_a_link_without_a_module_lands_on_the_path_page(client, signed):
    path, query, page = landing_of(client, id_token(signed, sub="lea", roles=[LEARNER_ROLE]))

    assert path == "/" and list(query) == ["launch_token"]
    assert_rendered(page)
    assert "Your path" in page.get_data(as_text=True)


def test_a_module_link_lands_on_the_module_s_first_section_the_first_time(app, client, signed):
    first_section = app.extensions["path_model"].module(MODULE).sections[0].id

    path, _, page = landing_of(client, id_token(signed, sub="lea", roles=[LEARNER_ROLE], module=MODULE))

    assert path == f"/modules/{MODULE}/sections/{first_section}"
    assert_rendered(page)


def test_a_module_link_lands_where_the_learner_left_off(app, client, signed):
    second_section = app.extensions["path_model"].module(MODULE).sections[1].id
    path, query, _ = landing_of(client, id_token(signed, sub="lea", roles=[LEARNER_ROLE], module=MODULE))
    client.get(f"/modules/{MODULE}/sections/{second_section}?launch_token={query['launch_token'][0]}")

    path, _, page = landing_of(client, id_token(signed, sub="lea", roles=[LEARNER_ROLE], module=MODULE))

    assert path == f"/modules/{MODULE}/sections/{second_section}"
    assert_rendered(page)


def test_a_completed_module_s_link_lands_on_its_summary(app, client, signed):
    landing_of(client, id_token(signed, sub="lea", roles=[LEARNER_ROLE]))  # the learner exists, as after any launch
    earlier = db.session.scalars(select(Launch)).one()
    complete_module(app, earlier, MODULE, now=current_clock().now())
    db.session.commit()

    path, _, page = landing_of(client, id_token(signed, sub="lea", roles=[LEARNER_ROLE], module=MODULE))

    assert path == f"/modules/{MODULE}/summary"
    assert_rendered(page)


def test_a_link_naming_a_module_the_path_no_longer_has_lands_on_the_path_page_with_the_warning(client, signed):
    path, _, page = landing_of(client, id_token(signed, sub="lea", roles=[LEARNER_ROLE], module="gone-module"))

    assert path == "/"
    assert_rendered(page)
    assert "which the path no longer has" in page.get_data(as_text=True)
    assert "gone-module" in page.get_data(as_text=True)


def test_the_warning_is_in_the_launch_s_language_and_shown_once(client, signed):
    """The warning is written at the launch POST, whose browser may prefer another language than the LMS says."""
    answer = client.post("/lti/launch", headers={"Accept-Language": "en"}, data={"id_token": id_token(
        signed, sub="lea", roles=[LEARNER_ROLE], module="gone-module", locale="fi-FI"), "state": "s"})
    location = urlsplit(answer.headers["Location"])

    first = client.get(location.path + "?" + location.query).get_data(as_text=True)
    again = client.get(location.path + "?" + location.query).get_data(as_text=True)

    assert "Tämä kurssilinkki avaa moduulin" in first
    assert "Tämä kurssilinkki avaa moduulin" not in again


def test_a_deep_linking_request_lands_on_the_picker(client, signed):
    path, _, page = landing_of(client, id_token(signed, sub="tea", roles=[INSTRUCTOR_ROLE], deep_linking=True))

    assert path == "/deep-linking/"
    assert_rendered(page)
    assert "Add REX VET Path to your course" in page.get_data(as_text=True)


def test_a_mentor_s_launch_lands_on_their_mentees(client, signed):
    path, _, page = landing_of(client, id_token(signed, sub="maria", roles=[MENTOR_ROLE]))

    assert path == "/mentees"
    assert_rendered(page)
    assert "Your mentees" in page.get_data(as_text=True)


def test_start_still_opens_the_page_the_launch_asked_for(client, signed):
    """Old bookmarks: /start redirects once, to the same page the launch's 303 named."""
    answer = post_launch(client, id_token(signed, sub="lea", roles=[LEARNER_ROLE], module=MODULE))
    token = parse_qs(urlsplit(answer.headers["Location"]).query)["launch_token"][0]

    again = client.get(f"/start?launch_token={token}")

    assert again.status_code == 302
    assert urlsplit(again.headers["Location"]).path == urlsplit(answer.headers["Location"]).path
