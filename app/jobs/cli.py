"""`flask worker`: run background jobs until stopped (SIGTERM or Ctrl-C), or with --once until none is due."""
import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from app.jobs.runner import Worker, run_threads, worker_threads


@click.command("worker")
@click.option("--once", is_flag=True, help="Run jobs until none is due, then exit.")
@click.option("--poll-interval", default=1.0, show_default=True, help="Seconds to wait when no job is due.")
@click.option("--worker-id", default=None, help="Name recorded on claimed jobs [default: host:pid].")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="Jobs run at once [default: JOB_WORKER_THREADS; 1 on SQLite].")
@with_appcontext
def worker_command(once: bool, poll_interval: float, worker_id: str | None, threads: int | None) -> None:
    """Run queued and periodic background jobs."""
    if once:
        click.echo(f"Ran {Worker(worker_id=worker_id).run_until_idle()} job(s).")
        return
    app = current_app._get_current_object()
    stop = threading.Event()
    # The signal only sets the flag: the job in hand finishes and records its outcome before the worker exits.
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    run_threads(app, stop, threads=threads or worker_threads(app), poll_interval=poll_interval, worker_id=worker_id)
