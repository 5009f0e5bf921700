"""What a job handler raises to steer its retries; any other exception is retried with backoff."""
from datetime import timedelta


class PermanentJobError(Exception):
    """The job can never succeed (e.g. the platform answered 4xx): give up now instead of retrying."""


class RetryLater(Exception):
    """Retry after the given delay instead of the backoff (e.g. the platform's Retry-After)."""

    def __init__(self, message: str, *, after: timedelta):
        super().__init__(message)
        self.after = after
