"""What several web processes behind a reverse proxy need: rate limits counted in Redis, the proxy's headers
believed only from as many proxies as configured, and every setting documented."""
import re
from pathlib import Path

import pytest

from app import create_app
from app.config import FROM_ENVIRONMENT, ProductionConfig, TestConfig, UnsafeConfiguration
from tests.support.config import GOOD_SECRET, KEK, production

pytestmark = pytest.mark.sqlite
ROOT = Path(__file__).resolve().parents[2]


def test_production_refuses_rate_limits_counted_in_each_process_s_memory(monkeypatch):
    with pytest.raises(UnsafeConfiguration, match="RATELIMIT_STORAGE_URI must name a Redis server"):
        production(monkeypatch, SECRET_KEY=GOOD_SECRET, KEY_ENCRYPTION_KEYS=KEK, BASE_URL="https://tool.example.org")


def test_production_takes_a_redis_rate_limit_store_with_its_own_key_prefix(monkeypatch):
    config = production(monkeypatch, SECRET_KEY=GOOD_SECRET, KEY_ENCRYPTION_KEYS=KEK, BASE_URL="https://tool.example.org",
                        RATELIMIT_STORAGE_URI="redis://redis.internal:6379/1", RATELIMIT_KEY_PREFIX="college-a")

    assert isinstance(config, ProductionConfig)
    assert (config.RATELIMIT_STORAGE_URI, config.RATELIMIT_KEY_PREFIX) == ("redis://redis.internal:6379/1", "college-a")


def _seen_by_the_app(hops: int) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TRUSTED_PROXY_HOPS": hops}, config=TestConfig())
    seen = {}

    @app.get("/_whoami")
    def whoami():
        from flask import request
        seen.update(address=request.remote_addr, scheme=request.scheme, host=request.host)
        return ""

    app.test_client().get("/_whoami", base_url="http://localhost/", environ_base={"REMOTE_ADDR": "10.0.0.5"}, headers={
        "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "tool.example.org"})
    return seen


def test_behind_one_trusted_proxy_the_client_address_and_https_come_from_its_headers():
    assert _seen_by_the_app(1) == {"address": "203.0.113.9", "scheme": "https", "host": "tool.example.org"}


def test_without_a_trusted_proxy_forwarded_headers_are_ignored():
    # Anyone can send X-Forwarded-For: believing it would let a client pick its own rate-limit key.
    assert _seen_by_the_app(0) == {"address": "10.0.0.5", "scheme": "http", "host": "localhost"}


def test_every_environment_variable_is_documented_in_the_deployment_guide_and_the_configuration_page():
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (ROOT / "docs" / "configuration.md").read_text()))
    guide = (ROOT / "docs" / "deploy.md").read_text()
    variables = {variable for variable, _ in FROM_ENVIRONMENT.values()} | {"APP_ENV", "ALLOW_LOOPBACK_HTTP"}

    assert variables - documented == set()
    assert {"WEB_CONCURRENCY", "GUNICORN_THREADS", "TRUSTED_PROXY_HOPS", "RATELIMIT_STORAGE_URI"} <= set(
        re.findall(r"`([A-Z][A-Z0-9_]+)`", guide))
