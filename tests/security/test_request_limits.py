"""Requests no route was written for: a NUL in the address, ids past any column, too many fields, too large a
body, a `kid` that is not text. Each gets a clear 4xx page, never a 500.

The routes come from the app's url_map (tests/security/routes.py), so a route added later is covered too.
"""
import base64
import json

import pytest
from werkzeug.routing import IntegerConverter

from app.extensions import db
from app.http_limits import LARGEST_ID
from tests.security.routes import url_of
from tests.support.factories import INSTRUCTOR_ROLE, ORG_ADMIN_ROLE, make_launch, sign_in
from tests.support.forms import post_form

pytestmark = [pytest.mark.sqlite, pytest.mark.usefixtures("world_committed_if_used")]

# Past PostgreSQL's integer (2³¹ − 1), past SQLite's (2⁶³ − 1), and a long number typed into an address.
HUGE_IDS = (LARGEST_ID + 1, 99999999999, 2**63, 10**30)
NOT_INT = {"module_id": "erasmus-plus-for-vet", "section_id": "why", "activity_id": "a", "kind": "ob2.png"}


@pytest.fixture
def launch_client(app, client, clock, world):
    """An organisation admin who teaches the world's course: the widest launch there is."""
    sign_in(client, make_launch(world, world.instructor, [ORG_ADMIN_ROLE, INSTRUCTOR_ROLE], now=clock.now()))
    db.session.commit()
    return client


@pytest.fixture
def admin_client(app):
    from app.admin import accounts

    accounts.create_admin_user("ops", "correct horse battery staple")
    db.session.commit()
    client = app.test_client()
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_REFERER": "https://localhost/"})
    response = post_form(client, "/admin/login", {"username": "ops", "password": "correct horse battery staple"},
                         page="/admin/login")
    assert response.status_code == 302
    return client


def _client_for(rule, launch_client, admin_client):
    return admin_client if rule.endpoint.startswith("admin.") else launch_client


def _methods(rule):
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def test_a_nul_in_any_url_value_is_refused_clearly(app, launch_client, admin_client):
    rules = [rule for rule in app.url_map.iter_rules()
             if any(not isinstance(rule._converters[name], IntegerConverter) for name in rule.arguments)]
    assert any(rule.rule == "/badges/awards/<award_id>" for rule in rules), "no route with a text value found"
    for rule in rules:
        url = url_of(rule, {name: "a\x00b" for name in rule.arguments})
        assert "%00" in url
        for method in _methods(rule):
            response = _client_for(rule, launch_client, admin_client).open(url, method=method)

            assert response.status_code == 400, f"{method} {url} answered {response.status_code}"
            assert "The address contains a NUL character" in response.get_data(as_text=True), url


def test_ids_past_any_id_column_name_nothing(app, launch_client, admin_client):
    """/courses/99999999999/dashboard is a 404, not PostgreSQL's "integer out of range" (500)."""
    rules = [rule for rule in app.url_map.iter_rules()
             if any(isinstance(rule._converters[name], IntegerConverter) for name in rule.arguments)]
    assert "/courses/<int:course_id>/dashboard" in {rule.rule for rule in rules}
    for rule in rules:
        for huge in HUGE_IDS:
            known = {name: huge for name in rule.arguments if isinstance(rule._converters[name], IntegerConverter)}
            url = url_of(rule, {**NOT_INT, **known})
            for method in _methods(rule):
                response = _client_for(rule, launch_client, admin_client).open(url, method=method)

                # 405 where another method's rule has the same shape (Werkzeug checks the method first).
                assert response.status_code in (404, 405), f"{method} {url} answered {response.status_code}"


def test_the_largest_id_still_reaches_its_view(launch_client):
    response = launch_client.get(f"/courses/{LARGEST_ID}/dashboard")

    assert response.status_code == 404  # no such course: the view looked it up and said so
    assert "Not found" in response.get_data(as_text=True)


def _urlencoded(count: int) -> str:
    return "&".join(f"field{n}=1" for n in range(count))


def _multipart(count: int) -> bytes:
    parts = "".join(f'--B\r\nContent-Disposition: form-data; name="field{n}"\r\n\r\n1\r\n' for n in range(count))
    return (parts + "--B--\r\n").encode()


@pytest.mark.parametrize("content_type, body", [
    ("application/x-www-form-urlencoded", _urlencoded(1001)),
    ("multipart/form-data; boundary=B", _multipart(1001)),
], ids=["url-encoded", "multipart"])
@pytest.mark.parametrize("url", ["/lti/launch", "/lti/login", "/admin/login"])
def test_a_form_of_more_than_1000_fields_gets_a_413_page(app, client, url, content_type, body):
    app.config["LTI_RATE_LIMIT"] = app.config["ADMIN_LOGIN_RATE_LIMIT"] = "1000000 per minute"

    response = client.post(url, data=body, content_type=content_type)

    assert response.status_code == 413, response.get_data(as_text=True)[:500]
    page = response.get_data(as_text=True)
    assert ("The request is too large: REX VET Path accepts at most 1 MiB in one request, 500 kB of it as form "
            "text, and 1000 form fields.") in page
    assert "Reference for support" in page


def test_a_query_string_of_more_than_1000_fields_gets_a_413_page(launch_client, world):
    response = launch_client.get(f"/courses/{world.course.id}/dashboard?{_urlencoded(1001)}")

    assert response.status_code == 413


def test_1000_fields_are_still_read(app, client):
    app.config["LTI_RATE_LIMIT"] = "1000000 per minute"

    response = client.post("/lti/login", data=_urlencoded(1000), content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400 and "has no `iss`" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/lti/login", "/lti/launch", "/admin/login"])
def test_a_body_over_1_mib_gets_a_413_page(app, client, url):
    app.config["LTI_RATE_LIMIT"] = app.config["ADMIN_LOGIN_RATE_LIMIT"] = "1000000 per minute"
    part = b'--B\r\nContent-Disposition: form-data; name="f"; filename="a.json"\r\n\r\n'
    body = part + b"x" * (1024 * 1024) + b"\r\n--B--\r\n"

    response = client.post(url, data=body, content_type="multipart/form-data; boundary=B")

    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    assert response.status_code == 413
    assert "at most 1 MiB" in response.get_data(as_text=True)


def _b64(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("kid", [{"k": "v"}, ["k"], 5, True, 1.5], ids=["object", "list", "number", "boolean", "float"])
def test_a_kid_that_is_not_text_is_refused_clearly(app, client, world, kid):
    app.config["LTI_RATE_LIMIT"] = "1000000 per minute"
    header = {"alg": "RS256", "kid": kid, "typ": "JWT"}
    body = {"iss": world.registration.issuer, "aud": world.registration.client_id, "sub": "s", "nonce": "n"}
    token = f"{_b64(header)}.{_b64(body)}.{_b64('signature')}"

    response = client.post("/lti/launch", data={"id_token": token, "state": "s"},
                           headers={"Cookie": "lti-state-s=s"})

    assert response.status_code == 401, response.get_data(as_text=True)[:500]
    assert "key id (kid) is not text" in response.get_data(as_text=True)


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_ids_past_any_id_column_in_forms_and_query_strings_are_refused_clearly(launch_client, world, huge):
    page = launch_client.get(f"/courses/{world.course.id}/dashboard?page={huge}")
    merge = post_form(launch_client, "/organisation/people/merge",
                      {"kept_id": str(huge), "merged_id": str(world.learner.id)},
                      page="/organisation/people?keep=Lea+Learner&merge=Lea+Learner")  # the merge form: a search

    assert page.status_code == 200  # an empty page past the last, as for any page number past it
    assert merge.status_code == 400
    assert "Choose two people of your organisation to merge." in merge.get_data(as_text=True)
