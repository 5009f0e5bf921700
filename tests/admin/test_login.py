"""Logging in to the admin: the right password opens a fresh session; nothing else tells an attacker anything."""
import pytest

from app.admin.auth import local_path
from app.clock import as_utc
from tests.support.admin import ADMIN_PASSWORD, log_in
from tests.support.forms import csrf_token_from, post_form

WRONG_CREDENTIALS = "Wrong username or password."


def test_login_with_the_right_password_opens_the_overview(client, admin_user, clock):
    response = log_in(client)

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    with client.session_transaction("/admin/") as session:
        assert session["admin_user_id"] == admin_user.id
    assert as_utc(admin_user.last_login_at) == clock.now()
    assert "Installation overview" in client.get("/admin/").get_data(as_text=True)


@pytest.mark.parametrize(
    "username, password",
    [("ops", "not the right password"), ("nobody", ADMIN_PASSWORD)],
    ids=["wrong password", "unknown username"],
)
def test_login_failure_says_the_same_for_a_wrong_username_and_a_wrong_password(client, admin_user, username, password):
    response = log_in(client, username, password)

    assert response.status_code == 401
    assert WRONG_CREDENTIALS in response.get_data(as_text=True)
    with client.session_transaction("/admin/") as session:
        assert "admin_user_id" not in session


def test_login_without_the_csrf_token_is_refused(client, admin_user):
    response = client.post("/admin/login", data={"username": "ops", "password": ADMIN_PASSWORD})

    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    with client.session_transaction("/admin/") as session:
        assert "admin_user_id" not in session


def test_login_starts_a_fresh_session(client, admin_user):
    with client.session_transaction("/admin/") as session:
        session["planted"] = "by someone else"

    log_in(client)

    with client.session_transaction("/admin/") as session:
        assert "planted" not in session


def test_sixth_login_attempt_within_a_minute_is_answered_429(client, admin_user):
    for _ in range(5):
        assert log_in(client, "ops", "a wrong guess here").status_code == 401

    response = log_in(client, "ops", ADMIN_PASSWORD)

    assert response.status_code == 429
    assert "Too many login attempts; wait a minute" in response.get_data(as_text=True)


def test_login_page_itself_is_not_rate_limited(client):
    for _ in range(8):
        assert client.get("/admin/login").status_code == 200


def test_login_returns_to_the_page_that_asked_for_it(client, admin_user, pending_deployment):
    page = f"/admin/deployments/{pending_deployment.id}"
    login_page = client.get(page, follow_redirects=True)

    response = client.post(
        "/admin/login",
        data={"csrf_token": csrf_token_from(login_page), "username": "ops", "password": ADMIN_PASSWORD, "next": page},
    )

    assert response.headers["Location"] == page


def test_login_never_redirects_to_another_site(client, admin_user):
    response = post_form(
        client,
        "/admin/login",
        {"username": "ops", "password": ADMIN_PASSWORD, "next": "https://evil.example/phish"},
        page="/admin/login",
    )

    assert response.headers["Location"] == "/admin/"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/", "//evil.example/", "/\\evil.example", "/\t/evil.example", "javascript:alert(1)",
        "admin/",
    ],
)
def test_only_local_paths_are_redirect_targets(target):
    assert local_path(target) is None


def test_a_local_path_with_a_query_is_a_redirect_target():
    assert local_path("/admin/deployments/3?tab=frames") == "/admin/deployments/3?tab=frames"


def test_logout_ends_the_admin_session(admin_client):
    response = post_form(admin_client, "/admin/logout", {}, page="/admin/")

    assert response.status_code == 302
    assert admin_client.get("/admin/").status_code == 302


def test_logout_without_the_csrf_token_is_refused(admin_client):
    assert admin_client.post("/admin/logout").status_code == 400
    assert admin_client.get("/admin/").status_code == 200
