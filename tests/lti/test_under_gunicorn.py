"""Under gunicorn with two worker processes: replays are refused by every worker, the JWKS is fetched once."""
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from app.config import TestConfig
from tests.conftest import register_devlms, start_devlms
from tests.support.live_server import LiveServer
from tests.support.lti_browser import LtiBrowser

ROOT = Path(__file__).resolve().parents[2]
LINK = "intl-skills-path"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn_tool(committed_app, test_database_url, tmp_path):
    """The production app under gunicorn (2 gthread workers) on the test database, and a live development LMS."""
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
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "4", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=open(tmp_path / "gunicorn.log", "w"), stderr=subprocess.STDOUT, text=True,
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
    yield devlms
    server.terminate()
    server.wait(timeout=10)
    devlms.stop()


def test_replayed_id_token_is_refused_by_every_worker_and_jwks_is_fetched_once(gunicorn_tool):
    devlms = gunicorn_tool
    browsers = [LtiBrowser(devlms.url) for _ in range(6)]
    forms = [browser.open_launch(LINK, "learner") for browser in browsers]

    with ThreadPoolExecutor(max_workers=6) as pool:  # both workers meet the unknown key set at once
        first_launches = list(pool.map(lambda pair: pair[0].post_id_token(pair[1]), zip(browsers, forms)))
    replays = [browser.post_id_token(form) for browser, form in zip(browsers, forms) for _ in range(3)]

    assert [response.status_code for response in first_launches] == [200] * 6
    assert [response.status_code for response in replays] == [401] * 18
    assert all("already used" in response.text for response in replays)
    assert devlms.requests["/lti/jwks"] == 1
