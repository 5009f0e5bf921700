"""Retry delays: exponential from the base, capped, scaled down by jitter of at most half."""
import random
from datetime import timedelta

import pytest

from app.jobs.backoff import retry_delay


class FixedRandom(random.Random):
    def __init__(self, fraction: float):
        super().__init__()
        self.fraction = fraction

    def random(self) -> float:
        return self.fraction


@pytest.mark.parametrize(
    ("attempt", "seconds"), [(1, 10), (2, 20), (3, 40), (9, 2560), (10, 3600), (1000, 3600)]
)
def test_the_delay_doubles_with_each_attempt_up_to_the_cap(attempt, seconds):
    assert retry_delay(attempt, base=10, cap=3600, rng=FixedRandom(1.0)) == timedelta(seconds=seconds)


def test_jitter_takes_off_at_most_half_of_the_delay():
    assert retry_delay(3, base=10, cap=3600, rng=FixedRandom(0.0)) == timedelta(seconds=20)
    delays = {retry_delay(3, base=10, cap=3600, rng=random.Random(seed)) for seed in range(50)}
    assert len(delays) > 1
    assert all(timedelta(seconds=20) <= delay <= timedelta(seconds=40) for delay in delays)
