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
from app.learning.content import load_content, path_model
from app.learning.content.model import ACTIVITY_TYPES, PathModel
from app.learning.content.quality import (
    MAX_GUESSER_PROBABILITY,
    cued_items,
    cueing_figures,
    guesser_breaches,
    guesser_probability,
)
from app.learning.content.validation import count_words, measured_minutes, words_read
from app.learning.retired import retired_references
from app.learning.self_assessment import store_self_rated_levels

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
    quality_errors, quality_warnings = _check_quality(loaded.model, directory, strict)
    modules = len(loaded.model.modules) if loaded.model else 0
    errors = len(loaded.errors) + quality_errors
    warnings = len(loaded.warnings) + len(retired) + quality_warnings
    click.echo(f"{modules} module(s) loaded; {errors} error(s), {warnings} warning(s)"
               + (" (strict)" if strict else ""))
    if directory != _directory(None) and badges_directory is None:  # another content dir: its own badges, if any
        click.echo("note: badges not checked against this content directory (add --badges-dir to check them)")
        badge_errors = 0
    else:
        badge_errors = _check_badges(loaded.model, badges_directory, strict)
    if errors or badge_errors:
        raise SystemExit(1)


def _check_quality(model: PathModel | None, directory: str, strict: bool) -> tuple[int, int]:
    """The cueing figures per locale and the random guesser's chance per module (app.learning.content.quality):
    a bound broken is a warning, with --strict an error; a cued item is always a warning (a quarter of honest items
    has its right answer longest, so one item is a hint to look at, not a fault). (errors, warnings) printed."""
    if model is None or not model.modules:
        return 0, 0
    severity = "error" if strict else "warning"
    errors = warnings = 0
    locales = current_app.config["LANGUAGES"]
    click.echo("cueing figures (scored single-answer and multiple-choice versions, per locale):")
    for locale in locales:
        figures = cueing_figures(model, locale)
        if not figures.single_items and not figures.multi_items:
            continue
        click.echo(f"  {figures.summary()}")
        for message, fix in figures.breaches():
            click.echo(f"{directory}: {severity}: cueing ({locale}): {message} — {fix}")
            errors, warnings = errors + strict, warnings + (not strict)
    for item in cued_items(model, locales):
        where = f"{directory}/{item.source.file}:{item.source.line}"
        also = f" (also {', '.join(item.files)})" if item.files else ""
        click.echo(f"{where}: warning: the right answer of {item.version_id!r} is the {item.cue} option in "
                   f"{', '.join(item.locales)}{also} — rewrite an option so length gives nothing away")
        warnings += 1
    for module, chance in guesser_breaches(model):
        source = module.source_of("completion")
        click.echo(f"{directory}/{source.file}:{source.line}: {severity}: module {module.id!r}: a random guesser "
                   f"completes an attempt with probability {float(chance):.1%} (at most "
                   f"{float(MAX_GUESSER_PROBABILITY):.0%}) — add scored activities or options, or raise `min_score`")
        errors, warnings = errors + strict, warnings + (not strict)
    return errors, warnings


def register_badge_check(app, check: Callable[[PathModel | None, str, bool], int]) -> None:
    """The badges feature's check of its files against the content just read (printing problems; errors counted)."""
    app.extensions[BADGE_CHECK] = check


def _check_badges(model, directory: str | None, strict: bool) -> int:
    """The badge definitions (badge_templates/) are content too: their rules name this path's modules."""
    check = current_app.extensions.get(BADGE_CHECK)
    if check is None:  # no badges feature in this app
        return 0
    return check(model, _directory(directory or current_app.config["BADGE_TEMPLATES_DIR"]), strict)


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
    """A table per module: area, level, sections, words of section text, activities by type, scored activities and
    their variants, the chance a random guesser completes an attempt, the words a learner reads (activities too), the
    minutes that measures (validation.measured_minutes), the minutes the module says, and its translations."""
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
        "scored",
        "variants",
        "guess",
        "read",
        "measured",
        "minutes",
        "translations",
    ]
    rows = []
    for module in loaded.model.modules:
        types = Counter(activity.type for activity in module.activities)
        words = sum(count_words(section.body.english) for section in module.sections)
        scored = [activity for activity in module.activities if activity.is_scored]
        rows.append([module.id, module.area, module.level, str(len(module.sections)), str(words),
                     *(str(types[kind]) for kind in ACTIVITY_TYPES), str(len(scored)),
                     str(sum(len(activity.variants) for activity in scored)), _percent(guesser_probability(module)),
                     str(words_read(module)), f"{measured_minutes(module):.0f}", str(module.minutes),
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


def _percent(chance) -> str:
    return "-" if chance is None else f"{float(chance):.1%}"


@content_cli.command("store-self-rated-levels")
@click.option("--batch", type=click.IntRange(1), default=2000, show_default=True,
              help="Takings stored per transaction.")
def store_levels(batch: int) -> None:
    """Store the self-rated levels of every taking that has none for the path as loaded now: after upgrading to
    stored levels, and after a content change moves statements between levels or areas. Until then the skills map
    works those takings out from their ratings (correct, slower)."""
    path = path_model(current_app)
    if path is None:
        raise click.ClickException("the content has no usable path.yaml: run `flask content check`")
    total = 0
    while stored := store_self_rated_levels(path, limit=batch):
        db.session.commit()
        total += stored
        click.echo(f"stored the levels of {total} taking(s)")
    click.echo(f"done: {total} taking(s) stored; every taking has the levels of the current path")
