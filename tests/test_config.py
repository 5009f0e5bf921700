"""Production refuses to start with unsafe settings; development makes its secrets once, privately."""
import logging
import stat

import pytest

from app.config import UnsafeConfiguration, load_or_create_dev_secrets
from tests.support.config import GOOD_SECRET, KEK, production

pytestmark = pytest.mark.sqlite


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    with pytest.raises(UnsafeConfiguration, match="SECRET_KEY"):
        production(monkeypatch, KEY_ENCRYPTION_KEYS=KEK, BASE_URL="https://tool.example.org")


def test_production_refuses_plain_http(monkeypatch):
    with pytest.raises(UnsafeConfiguration, match="https"):
        production(monkeypatch, SECRET_KEY=GOOD_SECRET, KEY_ENCRYPTION_KEYS=KEK, BASE_URL="http://tool.example.org")


def test_loopback_http_is_allowed_only_when_asked_and_is_logged(monkeypatch, caplog):
    with caplog.at_level(logging.WARNING):
        config = production(
            monkeypatch, SECRET_KEY=GOOD_SECRET, KEY_ENCRYPTION_KEYS=KEK, BASE_URL="http://127.0.0.1:8000",
            ALLOW_LOOPBACK_HTTP="1",
        )
    assert config.BASE_URL == "http://127.0.0.1:8000"
    assert "ALLOW_LOOPBACK_HTTP=1" in caplog.text


def test_loopback_exception_does_not_cover_other_hosts(monkeypatch):
    with pytest.raises(UnsafeConfiguration):
        production(
            monkeypatch, SECRET_KEY=GOOD_SECRET, KEY_ENCRYPTION_KEYS=KEK, BASE_URL="http://tool.example.org",
            ALLOW_LOOPBACK_HTTP="1",
        )


def test_development_secrets_are_made_once_and_private(tmp_path):
    path = tmp_path / "instance" / "secrets.json"

    first = load_or_create_dev_secrets(path)
    again = load_or_create_dev_secrets(path)

    assert first == again
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_settings_come_from_the_environment(monkeypatch):
    config = production(
        monkeypatch, SECRET_KEY=GOOD_SECRET, KEY_ENCRYPTION_KEYS=KEK, BASE_URL="https://tool.example.org/",
        DATABASE_URL="postgresql+psycopg://db/rexvet", HTTP_TIMEOUT="2,5", RATELIMIT_STORAGE_URI="redis://redis:6379/0",
    )

    assert config.BASE_URL == "https://tool.example.org"
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://db/rexvet"
    assert config.HTTP_TIMEOUT == (2.0, 5.0)


@pytest.mark.parametrize(("written", "side_by_side"), [("off", False), ("0", False), ("False", False), ("on", True),
                                                        ("1", True)])
def test_the_database_settings_are_read_from_the_environment(monkeypatch, written, side_by_side):
    config = production(monkeypatch, SECRET_KEY=GOOD_SECRET, KEY_ENCRYPTION_KEYS=KEK, BASE_URL="https://tool.example.org",
                        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0", DATABASE_PING_AFTER_IDLE_SECONDS="2.5",
                        REPORT_STATEMENTS_SIDE_BY_SIDE=written)

    assert config.DATABASE_PING_AFTER_IDLE_SECONDS == 2.5
    assert config.REPORT_STATEMENTS_SIDE_BY_SIDE is side_by_side


def test_how_long_a_process_keeps_registrations_is_read_from_the_environment(monkeypatch):
    config = production(monkeypatch, SECRET_KEY=GOOD_SECRET, KEY_ENCRYPTION_KEYS=KEK, BASE_URL="https://tool.example.org",
                        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0", REGISTRATION_CACHE_SECONDS="15")

    assert config.REGISTRATION_CACHE_SECONDS == 15.0
