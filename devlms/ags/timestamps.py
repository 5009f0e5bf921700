"""ISO 8601 date-times as AGS sends them."""

from datetime import datetime


def parse_timestamp(value) -> datetime | None:
    """An ISO 8601 date-time with a time zone offset, or None for anything else (a naive time is ambiguous)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
