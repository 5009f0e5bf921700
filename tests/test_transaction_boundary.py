"""One commit per request, at the boundary: after the view, its hooks and the session's save, before the
response leaves; every error page rolls the request's writes back; a request that never reached the database
commits nothing."""
import psycopg
import pytest
import sqlalchemy as sa
from flask import abort, redirect
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.errors import AppError
from app.extensions import db
from app.shared_cache import CacheEntry, shared_cache

# The tests add views to the app: each gets an app of its own (Flask refuses routes on an app that has served).
pytestmark = [pytest.mark.sqlite, pytest.mark.own_app]


@pytest.fixture
def commits():
    """Every commit a session begins (a list of one entry each), for the test's duration."""
    seen = []

    def count(session):
        seen.append(session)

    sa.event.listen(Session, "before_commit", count)
    yield seen
    sa.event.remove(Session, "before_commit", count)


@pytest.fixture
def routes(app):
    """Views that write, then answer in the ways a route can."""

    @app.get("/boundary-test/write-then-redirect")
    def write_then_redirect():
        shared_cache().set("written", "yes")
        return redirect("/somewhere", 303)

    @app.get("/boundary-test/write-then-refuse")
    def write_then_refuse():
        shared_cache().set("written", "yes")
        raise AppError("Refused after a write.")

    @app.get("/boundary-test/write-then-404")
    def write_then_404():
        shared_cache().set("written", "yes")
        abort(404)

    @app.get("/boundary-test/no-database")
    def no_database():
        return "nothing stored"

    return app


def written() -> bool:
    return db.session.get(CacheEntry, "written", populate_existing=True) is not None


def test_a_redirect_after_a_write_is_sent_with_the_write_committed(routes, client):
    response = client.get("/boundary-test/write-then-redirect")
    assert response.status_code == 303 and written()


def test_a_commit_that_fails_answers_its_error_page_never_the_redirect(routes, client):
    def refuse(session):
        raise OperationalError("COMMIT", {}, psycopg.OperationalError("connection failed: Connection refused"))

    sa.event.listen(Session, "before_commit", refuse)
    try:
        response = client.get("/boundary-test/write-then-redirect")
    finally:
        sa.event.remove(Session, "before_commit", refuse)

    assert response.status_code == 503 and "Location" not in response.headers
    assert response.headers["Retry-After"] == "60" and response.headers["X-Content-Type-Options"] == "nosniff"
    assert not written()


@pytest.mark.parametrize("url, status", [("/boundary-test/write-then-refuse", 400),
                                         ("/boundary-test/write-then-404", 404)])
def test_an_error_page_keeps_none_of_the_request_s_writes(routes, client, url, status):
    assert client.get(url).status_code == status
    assert not written()


def test_a_request_that_never_reaches_the_database_commits_nothing(routes, client, commits):
    assert client.get("/boundary-test/no-database").status_code == 200
    assert commits == []


def test_a_request_that_writes_commits_once(routes, client, commits):
    client.get("/boundary-test/write-then-redirect")
    assert len(commits) == 1
