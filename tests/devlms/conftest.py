"""Fixtures for the development LMS: a fresh LMS per test, a fake tool with its own key, and LTI actions.

Self-sufficient: nothing here depends on the tool (`app/`); the actions are in tests/support/devlms.py.
"""

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from devlms import clock, create_devlms_app
from tests.support.devlms import BASE_URL, CLIENT_ID, NOW, TOOL_BASE_URL, FakeTool, LmsActions


@pytest.fixture(scope="session")
def tool_private_key():
    """One RSA key for the fake tool (key generation is slow; the key is never changed)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def fake_tool(tool_private_key) -> FakeTool:
    """The fake tool."""
    return FakeTool(tool_private_key)


@pytest.fixture
def frozen_clock(monkeypatch):
    """Control the LMS's clock: `frozen_clock.now` is the time, move it with `frozen_clock.advance(seconds)`."""

    class FrozenClock:
        now = NOW

        def advance(self, seconds: int) -> None:
            self.now += seconds

    frozen = FrozenClock()
    monkeypatch.setattr(clock, "now", lambda: frozen.now)
    return frozen


@pytest.fixture
def devlms_settings(tmp_path, fake_tool) -> dict:
    """Every setting given explicitly, so no environment variable leaks into a test."""
    return {
        "DEVLMS_BASE_URL": BASE_URL,
        "DEVLMS_TOOL_BASE_URL": TOOL_BASE_URL,
        "DEVLMS_CLIENT_ID": CLIENT_ID,
        "DEVLMS_DATABASE_URL": f"sqlite:///{tmp_path / 'devlms.sqlite'}",
        "DEVLMS_SECRET_KEY": "test-secret-not-for-production",
        "DEVLMS_ALLOW_TAMPERING": True,
        "DEVLMS_HTTP_TIMEOUT": (3.05, 10),
        "DEVLMS_TOOL_JWKS": fake_tool.jwks,
        "DEVLMS_OLDER_SCORE_POLICY": "ignore",
    }


@pytest.fixture
def devlms_app(devlms_settings, frozen_clock):
    """A fresh development LMS with its own database, its clock frozen."""
    return create_devlms_app(devlms_settings)


@pytest.fixture
def client(devlms_app):
    """A test client of the LMS."""
    return devlms_app.test_client()


@pytest.fixture
def lms(devlms_app, client, fake_tool) -> LmsActions:
    """Actions that drive the LMS as the browser and the tool would."""
    return LmsActions(devlms_app, client, fake_tool)
