"""PostgreSQL unreachable: every page answers 503 "briefly unavailable, try again in a minute" with Retry-After,
in the reader's language (JSON to programs), and the log says so once per request, without the password.

The tool here points at a port nothing listens on (the shared test server is never stopped); the restart under
gunicorn is tests/deploy/test_postgresql_restart.py."""
import json
import logging

import psycopg
import pytest
from sqlalchemy.exc import OperationalError

from app.errors import database_unreachable, describe_database_error
from tests.deploy.processes import free_port
from tests.support.app import make_app

pytestmark = pytest.mark.sqlite  # no database of the run is used: it runs the same under either backend

PASSWORD = "db-secret-Kx7"
TOKEN = "a-launch-token-of-some-learner"


@pytest.fixture
def unreachable(caplog):
    """A client of the tool whose DATABASE_URL (with a password) names a closed port."""
    app = make_app(f"postgresql+psycopg://rexvet:{PASSWORD}@127.0.0.1:{free_port()}/rexvet")
    caplog.set_level(logging.INFO)
    with app.app_context():
        yield app.test_client()


def log_of(caplog, level: int) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno == level]


@pytest.mark.parametrize("url", [f"/?launch_token={TOKEN}", f"/badges/mine?launch_token={TOKEN}", "/badges/awards/abc",
                                 "/badges/shared/abc"])
def test_a_page_answers_503_with_a_retry_after_and_says_to_try_again_in_a_minute(unreachable, caplog, url):
    response = unreachable.get(url)

    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert (
        "Service briefly unavailable" in page and "The service is briefly unavailable; try again in a minute." in page
    )
    [warning] = log_of(caplog, logging.WARNING)
    assert "database unreachable" in warning and "Connection refused" in warning
    assert not log_of(caplog, logging.ERROR)
    assert PASSWORD not in caplog.text and TOKEN not in caplog.text


def test_a_form_sent_while_the_database_is_down_gets_the_same_page_not_a_csrf_refusal(unreachable, caplog):
    response = unreachable.post("/badges/mine/settings", data={"launch_token": TOKEN, "email": "x@example.org"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert len(log_of(caplog, logging.WARNING)) == 1 and not log_of(caplog, logging.ERROR)


def test_the_page_is_in_the_reader_s_language(unreachable):
    page = unreachable.get("/badges/awards/abc", headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert 'lang="fi"' in page and "The service is briefly unavailable" not in page


@pytest.mark.parametrize("url", ["/badges/credentials/abc", "/badges/ob2/assertions/abc", "/badges/issuers/abc",
                                 "/badges/status/abc/1", "/lti/jwks.json"])
def test_documents_for_programs_answer_a_json_503(unreachable, caplog, url):
    response = unreachable.get(url)
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    body = json.loads(response.get_data(as_text=True))
    assert body["message"] == "The service is briefly unavailable; try again in a minute."
    assert body["error"] == "Service briefly unavailable" and body["reference"] in caplog.text
    assert PASSWORD not in caplog.text


def test_a_client_asking_for_json_gets_json(unreachable):
    response = unreachable.get("/badges/awards/abc", headers={"Accept": "application/json"})
    assert response.status_code == 503 and response.is_json


def _error(driver_error) -> OperationalError:
    return OperationalError("SELECT 1", {}, driver_error)


def test_only_a_database_out_of_reach_is_unavailable_not_a_failed_query():
    assert database_unreachable(_error(psycopg.OperationalError("connection failed: Connection refused")))
    assert database_unreachable(_error(psycopg.errors.AdminShutdown("terminating connection")))  # 57P01
    assert database_unreachable(_error(psycopg.errors.CannotConnectNow("the database system is starting up")))
    assert not database_unreachable(_error(psycopg.errors.QueryCanceled("canceling statement due to timeout")))
    assert not database_unreachable(_error(psycopg.errors.DeadlockDetected("deadlock detected")))


def test_the_log_line_names_the_failure_never_a_password():
    text = describe_database_error(_error(psycopg.OperationalError(
        f"could not connect to postgresql://rexvet:{PASSWORD}@db.internal/rexvet password={PASSWORD}\nmore")))
    assert PASSWORD not in text and "db.internal" in text and "more" not in text


def test_a_failed_query_stays_a_server_error(unreachable):
    app = unreachable.application

    @app.get("/deadlock-for-the-test")
    def deadlock():
        raise _error(psycopg.errors.DeadlockDetected("deadlock detected"))

    # Under TESTING Flask hands the unhandled error to the test (in production: the 500 page and its traceback).
    with pytest.raises(OperationalError):
        unreachable.get("/deadlock-for-the-test")
