"""How long a failed job waits before its next attempt."""
import random
from datetime import timedelta

# 2**30 × any sensible base is far past any cap; the bound keeps float arithmetic finite for huge attempt counts.
MAX_EXPONENT = 30


def retry_delay(attempt: int, *, base: float, cap: float, rng: random.Random) -> timedelta:
    """Capped exponential backoff with jitter: min(cap, base·2^(attempt-1)) scaled by a random factor in [0.5, 1]."""
    ceiling = min(cap, base * 2 ** min(attempt - 1, MAX_EXPONENT))
    # Jitter spreads the retries of jobs that failed together (e.g. a platform outage) so they do not return together.
    return timedelta(seconds=ceiling * rng.uniform(0.5, 1.0))
