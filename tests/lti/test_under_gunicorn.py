"""Under gunicorn with two worker processes: replays are refused by every worker, the JWKS is fetched once."""
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import select

from app.clock import SystemClock
from app.extensions import db
from app.lti.dynamic_registration import create_invitation
from app.lti.models import RegistrationInvitation
from app.tenancy.models import Organisation
from tests.support.gunicorn import LINK, tool_under_gunicorn
from tests.support.http_servers import dripping, serve, stop
from tests.support.lti_browser import LtiBrowser


def test_replayed_id_token_is_refused_by_every_worker_and_jwks_is_fetched_once(gunicorn_tool):
    devlms = gunicorn_tool
    browsers = [LtiBrowser(devlms.url) for _ in range(6)]
    forms = [browser.open_launch(LINK, "learner") for browser in browsers]

    with ThreadPoolExecutor(max_workers=6) as pool:  # both workers meet the unknown key set at once
        first_launches = list(pool.map(lambda pair: pair[0].post_id_token(pair[1]), zip(browsers, forms, strict=True)))
    replays = [browser.post_id_token(form) for browser, form in zip(browsers, forms, strict=True) for _ in range(3)]

    assert [response.status_code for response in first_launches] == [200] * 6
    assert [response.status_code for response in replays] == [401] * 18
    assert all("already used" in response.text for response in replays)
    assert devlms.requests["/lti/jwks"] == 1


def test_twenty_registrations_against_a_dripping_lms_leave_launches_their_threads(
    committed_app, test_database_url, tmp_path
):
    # An "LMS" whose OpenID configuration arrives one byte a second for ten seconds.
    drip = serve(dripping(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n", seconds=10))
    with committed_app.app_context():
        organisation = Organisation(name="Omnia")
        db.session.add(organisation)
        db.session.flush()
        invitations = [create_invitation(organisation, now=SystemClock().now())[1] for _ in range(20)]
        db.session.commit()
    settings = {"REGISTRATION_DEADLINE_SECONDS": "1", "REGISTRATION_RATE_LIMIT": "1000 per minute"}
    with tool_under_gunicorn(committed_app, test_database_url, tmp_path, **settings) as devlms:
        browser = LtiBrowser(devlms.url)
        form = browser.open_launch(LINK, "learner")

        def register(invitation):
            started = time.monotonic()
            answer = requests.get(f"{devlms.tool_url}/lti/register", timeout=30, params={
                "openid_configuration": f"http://127.0.0.1:{drip.server_port}/.well-known/openid-configuration",
                "registration_token": "t", "invitation": invitation,
            })
            return answer.status_code, time.monotonic() - started

        with ThreadPoolExecutor(max_workers=20) as pool:
            registrations = [pool.submit(register, invitation) for invitation in invitations]
            time.sleep(0.3)  # every registration is in flight
            started = time.monotonic()
            launched = browser.post_id_token(form)
            launch_seconds = time.monotonic() - started
            answers = [registration.result() for registration in registrations]
    stop(drip)

    assert launched.status_code == 200
    assert launch_seconds < 2, f"a launch waited {launch_seconds:.1f} s behind the registrations"
    # Each registration gave up at its deadline (502) or found the process's registration slots taken (503).
    assert {status for status, _ in answers} <= {502, 503}, answers
    assert max(seconds for _, seconds in answers) < 8, answers  # never the drip's 10 s
    with committed_app.app_context():
        assert db.session.scalars(select(RegistrationInvitation).where(
            RegistrationInvitation.used_at.is_not(None))).all() == []  # a failed registration spends no invitation
