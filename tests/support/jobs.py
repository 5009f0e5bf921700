"""The threaded worker (`flask worker`) run beside the test, on the test's own registry of handlers."""
import threading

from app.jobs.registry import JobRegistry
from app.jobs.runner import run_threads


def run_in_background(app, registry: JobRegistry, threads: int):
    """Start the threaded worker; returns its stop flag, the thread running it and what it raised."""
    stop, raised = threading.Event(), []

    def run():
        try:
            run_threads(app, stop, threads=threads, poll_interval=0.01, registry=registry)
        except Exception as error:  # reported to the test
            raised.append(error)

    runner = threading.Thread(target=run)
    runner.start()
    return stop, runner, raised
