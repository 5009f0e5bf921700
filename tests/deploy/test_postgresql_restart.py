"""PostgreSQL restarting under traffic: the tool under gunicorn keeps its processes and serves again as soon as
the database is back; nothing needs restarting. The restart happens on a private throwaway cluster made by this
test (initdb + pg_ctl on a free port, its socket in its own directory), never on the machine's shared server."""
import glob
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from app.config import TestConfig
from tests.deploy.processes import free_port, start_gunicorn
from tests.support.app import BACKEND, migrate

pytestmark = pytest.mark.faults


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


class PrivateCluster:
    """A PostgreSQL cluster of our own in a temporary directory, run as the postgres user when we are root."""

    def __init__(self, bin_dir: Path):
        self.bin, self.port = bin_dir, free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="rexvet-pg-"))
        self.data, self.log = self.directory / "data", self.directory / "postgres.log"
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self.start()
        self._run("createdb", "-h", str(self.directory), "-p", str(self.port), "-U", "postgres", "rexvet")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/rexvet"

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{program}: {done.stdout}{done.stderr}"

    def _ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", *args)

    def start(self) -> None:
        self._ctl("-o", f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")

    def destroy(self) -> None:
        try:
            self.stop()
        except AssertionError:
            pass  # already stopped
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def private_cluster():
    if BACKEND == "sqlite":
        pytest.skip("a PostgreSQL fault")
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.fail("PostgreSQL's programs are not in /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    cluster = PrivateCluster(bin_dir)
    try:
        migrate(cluster.url)
        yield cluster
    finally:
        cluster.destroy()


class Traffic:
    """A few threads asking for a page that reads the database, recording each answer (or its absence)."""

    def __init__(self, url: str, threads: int = 3):
        self.url, self.stop_flag = url, threading.Event()
        self.answers: list[tuple[float, str]] = []
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self):
        while not self.stop_flag.is_set():
            try:
                outcome = str(requests.get(self.url, timeout=15).status_code)
            except requests.RequestException as exc:
                outcome = type(exc).__name__
            self.answers.append((time.monotonic(), outcome))
            time.sleep(0.02)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_):
        self.stop_flag.set()
        for thread in self.threads:
            thread.join(timeout=20)

    def between(self, start: float, end: float) -> Counter:
        return Counter(outcome for at, outcome in self.answers if start <= at < end)


def test_the_tool_serves_again_after_a_postgresql_restart_without_being_restarted(private_cluster, tmp_path):
    port = free_port()
    subprocess.run([os.sys.executable, "-m", "flask", "--app", "wsgi", "lti", "keys", "ensure"], check=True,
                   capture_output=True, cwd=Path(__file__).resolve().parents[2],
                   env={**os.environ, "DATABASE_URL": private_cluster.url, "APP_ENV": "development",
                        "SECRET_KEY": "restart-test-secret-key-0123456789abcdef",
                        "KEY_ENCRYPTION_KEYS": TestConfig.KEY_ENCRYPTION_KEYS})
    env = {
        **os.environ,
        "APP_ENV": "production",
        "ALLOW_LOOPBACK_HTTP": "1",
        "BASE_URL": f"http://127.0.0.1:{port}",
        "LMS_PRIVATE_HOSTS": "127.0.0.1,localhost",
        "SECRET_KEY": "restart-test-secret-key-0123456789abcdef",
        "KEY_ENCRYPTION_KEYS": TestConfig.KEY_ENCRYPTION_KEYS,
        "DATABASE_URL": private_cluster.url,
        "LOG_LEVEL": "WARNING",
    }
    gunicorn = start_gunicorn(env, port, tmp_path)
    workers_before = set(_children(gunicorn.popen.pid))
    try:
        with Traffic(f"http://127.0.0.1:{port}/lti/jwks.json") as traffic:
            time.sleep(1.5)
            down_at = time.monotonic()
            private_cluster.stop()
            time.sleep(2)
            private_cluster.start()
            up_at = time.monotonic()
            recovered_at = _first_ok_after(traffic, up_at, seconds=20)
            time.sleep(1.5)
            end = time.monotonic()
        before, during, after = (traffic.between(0, down_at), traffic.between(down_at, up_at),
                                 traffic.between(recovered_at, end))
        print(f"\nanswers before {dict(before)}, while down {dict(during)}, after recovery {dict(after)}; "
              f"recovered {recovered_at - up_at:.2f} s after PostgreSQL was back")

        assert set(before) == {"200"}
        assert during and set(during) <= {
            "200",
            "503",
        }  # "briefly unavailable" while it is down, never a hang or a reset
        assert set(after) == {"200"} and after["200"] > 10  # every answer, from every worker, once it is back
        assert recovered_at - up_at < 5
        assert gunicorn.popen.poll() is None and set(_children(gunicorn.popen.pid)) == workers_before
    finally:
        gunicorn.stop()


def _first_ok_after(traffic: Traffic, since: float, seconds: float) -> float:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        oks = [at for at, outcome in list(traffic.answers) if at >= since and outcome == "200"]
        if oks:
            return min(oks)
        time.sleep(0.1)
    raise AssertionError(
        f"no 200 within {seconds} s of PostgreSQL's return: {traffic.between(since, time.monotonic())}"
    )


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []
