"""The one source of 'now', injectable so tests control time instead of sleeping."""
from datetime import UTC, datetime, timedelta


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def timestamp(self) -> float:
        return self.now().timestamp()


class FrozenClock(SystemClock):
    """A clock that moves only when told to; used by tests."""

    def __init__(self, start: datetime | None = None):
        self._now = start or datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta) -> None:
        self._now += timedelta(**delta)


class OffsetFileClock(SystemClock):
    """Wall-clock time plus an offset in seconds read from a file on every call.

    For tests with several processes (`flask worker`s, gunicorn): the test moves time for all of them at once by
    writing the file, e.g. an LMS down for an hour without waiting an hour. Never used in production.
    """

    def __init__(self, path: str):
        self.path = path

    def now(self) -> datetime:
        try:
            with open(self.path) as offset_file:
                offset = float(offset_file.read().strip() or 0)
        except FileNotFoundError:
            offset = 0.0
        return super().now() + timedelta(seconds=offset)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: read them as the UTC they were stored in."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def current_clock() -> SystemClock:
    """The app's clock (tests install a FrozenClock in app.extensions['clock'])."""
    from flask import current_app

    return current_app.extensions["clock"]
