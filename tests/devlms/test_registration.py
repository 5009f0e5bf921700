"""The platform's public face: its JWKS, its registration values for the tool, and its settings."""

import json
import stat
from pathlib import Path

import jwt

from devlms import create_devlms_app
from devlms.ags.models import LineItem
from devlms.config import SECRET_FILE_NAME, load_settings
from devlms.courses.models import Enrolment
from tests.support.devlms import LmsActions

REPOSITORY = Path(__file__).resolve().parents[2]


def test_committed_registration_file_equals_what_the_lms_serves_at_the_default_url(client):
    committed = json.loads((REPOSITORY / "lti_config" / "devlms.json").read_text(encoding="utf-8"))

    assert client.get("/lti/tool-registration.json").json == committed


def test_registration_values_follow_the_live_base_url(devlms_settings):
    app = create_devlms_app({**devlms_settings, "DEVLMS_BASE_URL": "http://lms.example:8080/"})
    registration = app.test_client().get("/lti/tool-registration.json").json

    assert registration["issuer"] == "http://lms.example:8080"
    assert registration["auth_login_url"] == "http://lms.example:8080/lti/auth"
    assert registration["auth_token_url"] == "http://lms.example:8080/lti/token"
    assert registration["key_set_url"] == "http://lms.example:8080/lti/jwks"
    assert [d["frame_ancestors"] for d in registration["deployments"]] == [["http://lms.example:8080"]] * 2


def test_jwks_publishes_the_rsa_key_that_signs_launches(client, lms):
    jwks = client.get("/lti/jwks").json
    token = lms.id_token()

    assert [(key["kty"], key["alg"], key["use"]) for key in jwks["keys"]] == [("RSA", "RS256", "sig")]
    assert jwt.get_unverified_header(token)["kid"] == jwks["keys"][0]["kid"]
    assert "d" not in jwks["keys"][0]


def test_signing_key_survives_a_restart(devlms_settings, client):
    before = client.get("/lti/jwks").json
    after = create_devlms_app(devlms_settings).test_client().get("/lti/jwks").json

    assert after == before


def test_sample_data_is_seeded_once(devlms_settings, client, fake_tool):
    restarted = LmsActions(create_devlms_app(devlms_settings), None, fake_tool)

    assert len(restarted.rows(Enrolment, course_id="intl-skills")) == 10
    assert len(restarted.rows(LineItem)) == 1


def test_environment_variables_override_defaults_and_a_passed_dict_overrides_both(tmp_path, monkeypatch):
    monkeypatch.setenv("DEVLMS_BASE_URL", "http://from-environment:5001")
    monkeypatch.setenv("DEVLMS_CLIENT_ID", "client-from-environment")
    monkeypatch.setenv("DEVLMS_ALLOW_TAMPERING", "true")
    monkeypatch.setenv("DEVLMS_HTTP_TIMEOUT", "1.5,4")

    settings = load_settings(str(tmp_path), {"DEVLMS_CLIENT_ID": "client-from-dict", "DEVLMS_SECRET_KEY": "s"})

    assert settings["DEVLMS_BASE_URL"] == "http://from-environment:5001"
    assert settings["DEVLMS_CLIENT_ID"] == "client-from-dict"
    assert settings["DEVLMS_ALLOW_TAMPERING"] is True
    assert settings["DEVLMS_HTTP_TIMEOUT"] == (1.5, 4.0)


def test_defaults_are_those_of_a_local_development_run(tmp_path, monkeypatch):
    for name in ("DEVLMS_BASE_URL", "DEVLMS_TOOL_BASE_URL", "DEVLMS_CLIENT_ID", "DEVLMS_ALLOW_TAMPERING",
                 "DEVLMS_DATABASE_URL", "DEVLMS_HTTP_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)

    settings = load_settings(str(tmp_path), {"DEVLMS_SECRET_KEY": "s"})

    assert settings["DEVLMS_BASE_URL"] == "http://localhost:5001"
    assert settings["DEVLMS_TOOL_BASE_URL"] == "http://127.0.0.1:5000"
    assert settings["DEVLMS_CLIENT_ID"] == "rexvet-dev-tool"
    assert settings["DEVLMS_ALLOW_TAMPERING"] is False
    assert settings["DEVLMS_HTTP_TIMEOUT"] == (3.05, 10)
    assert settings["DEVLMS_DATABASE_URL"] == f"sqlite:///{tmp_path / 'devlms.sqlite'}"


def test_secret_key_is_generated_once_into_a_file_only_its_owner_can_read(tmp_path, monkeypatch):
    monkeypatch.delenv("DEVLMS_SECRET_KEY", raising=False)

    first = load_settings(str(tmp_path))["DEVLMS_SECRET_KEY"]
    second = load_settings(str(tmp_path))["DEVLMS_SECRET_KEY"]

    secret_file = tmp_path / SECRET_FILE_NAME
    assert first == second and len(first) >= 40
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600


def test_a_database_of_an_older_devlms_gets_the_tables_it_lacks_columns_of_afresh(devlms_settings, client, lms):
    import sqlite3

    database = devlms_settings["DEVLMS_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:  # deep_linking_request as it was before accept_multiple
        connection.execute("DROP TABLE deep_linking_request")
        connection.execute("CREATE TABLE deep_linking_request (id VARCHAR(100) PRIMARY KEY, course_id VARCHAR(100), "
                           "user_id VARCHAR(100), deployment_id VARCHAR(100), expires_at INTEGER, used_at INTEGER)")

    restarted = LmsActions(create_devlms_app(devlms_settings), client, None)
    with sqlite3.connect(database) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(deep_linking_request)")]

    assert "accept_multiple" in columns
    assert len(restarted.rows(Enrolment, course_id="intl-skills")) == 10  # the rest is kept
