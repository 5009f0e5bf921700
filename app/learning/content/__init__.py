"""The path model and modules as validated files under `modules/` (format: docs/content.md)."""
import logging
from pathlib import Path

from app.learning.content.loader import LoadedContent, load_content
from app.learning.content.model import PathModel
from app.learning.content.validation import Problem

log = logging.getLogger(__name__)

__all__ = ["ContentRefused", "LoadedContent", "PathModel", "Problem", "init_content", "load_content"]


class ContentRefused(RuntimeError):
    """Production refuses to start with content errors: learners would meet broken modules."""

    def __init__(self, directory: str, problems: list[Problem]):
        self.problems = problems
        listed = "\n".join(problem.format(directory) for problem in problems)
        super().__init__(f"{len(problems)} content error(s) in {directory}; run `flask content check`:\n{listed}")


def init_content(app) -> LoadedContent:
    """Load CONTENT_DIR into app.extensions["path_model"]; in production, content errors refuse start."""
    directory = str(Path(app.config["CONTENT_DIR"]))
    loaded = load_content(directory, locales=app.config["LANGUAGES"])
    if loaded.errors and app.config.get("ENV_NAME") == "production":
        raise ContentRefused(directory, loaded.errors)
    for problem in loaded.problems:
        (log.error if problem.is_error else log.debug)("content: %s", problem.format(directory))
    if loaded.problems:
        (log.warning if loaded.errors else log.info)("content in %s: %d error(s), %d warning(s); modules left out: %s",
                    directory, len(loaded.errors), len(loaded.warnings), ", ".join(loaded.rejected_modules) or "none")
    app.extensions["path_model"] = loaded.model
    app.extensions["content_problems"] = list(loaded.problems)
    return loaded
