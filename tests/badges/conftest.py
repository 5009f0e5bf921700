"""Badge worlds: the world's learner launched (the world, completions and badge files: tests/support)."""
import pytest

from tests.support.factories import LEARNER_ROLE, make_launch


@pytest.fixture
def learner_launch(world, clock):
    return make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now())
