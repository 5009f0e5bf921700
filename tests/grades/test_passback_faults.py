"""Grade passback under faults, with three real `flask worker` processes on PostgreSQL and a fake LMS grade
service: down for an hour, a worker killed mid-POST, half the requests failing, tokens expiring, a line item
deleted. In every case no score is lost, and per learner and line item the last arrival is the newest score.

Figures (scores wanted, arrivals, retries, lost) are printed and kept in test-results/grades-faults.txt.
"""
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.clock import OffsetFileClock
from app.config import TestConfig
from app.extensions import db
from app.grades.models import GradeSync
from app.grades.passback import record_score
from app.grades.policy import Score, Target
from app.jobs.models import Job
from app.lti.constants import AGS_ENDPOINT, AGS_SCOPE_SCORE
from app.lti.keys import ensure_active_tool_key
from tests.support.factories import LEARNER_ROLE, make_launch, make_world
from tests.support.fake_ags import FakeAgsState, create_fake_ags
from tests.support.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "test-results" / "grades-faults.txt"
LINE_ITEMS = ("item-1", "item-2", "item-3")
LEARNERS = 8
WORKERS = 3

pytestmark = pytest.mark.faults


class Faults:
    """The tool's database, three workers, the fake LMS and the shared clock, driven by one test."""

    def __init__(self, app, database_url: str, tmp_path: Path):
        self.app, self.tmp_path = app, tmp_path
        self.offset_file = tmp_path / "clock-offset"
        self.offset_file.write_text("0")
        self.clock = OffsetFileClock(str(self.offset_file))
        app.extensions["clock"] = self.clock
        self.state = FakeAgsState(clock=self.clock)
        self.lms = LiveServer("127.0.0.1").start(create_fake_ags(self.state))
        self.database_url = database_url
        self.workers: list[subprocess.Popen] = []
        self.launches = self._learners()

    def _learners(self) -> list:
        world = make_world("Fault College", issuer=self.lms.url)
        world.registration.auth_token_url = f"{self.lms.url}/token"
        ensure_active_tool_key()
        launches = []
        for n in range(LEARNERS):
            from app.tenancy.services import record_person

            person = record_person(world.organisation.id, world.registration.issuer, f"learner-{n}")
            db.session.flush()
            launch = make_launch(world, person, [LEARNER_ROLE], now=self.clock.now())
            launch.claims = {AGS_ENDPOINT: {"scope": [AGS_SCOPE_SCORE]}}
            launch.expires_at = self.clock.now() + timedelta(days=30)  # the workers purge expired launches
            launches.append(launch)
        db.session.commit()
        return launches

    def start_workers(self) -> None:
        env = {
            **os.environ,
            "APP_ENV": "development",
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": "fault-test-secret-key-0123456789abcdef",
            "KEY_ENCRYPTION_KEYS": TestConfig.KEY_ENCRYPTION_KEYS,
            "CLOCK_OFFSET_FILE": str(self.offset_file),
            "HTTP_TIMEOUT": "1,1",
            "JOB_LEASE_SECONDS": "60",
            "JOB_RETRY_BASE_SECONDS": "5",
            "GRADE_RETRY_CAP_SECONDS": "900",
            "LOG_LEVEL": "WARNING",
        }
        for n in range(WORKERS):
            log = open(self.tmp_path / f"worker-{n}.log", "w")
            self.workers.append(subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--poll-interval", "0.05"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))

    def stop(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.terminate()
        for worker in self.workers:
            worker.wait(timeout=20)
        self.lms.stop()

    def advance(self, seconds: float) -> None:
        self.offset_file.write_text(str(float(self.offset_file.read_text()) + seconds))

    def record(self, activity: str, grading: str, given: float | None = None) -> None:
        """Every learner's score on every line item becomes this one (a new version of each row)."""
        for item in LINE_ITEMS:
            url = f"{self.lms.url}/lineitems/{item}"
            for launch in self.launches:
                record_score(
                    launch,
                    Target(url, url, None, "m", "Module", None),
                    Score(activity, grading, given, 100.0 if given is not None else None),
                    now=self.clock.now(),
                )
        db.session.commit()

    def syncs(self) -> list[GradeSync]:
        db.session.expire_all()
        return db.session.scalars(select(GradeSync).order_by(GradeSync.id)).all()

    def wait_until(self, condition, *, seconds: float = 60, step_clock: float = 0.0) -> None:
        """Poll `condition` (moving the clock by `step_clock` each time, to make retries due) until it holds."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return
            if step_clock:
                self.advance(step_clock)
            time.sleep(0.2)
        pytest.fail(f"timed out; rows: {[(s.id, s.status, s.version, s.sent_version, s.reason) for s in self.syncs()]}")

    def all_settled(self, failed_items: tuple = ()) -> bool:
        return all(sync.is_synced or (sync.status == GradeSync.FAILED and _item(sync) in failed_items)
                   for sync in self.syncs())

    def check_and_report(self, scenario: str, failed_items: tuple = ()) -> dict:
        """Per learner and line item: arrivals in time order, the last one the newest score; the figures."""
        by_row = defaultdict(list)
        for arrival in self.state.arrivals:
            by_row[(arrival.line_item, arrival.user_id)].append(arrival)
        lost = 0
        for sync in self.syncs():
            arrivals = by_row.get((_item(sync), sync.user_id), [])
            assert [a.timestamp for a in arrivals] == sorted(a.timestamp for a in arrivals), f"out of order: {arrivals}"
            if _item(sync) in failed_items:
                assert sync.status == GradeSync.FAILED and "deleted by the teacher" in sync.reason
                continue
            last = arrivals[-1] if arrivals else None
            if last is None or (last.activity_progress, last.score_given) != (sync.activity_progress, sync.score_given):
                lost += 1
        retries = sum(max(0, attempts - 1) for attempts in db.session.scalars(
            select(Job.attempts).where(Job.kind == "grades.send")))
        figures = {"scenario": scenario, "rows": len(self.syncs()), "arrivals": len(self.state.arrivals),
                   "retries": retries, "token requests": self.state.token_requests,
                   "503 answers": self.state.unavailable_answers, "lost": lost}
        REPORT.parent.mkdir(exist_ok=True)
        with REPORT.open("a") as report:
            report.write(", ".join(f"{name}: {value}" for name, value in figures.items()) + "\n")
        print(figures)
        assert lost == 0
        return figures


def _item(sync: GradeSync) -> str:
    return sync.line_item_url.rsplit("/", 1)[-1]


@pytest.fixture
def faults(committed_app, test_database_url, tmp_path):
    if test_database_url.startswith("sqlite"):
        pytest.skip("several worker processes share PostgreSQL")
    world = Faults(committed_app, test_database_url, tmp_path)
    yield world
    world.stop()


def test_an_lms_down_for_an_hour_loses_nothing(faults):
    faults.state.mode = "down"
    faults.start_workers()
    faults.record("Started", "NotReady")
    # Every row meets the outage at least once (on a loaded machine the workers may need a few rounds).
    faults.wait_until(lambda: all(sync.reason and "HTTP 503" in sync.reason for sync in faults.syncs()), step_clock=60)
    for minute in range(0, 60, 5):  # an hour of the shared clock, with new scores on the way
        faults.advance(300)
        time.sleep(0.3)
        if minute == 20:
            faults.record("InProgress", "NotReady")
        if minute == 40:
            faults.record("Completed", "FullyGraded", 80.0)
    assert not faults.state.arrivals and faults.state.unavailable_answers > 0
    assert all(sync.status == GradeSync.PENDING and "HTTP 503" in sync.reason for sync in faults.syncs())

    faults.state.mode = "up"
    faults.wait_until(faults.all_settled, step_clock=60)

    faults.check_and_report("LMS down for an hour")
    # Only the newest score of each row travelled (a resend of it after a timeout is harmless).
    assert {(arrival.activity_progress, arrival.score_given) for arrival in faults.state.arrivals} == {
        ("Completed", 80.0)
    }


def test_a_worker_killed_in_the_middle_of_a_post_loses_nothing_and_keeps_the_order(faults):
    faults.state.mode = "hold"
    faults.start_workers()
    faults.record("Started", "NotReady")
    assert faults.state.held.wait(30), "no score reached the LMS"
    db.session.expire_all()
    running = db.session.execute(
        select(Job.id, Job.locked_by).where(Job.status == Job.RUNNING, Job.kind == "grades.send")).all()
    victim = next(worker for worker in faults.workers if any(owner.endswith(f":{worker.pid}") for _, owner in running))
    victims_jobs = [job_id for job_id, owner in running if owner.endswith(f":{victim.pid}")]
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    faults.state.mode = "up"
    faults.state.release.set()
    faults.record("Completed", "FullyGraded", 100.0)

    def victims_jobs_done() -> bool:
        db.session.expire_all()
        return all(
            job.status == Job.SUCCEEDED for job in db.session.scalars(select(Job).where(Job.id.in_(victims_jobs)))
        )

    faults.advance(61)  # the killed worker's lease runs out: another worker takes its job again
    faults.wait_until(lambda: faults.all_settled() and victims_jobs_done(), step_clock=30)

    faults.check_and_report("worker killed mid-POST")
    retried = db.session.scalars(select(Job).where(Job.id.in_(victims_jobs))).all()
    assert [(job.status, job.attempts >= 2) for job in retried] == [(Job.SUCCEEDED, True)] * len(victims_jobs)


def test_half_the_requests_failing_at_random_loses_nothing(faults):
    faults.state.mode = "flaky"
    faults.start_workers()
    faults.record("Started", "NotReady")
    faults.advance(60)
    faults.record("InProgress", "NotReady")
    faults.advance(60)
    faults.record("Completed", "FullyGraded", 90.0)

    faults.wait_until(faults.all_settled, seconds=120, step_clock=120)

    figures = faults.check_and_report("50 % random failures")
    assert figures["503 answers"] > 0 and figures["retries"] > 0


def test_tokens_expiring_mid_run_are_fetched_again_once_per_expiry(faults):
    faults.state.token_lifetime = 600
    faults.start_workers()
    elapsed = 0
    for step in range(8):  # 20 minutes of the shared clock, a new score every 2.5 minutes
        faults.record("InProgress" if step < 7 else "Completed", "NotReady" if step < 7 else "FullyGraded",
                      None if step < 7 else 70.0)
        faults.wait_until(faults.all_settled)
        faults.advance(150)
        elapsed += 150

    figures = faults.check_and_report("tokens expiring")
    expiries = elapsed // faults.state.token_lifetime
    assert figures["token requests"] <= expiries + 1
    assert faults.state.rejected_tokens == 0  # the tool renews before the LMS would say 401


def test_a_deleted_line_item_fails_its_rows_with_the_reason_and_the_others_go_on(faults):
    faults.state.refused_line_items = {"item-2"}
    faults.start_workers()
    faults.record("Completed", "FullyGraded", 100.0)

    faults.wait_until(lambda: faults.all_settled(failed_items=("item-2",)))

    faults.check_and_report("deleted line item", failed_items=("item-2",))
    failed = [sync for sync in faults.syncs() if sync.status == GradeSync.FAILED]
    assert len(failed) == LEARNERS
    assert all("HTTP 404" in sync.reason and "scopes granted" in sync.reason for sync in failed)
