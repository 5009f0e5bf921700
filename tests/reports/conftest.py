"""The learning fixtures (a world, the player's fixture content) serve the report tests too."""
from tests.learning.conftest import player_path, world  # noqa: F401  (fixtures)
