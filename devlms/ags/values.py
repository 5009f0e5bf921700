"""Checks of the values AGS documents carry: numbers and ISO 8601 date-times."""

import math
from datetime import datetime


def is_number(value) -> bool:
    """A JSON number: not a boolean, not NaN or infinite."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def parse_timestamp(value) -> datetime | None:
    """An ISO 8601 date-time with a time zone offset, or None for anything else (a naive time is ambiguous)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
