"""The installation admin's session ends at logout, at a password change and after a while, everywhere;
its cookie is SameSite=Lax and only for /admin, while the LMS iframe's cookies stay SameSite=None; Partitioned.

Before, the session was a signed cookie with no server state, valid for 31 days and sent cross-site: a copy of it
(from a shared computer, a proxy log, a stolen laptop) kept working after the admin logged out or changed password.
"""
import pytest

from app.admin import accounts
from app.extensions import db
from tests.support.admin import ADMIN_PASSWORD, log_in
from tests.support.factories import LEARNER_ROLE, make_launch, make_world
from tests.support.forms import post_form


def session_cookie(client):
    """The cookie that holds the admin's session, whatever it is called: what someone who copied it would replay."""
    cookies = [cookie for cookie in client._cookies.values() if cookie.key.startswith("rexvet")]
    assert len(cookies) == 1, [cookie.key for cookie in cookies]
    return cookies[0]


def replay(client, cookie) -> None:
    client.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)


def is_logged_in(client) -> bool:
    response = client.get("/admin/")
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def another_browser(app):
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    client.environ_base["HTTP_REFERER"] = "https://localhost/"
    return client


def test_a_copy_of_the_session_cookie_is_refused_after_logout(admin_client):
    copied = session_cookie(admin_client)

    post_form(admin_client, "/admin/logout", {}, page="/admin/")
    replay(admin_client, copied)

    assert not is_logged_in(admin_client)


def test_logging_out_ends_the_admins_sessions_in_other_browsers_too(app, admin_client):
    laptop = another_browser(app)
    assert log_in(laptop).status_code == 302 and is_logged_in(laptop)

    post_form(admin_client, "/admin/logout", {}, page="/admin/")

    assert not is_logged_in(laptop)
    assert log_in(laptop).status_code == 302 and is_logged_in(laptop)  # a new login works


def test_a_password_change_ends_every_session_of_the_admin(admin_client):
    copied = session_cookie(admin_client)

    accounts.set_admin_password("ops", "a brand new passphrase of words")
    db.session.commit()

    assert not is_logged_in(admin_client)
    replay(admin_client, copied)
    assert not is_logged_in(admin_client)
    assert log_in(admin_client, password=ADMIN_PASSWORD).status_code == 401


def test_another_admins_logout_leaves_this_admin_logged_in(app, admin_client):
    accounts.create_admin_user("second", "another long passphrase")
    db.session.commit()
    other = another_browser(app)
    log_in(other, "second", "another long passphrase")

    post_form(other, "/admin/logout", {}, page="/admin/")

    assert is_logged_in(admin_client)


def test_the_session_ends_after_the_idle_time(app, admin_client, clock):
    clock.advance(seconds=app.config["ADMIN_SESSION_IDLE_SECONDS"] + 1)

    response = admin_client.get("/admin/")

    assert response.status_code == 302 and response.headers["Location"].startswith("/admin/login")
    assert "Your session has ended; log in again." in admin_client.get(response.headers["Location"]).text


def test_activity_keeps_the_session_until_its_lifetime_ends(app, admin_client, clock):
    idle, lifetime = app.config["ADMIN_SESSION_IDLE_SECONDS"], app.config["ADMIN_SESSION_LIFETIME_SECONDS"]
    step = idle - 60
    for _ in range(lifetime // step):
        clock.advance(seconds=step)
        assert is_logged_in(admin_client)  # each request counts as activity

    clock.advance(seconds=step)

    assert not is_logged_in(admin_client)  # however active: the login is older than the lifetime


def test_the_admin_cookie_is_lax_for_admin_pages_only_and_not_partitioned(client, admin_user):
    response = log_in(client)

    admin_cookies = [header for header in response.headers.getlist("Set-Cookie")
                     if header.startswith("rexvet_admin_session=")]
    assert len(admin_cookies) == 1
    attributes = {part.strip() for part in admin_cookies[0].split(";")}
    assert {"Secure", "HttpOnly", "SameSite=Lax", "Path=/admin"} <= attributes
    assert "Partitioned" not in attributes
    assert not [header for header in response.headers.getlist("Set-Cookie") if header.startswith("rexvet_session=")]


@pytest.mark.own_app
def test_pages_outside_the_admin_keep_the_iframe_cookie(app, client):
    """The LMS iframe's session cookie (outside /admin) is still SameSite=None; Partitioned."""

    @app.get("/_iframe_session_probe")
    def probe():
        from flask import session

        session["probe"] = True
        return "ok"

    response = client.get("/_iframe_session_probe")

    header = next(header for header in response.headers.getlist("Set-Cookie") if header.startswith("rexvet_session="))
    attributes = {part.strip() for part in header.split(";")}
    assert {"Secure", "HttpOnly", "SameSite=None", "Partitioned", "Path=/"} <= attributes


def test_a_launch_token_never_opens_a_session_under_admin(admin_client, clock):
    """The admin's pages read only the admin's cookie: a launch's session cannot stand in for it, nor the reverse."""
    world = make_world()
    launch = make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now())
    db.session.commit()

    response = admin_client.get(f"/admin/?launch_token={launch.token}")

    assert response.status_code == 200


@pytest.mark.parametrize("value", ["0", "-5"])
def test_a_session_time_that_is_not_positive_is_refused_at_start(monkeypatch, value):
    from app.config import Config, UnsafeConfiguration

    monkeypatch.setenv("ADMIN_SESSION_IDLE_SECONDS", value)
    with pytest.raises(UnsafeConfiguration, match="must be positive"):
        Config()
