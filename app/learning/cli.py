"""`flask content …`: check and describe the path model and modules, as CI and content authors use it."""
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.learning.content import load_content
from app.learning.content.model import ACTIVITY_TYPES, PathModel
from app.learning.content.validation import count_words
from app.learning.retired import retired_references

BADGE_CHECK = "content_badge_check"  # filled by app.badges (register_badge_check): learning never imports badges

content_cli = AppGroup("content", help="Check the path model and modules (CONTENT_DIR, normally modules/).")

dir_option = click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
                          help="The content directory to read instead of CONTENT_DIR.")


def _directory(directory: str | None) -> str:
    """The directory as the user will recognise it: relative to the working directory when inside it."""
    path = Path(directory or current_app.config["CONTENT_DIR"])
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)


@content_cli.command("check")
@click.option(
    "--strict",
    is_flag=True,
    help="Also apply the training-content minimums (minutes, sections, words, activities, outcomes, links).",
)
@dir_option
@click.option("--badges-dir", "badges_directory", type=click.Path(file_okay=False), default=None,
              help="The badge directory to read instead of BADGE_TEMPLATES_DIR.")
def check(strict: bool, directory: str | None, badges_directory: str | None) -> None:
    """Print every problem as `file:line: error|warning: message — fix`; exit 1 on errors."""
    directory = _directory(directory)
    loaded = load_content(directory, locales=current_app.config["LANGUAGES"], strict=strict)
    for problem in loaded.problems:
        click.echo(problem.format(directory))
    retired = _retired_references(loaded.model)
    for reference in retired:
        click.echo(f"{directory}: warning: {reference.message()}")
    modules = len(loaded.model.modules) if loaded.model else 0
    click.echo(f"{modules} module(s) loaded; {len(loaded.errors)} error(s), {len(loaded.warnings) + len(retired)} "
               "warning(s)" + (" (strict)" if strict else ""))
    if directory != _directory(None) and badges_directory is None:  # another content dir: its own badges, if any
        click.echo("note: badges not checked against this content directory (add --badges-dir to check them)")
        badge_errors = 0
    else:
        badge_errors = _check_badges(loaded.model, badges_directory)
    if loaded.errors or badge_errors:
        raise SystemExit(1)


def register_badge_check(app, check: Callable[[PathModel | None, str], int]) -> None:
    """The badges feature's check of its files against the content just read (printing problems; errors counted)."""
    app.extensions[BADGE_CHECK] = check


def _check_badges(model, directory: str | None) -> int:
    """The badge definitions (badge_templates/) are content too: their rules name this path's modules."""
    check = current_app.extensions.get(BADGE_CHECK)
    if check is None:  # no badges feature in this app
        return 0
    return check(model, _directory(directory or current_app.config["BADGE_TEMPLATES_DIR"]))


def _retired_references(model) -> list:
    """Retired ids still in this installation's data; none when there is no database to ask (CI, a fresh checkout)."""
    if model is None:
        return []
    try:
        return retired_references(model)
    except SQLAlchemyError as problem:
        db.session.rollback()
        click.echo(f"note: stored data not checked for retired ids ({type(problem).__name__}: the database is "
                   "not reachable or not migrated; run `flask db upgrade`)")
        return []


@content_cli.command("stats")
@dir_option
def stats(directory: str | None) -> None:
    """A table per module: area, level, sections, words, activities by type, minutes and translations."""
    directory = _directory(directory)
    loaded = load_content(directory, locales=current_app.config["LANGUAGES"])
    if loaded.model is None:
        raise click.ClickException(f"{directory} has no usable path.yaml; run `flask content check`.")
    short = {
        "single_choice": "single",
        "multiple_choice": "multi",
        "scenario": "scen",
        "reflection": "refl",
        "checklist": "check",
    }
    header = [
        "module",
        "area",
        "level",
        "sections",
        "words",
        *(short[kind] for kind in ACTIVITY_TYPES),
        "minutes",
        "translations",
    ]
    rows = []
    for module in loaded.model.modules:
        types = Counter(activity.type for activity in module.activities)
        words = sum(count_words(section.body.english) for section in module.sections)
        rows.append([module.id, module.area, module.level, str(len(module.sections)), str(words),
                     *(str(types[kind]) for kind in ACTIVITY_TYPES), str(module.minutes),
                     ", ".join(module.translations) or "-"])
    widths = [max(len(row[index]) for row in [header, *rows]) for index in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    levels = {module.level for module in loaded.model.modules}
    areas = {module.area for module in loaded.model.modules}
    click.echo(f"{len(rows)} module(s) in {len(areas)} of {len(loaded.model.areas)} areas and "
               f"{len(levels)} of {len(loaded.model.levels)} levels")
    if loaded.rejected_modules:
        click.echo(f"left out for errors (see `flask content check`): {', '.join(loaded.rejected_modules)}")
