"""Grade passback part of `make bench`: 1,000 queued scores drained by real `flask worker` processes.

Run by bench/run.py in a subprocess with the bench environment (production config, the bench database);
prints one JSON object on stdout. The LMS is tests/support/fake_ags.py (the fault suite's fake grade service:
a token endpoint and line items' score endpoints, counting token requests and recording every arrival) on a
threaded local server in this process. The scores are recorded as a learner's pages record them
(`record_score` → a `grades.send` job each), committed, and only then are the workers started, so the
figure is the drain: from the workers' start to the last row marked sent, with the workers' start-up in it.
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from app.clock import SystemClock
from app.extensions import db
from app.grades.models import GradeSync
from app.grades.passback import record_score
from app.grades.policy import Score, Target
from app.lti.constants import AGS_ENDPOINT, AGS_SCOPE_SCORE
from app.lti.keys import ensure_active_tool_key
from app.tenancy.services import record_person
from tests.support.factories import LEARNER_ROLE, make_launch, make_world
from tests.support.fake_ags import FakeAgsState, create_fake_ags
from tests.support.live_server import LiveServer
from wsgi import app

ROOT = Path(__file__).resolve().parent.parent


def main(scores: int, workers: int, timeout: float) -> dict:
    clock = SystemClock()
    state = FakeAgsState(clock=clock)
    lms = LiveServer("127.0.0.1").start(create_fake_ags(state))
    processes = []
    try:
        with app.app_context():
            world = make_world("Bench passback college", issuer=lms.url)
            ensure_active_tool_key()
            db.session.flush()
            url = f"{lms.url}/lineitems/bench-item"
            for n in range(scores):
                person = record_person(world.organisation.id, world.registration.issuer, f"passback-learner-{n}")
                db.session.flush()
                launch = make_launch(world, person, [LEARNER_ROLE], now=clock.now())
                launch.claims = {AGS_ENDPOINT: {"scope": [AGS_SCOPE_SCORE]}}
                record_score(launch, Target(url, url, None, "m", "Module", None),
                             Score("Completed", "FullyGraded", 80.0, 100.0), now=clock.now())
            db.session.commit()
            organisation_id = world.organisation.id

            def unsent() -> int:
                db.session.rollback()
                return db.session.scalar(select(func.count()).select_from(GradeSync).where(
                    GradeSync.organisation_id == organisation_id, GradeSync.status != GradeSync.SENT))

            queued = unsent()
            started = time.perf_counter()
            for _ in range(workers):
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--poll-interval", "0.05"],
                    cwd=ROOT, env=os.environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
            left, first_sent = queued, None
            while left and time.perf_counter() - started < timeout:
                time.sleep(0.05)
                left = unsent()
                if first_sent is None and left < queued:
                    first_sent = time.perf_counter() - started
            seconds = time.perf_counter() - started
    finally:
        for process in processes:
            process.terminate()
        errors = []
        for process in processes:
            process.wait(timeout=20)
            errors.append(process.stderr.read().decode()[-1500:])
        lms.stop()
    return {
        "scores": queued,
        "left": left,
        "workers": workers,
        "seconds": seconds,
        "first_sent_s": first_sent,
        "arrivals": len(state.arrivals),
        "token_requests": state.token_requests,
        "token_lifetime_s": state.token_lifetime,
        "worker_stderr": [e for e in errors if "Traceback" in e or "ERROR" in e][:1],
    }


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--scores", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=90)
    args = parser.parse_args()
    print(json.dumps(main(args.scores, args.workers, args.timeout)))
