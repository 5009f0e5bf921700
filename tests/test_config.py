"""Production refuses to start with unsafe settings; development makes its secrets once, privately."""
import logging
import stat

import pytest

from app.config import ProductionConfig, UnsafeConfiguration, load_or_create_dev_secrets

pytestmark = pytest.mark.sqlite
GOOD_SECRET = "x" * 40
KEK = "J0t2H9e6o7nBv8eQ1m5n3l2k4j6h8g0f1d3s5a7q9w0="


def production(monkeypatch, **env):
    for name in ("SECRET_KEY", "KEY_ENCRYPTION_KEYS", "BASE_URL", "ALLOW_LOOPBACK_HTTP", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return ProductionConfig()


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
