"""Sending one score: token refresh on 401, refusals with the LMS's answer, the 72-hour retry window, retry."""
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from app.admin import accounts
from app.clock import OffsetFileClock, as_utc
from app.extensions import db
from app.grades.models import GradeSync
from app.grades.passback import record_score, retry
from app.grades.policy import Score, Target
from app.jobs.models import Job
from app.jobs.runner import Worker
from app.lti.constants import AGS_ENDPOINT, AGS_SCOPE_SCORE
from app.lti.keys import ensure_active_tool_key
from tests.support.admin import log_in
from tests.support.factories import LEARNER_ROLE, make_launch, make_world
from tests.support.fake_ags import FakeAgsState, create_fake_ags
from tests.support.forms import post_form
from tests.support.live_server import LiveServer


@pytest.fixture
def lms(app, tmp_path):
    """A fake grade service and a learner whose launch may send scores to it; the clock moves by file."""
    offset = tmp_path / "offset"
    offset.write_text("0")
    clock = OffsetFileClock(str(offset))
    app.extensions["clock"] = clock
    state = FakeAgsState(clock=clock)
    server = LiveServer("127.0.0.1").start(create_fake_ags(state))
    world = make_world(issuer=server.url)
    world.registration.auth_token_url = f"{server.url}/token"
    ensure_active_tool_key()
    launch = make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now())
    launch.claims = {AGS_ENDPOINT: {"scope": [AGS_SCOPE_SCORE]}}
    db.session.flush()

    class Lms:
        def send(self, score=None):
            score = score or Score("Completed", "FullyGraded", 90.0, 100.0)
            url = f"{server.url}/lineitems/1"
            sync = record_score(launch, Target(url, url, None, "m", "Module", None), score, now=clock.now())
            db.session.commit()
            Worker(worker_id="test").run_until_idle()
            db.session.expire_all()
            return db.session.get(GradeSync, sync.id)

        def now(self):
            return clock.now()

        def advance(self, **delta):
            offset.write_text(str(float(offset.read_text()) + timedelta(**delta).total_seconds()))

    lms = Lms()
    lms.state, lms.launch = state, launch
    yield lms
    server.stop()


def test_a_401_fetches_a_new_token_once_and_the_score_goes(lms):
    lms.send()
    lms.state.tokens.clear()  # the LMS forgot every token it issued

    sync = lms.send(Score("Completed", "FullyGraded", 95.0, 100.0))

    assert sync.is_synced and lms.state.token_requests == 2 and lms.state.rejected_tokens == 1
    assert [arrival.score_given for arrival in lms.state.arrivals] == [90.0, 95.0]


def test_a_worker_reads_the_shared_token_once_and_remembers_it_until_it_expires(lms):
    lms.send()
    statements = []

    def remember(connection, cursor, statement, *_):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        sync = lms.send(Score("Completed", "FullyGraded", 95.0, 100.0))
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)

    assert sync.is_synced and lms.state.token_requests == 1
    assert not [statement for statement in statements if "cache_entries" in statement]

    lms.advance(seconds=lms.state.token_lifetime)  # expired: the next score fetches a new token first
    assert lms.send(Score("Completed", "FullyGraded", 100.0, 100.0)).is_synced
    assert lms.state.token_requests == 2 and lms.state.rejected_tokens == 0


def test_a_refusal_fails_the_row_with_the_lms_answer_and_the_scopes_granted(lms):
    lms.state.refused_line_items = {"1"}

    sync = lms.send()

    assert sync.status == GradeSync.FAILED
    assert "HTTP 404" in sync.reason and "This line item was deleted by the teacher." in sync.reason
    assert f"scopes granted: {AGS_SCOPE_SCORE}" in sync.reason
    assert db.session.scalars(select(Job.status).where(Job.kind == "grades.send")).one() == Job.DEAD


def test_an_unavailable_lms_is_retried_for_72_hours_then_the_row_fails_with_the_last_error(lms):
    lms.state.mode = "down"
    sync = lms.send()
    assert (sync.status, sync.attempts) == (GradeSync.PENDING, 1) and "HTTP 503" in sync.reason
    waits = []
    for _ in range(400):
        lms.advance(minutes=15)
        Worker(worker_id="test").run_until_idle()
        db.session.expire_all()
        sync = db.session.get(GradeSync, sync.id)
        if sync.status == GradeSync.FAILED:
            break
        waits.append(as_utc(sync.next_attempt_at) - lms.now())

    assert sync.status == GradeSync.FAILED and sync.reason.startswith("Gave up after 72 hours of retrying.")
    assert 72 * 4 - 2 <= sync.attempts <= 72 * 4 + 2  # one try per 15 minutes once the backoff reached its cap
    assert max(waits) <= timedelta(minutes=15)  # the backoff's cap


def test_a_failed_score_can_be_sent_again_once_the_cause_is_fixed(lms):
    lms.state.refused_line_items = {"1"}
    sync = lms.send()
    lms.state.refused_line_items = set()

    retry(sync.organisation_id, sync.id, now=lms.now())
    db.session.commit()
    Worker(worker_id="test").run_until_idle()
    db.session.expire_all()

    assert db.session.get(GradeSync, sync.id).is_synced
    assert len(lms.state.arrivals) == 1


def test_the_admin_sees_the_organisation_s_outbox_and_retries_a_failed_score(lms, client, app):
    lms.state.refused_line_items = {"1"}
    sync = lms.send()
    accounts.create_admin_user("ops", "correct horse battery staple")
    db.session.commit()
    log_in(client, "ops", "correct horse battery staple")
    url = f"/admin/organisations/{sync.organisation_id}/grades"

    page = client.get(url + "?status=failed").get_data(as_text=True)
    assert "This line item was deleted by the teacher." in page and ">Retry</button>" in page

    lms.state.refused_line_items = set()
    response = post_form(client, f"{url}/{sync.id}/retry", {}, page=url)
    assert response.status_code == 302
    Worker(worker_id="test").run_until_idle()
    db.session.expire_all()
    assert db.session.get(GradeSync, sync.id).is_synced
