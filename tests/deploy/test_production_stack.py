"""The production configuration on this machine, every part its own process talking HTTP: gunicorn (2 gthread
workers, APP_ENV=production), `flask worker`, PostgreSQL, Redis for the shared cache and the rate limits, and
the development LMS as the platform. A learner goes launch → self-assessment → module completed → grade in the
LMS's gradebook → badge awarded, its public page and credentials served."""
import html
import os
import re
import sys
import uuid

import pytest
import redis
import requests

from app.config import TestConfig
from tests.deploy.processes import Process, flask, free_port, start_gunicorn
from tests.support.badges import badge_yaml, write_badges
from tests.support.content import copy_fixture
from tests.support.lti_browser import LtiBrowser
from tests.support.pages import Page, complete_mobility_basics, take_self_assessment

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def stack(committed_app, test_database_url, tmp_path):
    """Everything started as docs/deploy.md says; yields (tool URL, LMS URL); stops it all and cleans Redis."""
    if test_database_url.startswith("sqlite"):
        pytest.skip("several processes share PostgreSQL")
    store = redis.Redis.from_url(REDIS_URL)
    try:
        store.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis must run on 127.0.0.1:6379 (`make services` starts it): {exc}")
    prefix = f"rexvet-deploy-{uuid.uuid4().hex[:8]}"
    tool_url, lms_url = f"http://127.0.0.1:{free_port()}", f"http://localhost:{free_port()}"
    badges = write_badges(tmp_path / "badges", {"mobility-basics-done.yaml": badge_yaml(
        "mobility-basics-done", "{type: module_completed, module: mobility-basics}")})
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith(("DEVLMS_", "FLASK_"))},
        "APP_ENV": "production",
        "ALLOW_LOOPBACK_HTTP": "1",
        "LMS_PRIVATE_HOSTS": "127.0.0.1,localhost",  # the development LMS, on this machine
        "SECRET_KEY": "deployment-test-secret-key-0123456789abcdef",
        "KEY_ENCRYPTION_KEYS": TestConfig.KEY_ENCRYPTION_KEYS,
        "BASE_URL": tool_url,
        "DATABASE_URL": test_database_url,
        "SHARED_CACHE_URL": REDIS_URL,
        "SHARED_CACHE_PREFIX": f"{prefix}:cache:",
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": f"{prefix}:limits",
        "CONTENT_DIR": str(copy_fixture("player", tmp_path)),
        "BADGE_TEMPLATES_DIR": str(badges),
        "BADGE_ISSUER_EMAIL": "badges@college.example.org",
        "LOG_LEVEL": "INFO",
    }
    lms_port = lms_url.rsplit(":", 1)[1]
    processes = []
    try:
        lms = Process("devlms", [sys.executable, "-m", "flask", "--app", "devlms:create_devlms_app()", "run",
                                 "--host", "localhost", "--port", lms_port, "--no-reload", "--no-debugger"], {
            **env, "DEVLMS_BASE_URL": lms_url, "DEVLMS_DATABASE_URL": f"sqlite:///{tmp_path / 'devlms.sqlite'}",
            "DEVLMS_TOOL_BASE_URL": tool_url, "DEVLMS_SECRET_KEY": "devlms-deployment-test-secret"}, tmp_path)
        processes.append(lms)
        lms.wait_for(f"{lms_url}/lti/tool-registration.json")

        # The operator's set-up: the tool's key, and the LMS's registration from the file the LMS publishes.
        registration = tmp_path / "devlms-registration.json"
        registration.write_text(requests.get(f"{lms_url}/lti/tool-registration.json", timeout=10).text)
        flask("lti", "keys", "ensure", env=env)
        assert "created" in flask("lti", "registration", "import", str(registration), env=env).lower()

        processes.append(start_gunicorn(env, int(tool_url.rsplit(":", 1)[1]), tmp_path))
        processes.append(Process("worker", [sys.executable, "-m", "flask", "--app", "wsgi", "worker",
                                            "--poll-interval", "0.2"], env, tmp_path))
        yield tool_url, lms_url, processes, store, prefix
    finally:
        for process in reversed(processes):
            process.stop()
        for key in store.scan_iter(f"{prefix}*"):
            store.delete(key)
        store.close()


def wait_for(check, seconds: float, what: str):
    import time
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"not within {seconds} s: {what}")


def test_a_learner_s_launch_completion_grade_and_badge_go_through_the_production_stack(stack):
    tool_url, lms_url, processes, store, prefix = stack
    browser = LtiBrowser(lms_url)

    path = Page(browser, browser.launch("intl-skills-path", "learner"))
    assert path.response.url.startswith(tool_url)
    report = take_self_assessment(path.follow(r'href="([^"]*/self-assessment\?[^"]*)"'),
                                  **{"rating-languages.rookie.1": "2", "rating-languages.rookie.2": "3"})
    assert "Your self-assessment is saved." in report.text  # on the taking's report, which leads to the path
    path = report.follow(r'href="([^"]*)" data-testid="to-path"')
    summary = complete_mobility_basics(path.follow(r'href="([^"]*/modules/mobility-basics\?[^"]*)"'))
    assert "Module completed" in summary.text  # the banner announcing the completion

    # The worker process sends the score; the LMS's own gradebook page shows it (1 of the path's 2 modules).
    gradebook = wait_for(lambda: (lambda page: page if "InProgress" in page and "50.0 / 100.0" in page else None)(
        requests.get(f"{lms_url}/courses/intl-skills/gradebook", timeout=10).text), 20, "the score in the gradebook")
    assert "status-accepted" in gradebook or "accepted" in gradebook

    # The badge was awarded with the completion; its public page and credentials answer anyone.
    mine = path.follow(r'href="([^"]*/badges/mine[^"]*)"')
    assert "Badge mobility-basics-done" in html.unescape(mine.text)
    award_id = re.search(r'/badges/awards/([A-Za-z0-9_-]+)[?"]', mine.text).group(1)
    public = requests.get(f"{tool_url}/badges/awards/{award_id}", timeout=10)
    assert public.status_code == 200 and "Badge mobility-basics-done" in html.unescape(public.text)
    credential = requests.get(f"{tool_url}/badges/credentials/{award_id}", timeout=10)
    assert credential.status_code == 200 and "OpenBadgeCredential" in credential.text
    jwt = requests.get(f"{tool_url}/badges/credentials/{award_id}.jwt", timeout=10)
    assert jwt.status_code == 200 and jwt.text.count(".") == 2
    baked = browser.session.get(mine.link(r'href="([^"]*/badges/awards/[^"]*/ob3\.png[^"]*)"'), timeout=30)
    assert baked.status_code == 200 and baked.content.startswith(b"\x89PNG")

    # The web processes shared the LMS's key set through Redis, not their own memory.
    assert list(store.scan_iter(f"{prefix}:cache:*"))

    for process in processes:  # nobody fell over on the way
        assert process.popen.poll() is None, process.output()
    assert "Traceback" not in "".join(process.output() for process in processes)
