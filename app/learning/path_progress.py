"""Overall progress on the path: how many of its modules the learner completed and the time the rest takes."""
from collections.abc import Collection
from dataclasses import dataclass

from app.learning.content.model import PathModel


@dataclass(frozen=True)
class PathProgress:
    """The path page's first line: "4 of 32 modules · about 6 hours left"."""

    completed: int
    total: int
    minutes_left: int

    @property
    def is_finished(self) -> bool:
        return self.total > 0 and self.completed == self.total

    @property
    def hours_left(self) -> int:
        """Whole hours, rounded to the nearest, never 0 while anything is left (the page says "about")."""
        return max(1, round(self.minutes_left / 60)) if self.minutes_left else 0

    @property
    def shows_minutes(self) -> bool:
        """Under an hour left the page counts minutes: "about 1 hour" would overstate 20 minutes."""
        return 0 < self.minutes_left < 60


def path_progress(path: PathModel, completed_module_ids: Collection[str]) -> PathProgress:
    """Completed modules of the path and the minutes of those not completed; modules the path no longer has
    (retired) count for nothing, as in placement."""
    completed = [module for module in path.modules if module.id in completed_module_ids]
    left = sum(module.minutes for module in path.modules if module.id not in completed_module_ids)
    return PathProgress(completed=len(completed), total=len(path.modules), minutes_left=left)
