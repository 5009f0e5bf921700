"""What a job handler raises to steer its retries; any other exception is retried with backoff.

The runner rolls a failed handler's writes back, unless its error says `keep_writes`: then they are committed
with the job's outcome, in the job's one transaction (e.g. the reason a score failed, written on its row).
"""
from datetime import timedelta


class PermanentJobError(Exception):
    """The job can never succeed (e.g. the platform answered 4xx): give up now instead of retrying."""

    def __init__(self, message: str, *, keep_writes: bool = False):
        super().__init__(message)
        self.keep_writes = keep_writes


class RetryLater(Exception):
    """Retry after the given delay instead of the backoff (e.g. the platform's Retry-After)."""

    def __init__(self, message: str, *, after: timedelta, keep_writes: bool = False):
        super().__init__(message)
        self.after = after
        self.keep_writes = keep_writes
