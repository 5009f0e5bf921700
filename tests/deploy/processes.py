"""Starting the production configuration as separate processes, as a machine runs it (docs/deploy.md)."""
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Process:
    """A child process with its output in a log file; stopped with SIGTERM (then SIGKILL) by its own pid."""

    def __init__(self, name: str, command: list[str], env: dict, log_dir: Path):
        self.name, self.log = name, log_dir / f"{name}.log"
        self.popen = subprocess.Popen(command, cwd=ROOT, env=env, stdout=open(self.log, "w"),
                                      stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def wait_for(self, url: str, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.popen.returncode}:\n{self.output()}")
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.name} did not answer {url} in {seconds} s:\n{self.output()}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def flask(*args: str, env: dict) -> str:
    """A `flask --app wsgi …` command as an operator runs it; its output, or an assertion with it."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"flask {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


def start_gunicorn(env: dict, port: int, log_dir: Path, workers: int = 2) -> Process:
    process = Process("gunicorn", [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONFIG), "wsgi:app"],
                      {**env, "PORT": str(port), "WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": "4"}, log_dir)
    process.wait_for(f"http://127.0.0.1:{port}/lti/jwks.json")
    return process
