"""Which function runs each kind of job, and which kinds are scheduled periodically; features register at import."""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class RunningJob:
    """What a handler is told about the job it runs, besides the payload."""

    id: int
    kind: str
    payload: dict
    organisation_id: int | None
    attempt: int  # 1 on the first run
    max_attempts: int


JobHandler = Callable[[dict, RunningJob], Any]


@dataclass(frozen=True)
class PeriodicJob:
    """A kind queued once per slot of length `every` (slots counted from the Unix epoch)."""

    kind: str
    every: timedelta
    payload: dict = field(default_factory=dict)

    def slot(self, now: datetime) -> int:
        return int(now.timestamp() // self.every.total_seconds())


class JobRegistry:
    """Handlers by kind, and periodic jobs by kind."""

    def __init__(self):
        self.handlers: dict[str, JobHandler] = {}
        self.periodic: dict[str, PeriodicJob] = {}

    def handler(self, kind: str) -> Callable[[JobHandler], JobHandler]:
        """Decorator: register the function as the handler of kind."""

        def register(function: JobHandler) -> JobHandler:
            # The same function again is a module imported twice; another function is a clash of kind names.
            if self.handlers.setdefault(kind, function) is not function:
                raise ValueError(f"Job kind {kind!r} already has a handler: {self.handlers[kind].__qualname__}.")
            return function

        return register

    def add_periodic(self, kind: str, *, every: timedelta, payload: dict | None = None) -> None:
        """Queue a job of kind once every `every`, with the given payload."""
        periodic = PeriodicJob(kind, every, payload or {})
        if self.periodic.setdefault(kind, periodic) != periodic:
            raise ValueError(f"Job kind {kind!r} is already periodic with {self.periodic[kind]}.")

    def handler_for(self, kind: str) -> JobHandler | None:
        return self.handlers.get(kind)


# The registry `flask worker` uses; tests build their own JobRegistry.
registry = JobRegistry()


def job_handler(kind: str) -> Callable[[JobHandler], JobHandler]:
    """Decorator: register the function as the handler of kind, called as handler(payload, job)."""
    return registry.handler(kind)


def register_periodic(kind: str, *, every: timedelta, payload: dict | None = None) -> None:
    """Have `flask worker` queue a job of kind once every `every`."""
    registry.add_periodic(kind, every=every, payload=payload)
