"""A hostile LMS cannot starve the others: a token endpoint that never answers holds at most
JOB_REGISTRATION_CONCURRENCY worker threads, each for at most TOKEN_REQUEST_DEADLINE_SECONDS, and another college's
score is sent at once (it waited 89 s behind one such LMS)."""
import socket
import threading
import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.grades.models import GradeSync
from app.grades.passback import record_score
from app.grades.policy import Score, Target
from app.jobs.runner import run_threads
from app.lti.constants import AGS_ENDPOINT, AGS_SCOPE_SCORE
from app.lti.keys import ensure_active_tool_key
from app.lti.service_auth import PlatformRefusedToken, access_token
from app.tenancy.services import record_person
from tests.support.factories import LEARNER_ROLE, make_launch, make_world
from tests.support.fake_ags import FakeAgsState, create_fake_ags
from tests.support.live_server import LiveServer

COMPLETED = Score("Completed", "FullyGraded", 90.0, 100.0)


class SilentServer:
    """Accepts connections and never answers (until stopped): a token endpoint that hangs."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections, self.stopped = [], threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        self.listener.settimeout(0.1)
        while not self.stopped.is_set():
            try:
                self.connections.append(self.listener.accept()[0])
            except OSError:
                continue

    def stop(self):
        self.stopped.set()
        for connection in self.connections:
            connection.close()
        self.listener.close()


@pytest.fixture
def silent_lms():
    server = SilentServer()
    yield server
    server.stop()


def learners_scores(world, lms_url: str, count: int, *, now) -> list[int]:
    """`count` learners of the world, each with a completed module's score queued for the LMS at lms_url."""
    ids = []
    for n in range(count):
        person = record_person(world.organisation.id, world.registration.issuer, f"{world.organisation.name}-{n}")
        db.session.flush()
        launch = make_launch(world, person, [LEARNER_ROLE], now=now)
        launch.claims = {AGS_ENDPOINT: {"scope": [AGS_SCOPE_SCORE]}}
        url = f"{lms_url}/lineitems/1"
        ids.append(record_score(launch, Target(url, url, None, "m", "Module", None), COMPLETED, now=now).id)
    return ids


def test_a_token_endpoint_that_hangs_gives_up_within_the_token_deadline(app, clock, silent_lms):
    app.config.update(TOKEN_REQUEST_DEADLINE_SECONDS=1.0, HTTP_TIMEOUT=(3.05, 10.0), TOKEN_FETCH_WAIT_SECONDS=1)
    ensure_active_tool_key()
    world = make_world("Hostile", issuer=silent_lms.url)
    world.registration.auth_token_url = f"{silent_lms.url}/token"
    started = time.monotonic()

    with pytest.raises(PlatformRefusedToken, match="did not answer") as refused:
        access_token(world.registration, [AGS_SCOPE_SCORE], now=clock.now())

    assert time.monotonic() - started < 2.0  # not the 10 s read timeout of other calls
    assert refused.value.unavailable  # retried later, like any LMS that did not answer


def test_with_a_token_endpoint_that_hangs_another_registrations_score_is_sent_promptly(
    committed_app, clock, silent_lms
):
    committed_app.config.update(JOB_REGISTRATION_CONCURRENCY=2, TOKEN_REQUEST_DEADLINE_SECONDS=2.0,
                                HTTP_TIMEOUT=(3.05, 10.0))
    state = FakeAgsState(clock=None)
    state.now = lambda: clock.now().timestamp()
    good_lms = LiveServer("127.0.0.1").start(create_fake_ags(state))
    ensure_active_tool_key()
    hostile = make_world("Hostile", issuer=silent_lms.url)
    hostile.registration.auth_token_url = f"{silent_lms.url}/token"
    college = make_world("College", issuer=good_lms.url)
    college.registration.auth_token_url = f"{good_lms.url}/token"
    waiting = learners_scores(hostile, silent_lms.url, 6, now=clock.now())  # queued first
    clock.advance(seconds=1)
    learners_scores(college, good_lms.url, 1, now=clock.now())
    db.session.commit()
    stop = threading.Event()
    worker = threading.Thread(target=run_threads, args=(committed_app, stop),
                              kwargs={"threads": 4, "poll_interval": 0.02})
    started = time.monotonic()
    worker.start()
    try:
        while not state.arrivals and time.monotonic() - started < 20:
            time.sleep(0.02)
        took = time.monotonic() - started
    finally:
        stop.set()
        worker.join(30)
        good_lms.stop()

    assert len(state.arrivals) == 1 and took < 1.5, f"the college's score took {took:.1f} s"
    db.session.expire_all()
    hostile_rows = db.session.scalars(select(GradeSync).where(GradeSync.id.in_(waiting))).all()
    assert all(row.status == GradeSync.PENDING for row in hostile_rows)  # kept, to be retried: nothing lost
