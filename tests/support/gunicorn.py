"""The production app under gunicorn (2 gthread workers of 4 threads) on the test database, beside a live
development LMS: for the tests of what several worker processes do together."""
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from app.config import TestConfig
from tests.support.live_lms import register_devlms, start_devlms
from tests.support.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[2]
LINK = "intl-skills-path"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def tool_under_gunicorn(committed_app, test_database_url, tmp_path, **settings):
    """The production app under gunicorn (2 gthread workers of 4 threads) on the test database, and a live
    development LMS; `settings` are more environment variables."""
    if test_database_url.startswith("sqlite"):
        pytest.skip("several processes share PostgreSQL")
    port = free_port()
    tool_url = f"http://127.0.0.1:{port}"
    devlms = LiveServer("localhost")
    start_devlms(devlms, tool_url, tmp_path / "devlms.sqlite")
    committed_app.config["BASE_URL"] = tool_url
    register_devlms(committed_app, devlms.url)
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": "gunicorn-test-secret-key-0123456789abcdef",
        "KEY_ENCRYPTION_KEYS": TestConfig.KEY_ENCRYPTION_KEYS,
        "DATABASE_URL": test_database_url,
        "BASE_URL": tool_url,
        "ALLOW_LOOPBACK_HTTP": "1",
        "LMS_PRIVATE_HOSTS": "127.0.0.1,localhost",  # the development LMS, on this machine
        **settings,
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "2",
            "-k",
            "gthread",
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=open(tmp_path / "gunicorn.log", "w"),
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{tool_url}/lti/jwks.json", timeout=1).status_code == 200:
                break
        except requests.RequestException:  # not listening yet, or a worker still booting
            time.sleep(0.2)
    else:
        server.kill()
        pytest.fail("gunicorn did not start: " + server.communicate()[0][-3000:])
    devlms.tool_url = tool_url
    try:
        yield devlms
    finally:
        server.terminate()
        server.wait(timeout=10)
        devlms.stop()


@pytest.fixture
def gunicorn_tool(committed_app, test_database_url, tmp_path):
    with tool_under_gunicorn(committed_app, test_database_url, tmp_path) as devlms:
        yield devlms
