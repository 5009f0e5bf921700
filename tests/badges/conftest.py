"""Badge worlds: the world's learner launched (the world, completions and badge files: tests/support)."""
import pytest

from tests.support.factories import LEARNER_ROLE, make_launch
from tests.support.served_badges import served  # noqa: F401  (the app on 127.0.0.1, for the credential tests)


@pytest.fixture
def learner_launch(world, clock):
    return make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now())
