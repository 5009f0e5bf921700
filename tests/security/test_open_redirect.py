"""Open redirects: no parameter of any route sends the browser to another site.

Every route of the url_map is called with every usual redirect parameter set to another site, in the spellings
browsers read as "another host"; whatever it answers, a redirect stays on this site.
"""
import re
from urllib.parse import urlencode, urlsplit

import pytest

from tests.security.routes import url_of
from tests.support.admin import ADMIN_PASSWORD, log_in
from tests.support.factories import INSTRUCTOR_ROLE, ORG_ADMIN_ROLE, make_launch, make_world, sign_in
from tests.support.forms import csrf_token_from

EVIL = [
    "https://evil.example/phish",
    "//evil.example/",
    "/\\evil.example",
    "/\t/evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "https:evil.example",
    "/%2F%2Fevil.example",
    " //evil.example",
    "%0d%0aLocation: //evil.example",
]
PARAMETERS = [
    "next",
    "return",
    "return_to",
    "return_url",
    "redirect",
    "redirect_uri",
    "url",
    "target",
    "back",
    "continue",
]
VALUES = {
    "module_id": "erasmus-plus-for-vet",
    "section_id": "why",
    "activity_id": "a",
    "award_id": "x",
    "kind": "ob2.png",
    "issuer_id": "x",
    "badge_id": "x",
    "thumbprint": "x",
    "number": 1,
    "target_id": "x",
    "filename": "x",
}


def assert_stays_here(response, what):
    location = response.headers.get("Location")
    if location is None:
        return
    parts = urlsplit(location)
    assert parts.netloc in ("", "localhost"), f"{what} redirects to {location}"
    assert parts.scheme in ("", "http", "https"), f"{what} redirects to {location}"
    assert not location.startswith(("//", "/\\", "\\")), f"{what} redirects to {location}"


@pytest.mark.parametrize("who", ["organisation admin in a launch", "installation admin"])
def test_no_route_redirects_to_another_site(app, client, clock, admin_user, who):
    world = make_world()
    if who == "installation admin":
        assert log_in(client).status_code == 302
    else:
        sign_in(client, make_launch(world, world.instructor, [ORG_ADMIN_ROLE, INSTRUCTOR_ROLE], now=clock.now()))
    app.config["WTF_CSRF_ENABLED"] = False
    ids = {"course_id": world.course.id, "person_id": world.learner.id, "deployment_id": world.deployment.id,
           "organisation_id": world.organisation.id, "grade_sync_id": 1}
    called = 0
    for rule in app.url_map.iter_rules():
        if rule.rule in ("/lti/register", "/admin/logout"):
            continue  # would fetch the parameter as a URL: refused there for not being a platform (its own tests)
        url = url_of(rule, {**VALUES, **ids})
        for evil in EVIL:
            query = {name: evil for name in PARAMETERS}
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(f"{url}?{urlencode(query)}", method=method, data=query)
                called += 1
                assert_stays_here(response, f"{method} {url}?…={evil!r}")
    assert called > 300


@pytest.mark.parametrize("evil", EVIL)
def test_admin_login_returns_only_to_a_page_of_this_site(app, client, admin_user, evil):
    login_page = client.get("/admin/login", query_string={"next": evil})
    kept = re.search(
        r'name="next"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="next"', login_page.get_data(as_text=True)
    )
    assert kept is None or not any(kept.groups()) or (kept.group(1) or kept.group(2)).startswith("/%2F")

    response = client.post("/admin/login", data={"csrf_token": csrf_token_from(login_page), "username": "ops",
                                                 "password": ADMIN_PASSWORD, "next": evil})

    assert response.status_code == 302
    assert_stays_here(response, f"admin login with next={evil!r}")
    assert response.headers["Location"] in ("/admin/", "/%2F%2Fevil.example")  # the latter: a path of this site


@pytest.mark.parametrize("target", ["https://evil.example/lti/launch", "http://localhost.evil.example/",
                                    "//evil.example/lti/launch", "javascript:alert(1)"])
def test_login_initiation_refuses_a_target_link_uri_of_another_site(app, client, target):
    world = make_world()

    response = client.get(
        "/lti/login",
        query_string={
            "iss": world.registration.issuer,
            "login_hint": "x",
            "target_link_uri": target,
            "client_id": world.registration.client_id,
        },
    )

    assert response.status_code == 400
    assert "target link is not on this tool" in response.get_data(as_text=True)
    assert "Location" not in response.headers
