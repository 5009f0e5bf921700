"""`flask badges …`: re-evaluate awards after a change of rules, rotate the badge signing key; and the badge part
of `flask content check`."""
import click
from flask import current_app
from flask.cli import AppGroup

from app.badges.loader import load_badges
from app.clock import current_clock
from app.extensions import db
from app.learning.content import path_model

badges_cli = AppGroup("badges", help="Open Badges: re-evaluate awards, rotate the badge signing key.")


def check_badge_files(path, directory: str | None = None, *, strict: bool = False) -> tuple[int, int]:
    """Print the badge files' problems like content problems; (errors, warnings). Called by `flask content check`;
    with strict, a missing micro-credential fact or translation is an error."""
    directory = directory or current_app.config["BADGE_TEMPLATES_DIR"]
    catalogue, problems = load_badges(directory, path, locales=current_app.config["LANGUAGES"], strict=strict)
    for problem in problems:
        click.echo(problem.format(directory))
    errors = len(problems.errors)
    click.echo(f"{len(catalogue.badges)} badge(s) loaded; {errors} error(s), {len(problems) - errors} warning(s)")
    return errors, len(problems) - errors


@badges_cli.command("reevaluate")
@click.option("--workers", type=int, default=None,
              help="Processes signing in parallel (default: one per CPU on PostgreSQL, one on SQLite).")
@click.option("--batch", "batch_people", type=int, default=None,
              help="People per transaction (default 200): a crash loses at most the batches in flight.")
def reevaluate(workers: int | None, batch_people: int | None) -> None:
    """Award every badge now due under the current rules; no badge is ever taken away. Each batch of people commits
    on its own: if it stops half-way, run it again to finish (nobody gets a badge twice)."""
    from app.badges.bulk_awarding import BATCH_PEOPLE, default_workers, reevaluate_in_batches

    path = path_model()
    if path is None:
        raise click.ClickException("The content has no usable path; run `flask content check`.")
    awarded = reevaluate_in_batches(path, now=current_clock().now(), batch_people=batch_people or BATCH_PEOPLE,
                                    workers=workers or default_workers())
    for award in awarded:
        click.echo(f"awarded {award.badge_id} to person {award.person_id} of organisation {award.organisation_id}")
    click.echo(f"{len(awarded)} badge(s) awarded")


@badges_cli.command("rotate-key")
@click.option("--organisation", "organisation_ids", type=int, multiple=True,
              help="The organisation whose keys to rotate (repeatable); without it, every organisation's.")
def rotate_key(organisation_ids: tuple[int, ...]) -> None:
    """New badge signing keys (RS256 and Ed25519) from now on; earlier keys stay published, so their credentials
    still verify, and keep signing their own status lists."""
    from sqlalchemy import select

    from app.badges.keys import rotate_badge_keys
    from app.tenancy.models import Organisation

    known = set(db.session.scalars(select(Organisation.id)))
    unknown = [str(number) for number in organisation_ids if number not in known]
    if unknown:
        raise click.ClickException(f"No organisation with id {', '.join(unknown)}: the installation admin's "
                                   "Organisations page shows each one's id.")
    for organisation_id in organisation_ids or sorted(known):
        keys = rotate_badge_keys(organisation_id, current_clock().now())
        click.echo(f"organisation {organisation_id}: badge keys {', '.join(key.thumbprint for key in keys)} "
                   "sign from now on")
    db.session.commit()
