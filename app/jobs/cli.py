"""`flask worker`: run background jobs until stopped (SIGTERM or Ctrl-C), or with --once until none is due."""
import signal
import threading

import click
from flask.cli import with_appcontext

from app.jobs.runner import Worker


@click.command("worker")
@click.option("--once", is_flag=True, help="Run jobs until none is due, then exit.")
@click.option("--poll-interval", default=1.0, show_default=True, help="Seconds to wait when no job is due.")
@click.option("--worker-id", default=None, help="Name recorded on claimed jobs [default: host:pid].")
@with_appcontext
def worker_command(once: bool, poll_interval: float, worker_id: str | None) -> None:
    """Run queued and periodic background jobs."""
    worker = Worker(worker_id=worker_id)
    if once:
        click.echo(f"Ran {worker.run_until_idle()} job(s).")
        return
    stop = threading.Event()
    # The signal only sets the flag: the job in hand finishes and records its outcome before the worker exits.
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    worker.run_forever(stop, poll_interval)
