"""The path model and modules as validated files under `modules/` (format: docs/content.md).

Every process of the app holds the content in memory. An admin's "reload" validates the files and, when
they have no errors, swaps them in and publishes a new content version in the shared cache; every other
process notices the new version within CONTENT_RELOAD_CHECK_SECONDS and reloads the same files itself.
"""
import logging
import secrets
import time
from pathlib import Path

from flask import current_app

from app.learning.content.loader import LoadedContent, load_content
from app.learning.content.model import PathModel
from app.learning.content.validation import Problem

log = logging.getLogger(__name__)

__all__ = ["ContentRefused", "LoadedContent", "PathModel", "Problem", "init_content", "load_content",
           "reload_content", "follow_content_reloads", "path_model"]

VERSION_KEY = "content:version"


class ContentRefused(RuntimeError):
    """Production refuses to start with content errors: learners would meet broken modules."""

    def __init__(self, directory: str, problems: list[Problem]):
        self.problems = problems
        listed = "\n".join(problem.format(directory) for problem in problems)
        super().__init__(f"{len(problems)} content error(s) in {directory}; run `flask content check`:\n{listed}")


def _load(app) -> tuple[str, LoadedContent]:
    directory = str(Path(app.config["CONTENT_DIR"]))
    return directory, load_content(directory, locales=app.config["LANGUAGES"])


def _log_problems(directory: str, loaded: LoadedContent) -> None:
    for problem in loaded.problems:
        (log.error if problem.is_error else log.debug)("content: %s", problem.format(directory))
    if loaded.problems:
        (log.warning if loaded.errors else log.info)(
            "content in %s: %d error(s), %d warning(s); modules left out: %s",
            directory, len(loaded.errors), len(loaded.warnings), ", ".join(loaded.rejected_modules) or "none")


def path_model(app=None) -> PathModel | None:
    """The path model this process uses (None when the content has no usable path.yaml): the one way to read it."""
    return (app or current_app).extensions.get("path_model")


def _use(app, loaded: LoadedContent, version: str | None) -> None:
    app.extensions["path_model"] = loaded.model
    app.extensions["content_problems"] = list(loaded.problems)
    app.extensions["content_version"] = version
    app.extensions["content_checked_at"] = time.monotonic()


def init_content(app) -> LoadedContent:
    """Load CONTENT_DIR into app.extensions["path_model"]; in production, content errors refuse start."""
    directory, loaded = _load(app)
    if loaded.errors and app.config.get("ENV_NAME") == "production":
        raise ContentRefused(directory, loaded.errors)
    _log_problems(directory, loaded)
    _use(app, loaded, version=None)
    return loaded


def reload_content(app) -> LoadedContent:
    """Read the files again; use them (here and, through the shared cache, in every process) only without errors.

    With errors the running content stays as it was, and the problems are returned for the admin to fix.
    """
    from app.shared_cache import shared_cache

    directory, loaded = _load(app)
    _log_problems(directory, loaded)
    if loaded.errors or loaded.model is None:
        log.warning("content reload refused: %d error(s); the running content is unchanged", len(loaded.errors))
        return loaded
    version = secrets.token_hex(8)
    shared_cache().set(VERSION_KEY, version)
    _use(app, loaded, version)
    log.info("content reloaded from %s: %d module(s), version %s", directory, len(loaded.model.modules), version)
    return loaded


def follow_content_reloads(app) -> None:
    """Before a request: if another process published a reload since this one last looked, load the files too."""
    from app.shared_cache import shared_cache

    now = time.monotonic()
    if now - app.extensions.get("content_checked_at", 0.0) < app.config["CONTENT_RELOAD_CHECK_SECONDS"]:
        return
    app.extensions["content_checked_at"] = now
    published = shared_cache().get(VERSION_KEY)
    if published is None or published == app.extensions.get("content_version"):
        return
    directory, loaded = _load(app)
    if loaded.errors or loaded.model is None:
        log.error("content version %s was published but the files here have %d error(s); keeping the running "
                  "content", published, len(loaded.errors))
        app.extensions["content_version"] = published  # do not retry on every request; the admin page shows it
        return
    _use(app, loaded, published)
    log.info("content reloaded from %s after another process published version %s", directory, published)
