"""`flask badges reevaluate`: everyone's badges re-evaluated after a change of rules, in batches that each commit on
their own, spread over worker processes.

Why not reevaluate_all (awarding.py), which awards in the caller's one transaction (right for an organisation's
approval: its held badges commit with it): for 10,000 people that is one transaction holding every award
uncommitted to the end, and one RS256 signature after another on one core (issue 30: 10,000 in under 20 s). Here:

- Durable per batch: each batch of `batch_people` people is one transaction, committed on its own. A crash loses
  at most the batches in flight; running it again finishes the job without duplicates (the unique key on
  organisation, person and badge, and INSERT … ON CONFLICT DO NOTHING in store_awards).
- A few statements per batch, not per person: one query reads what every credential of the batch needs
  (credential_contexts), one INSERT makes the subject ids of first-time earners, one INSERT stores the awards.
- Status indexes are reserved for the whole run first, one UPDATE per organisation, committed before any batch
  starts: parallel batches never queue for the issuer's row lock. Indexes of a batch that fails or finds a badge
  already awarded are never used, which is harmless (issuers.py). The issuer row and signing key are made there
  too, so that no two workers make an organisation's first key.
- RS256 signing is most of the cost and the floor (bench/badges_bench.py shows both), so with `workers` > 1 the
  batches run in processes forked from this one (the app, the badge catalogue and the parsed keys come along),
  each with its own database connection.
- badge_awarded fires for each award in its batch's transaction, as at a completion: the reports' figures version
  is replaced at that batch's commit (app/reports/figures_version.py).
"""
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from flask import current_app

from app.badges.awarding import due_to_everyone, new_award, store_awards
from app.badges.catalogue import badge_catalogue
from app.badges.credentials import credential_contexts
from app.badges.issuers import issuer_for, reserve_status_indexes
from app.badges.keys import active_badge_key
from app.extensions import db
from app.learning.content.model import PathModel

log = logging.getLogger(__name__)

BATCH_PEOPLE = 200  # per transaction: few statements and commits per award, little lost to a crash
MAX_WORKERS = 8


@dataclass(frozen=True)
class Awarded:
    """An award made by the bulk re-evaluation (plain values: they come back from worker processes)."""

    organisation_id: int
    person_id: int
    badge_id: str


# A batch as a worker gets it: per person (organisation, person, [(badge id, evidence, status index)]).
Batch = list[tuple[int, int, list[tuple[str, list[dict], int]]]]


def default_workers() -> int:
    """One process per CPU this one may use on PostgreSQL; one on SQLite, which lets one writer in at a time."""
    if db.engine.dialect.name != "postgresql":
        return 1
    return max(1, min(MAX_WORKERS, len(os.sched_getaffinity(0))))


def reevaluate_in_batches(path: PathModel, *, now: datetime, batch_people: int = BATCH_PEOPLE,
                          workers: int = 1) -> list[Awarded]:
    """Award everyone what is now due (never take a badge away; pending organisations left out), committing batch
    by batch; an error stops the run after the batches in flight (those committed stay) and is raised.

    With `workers` > 1 the batches run in that many forked processes, which see only what is committed: the
    caller's session must have nothing uncommitted they need (the reservation below commits it anyway)."""
    batches = _batches(due_to_everyone(path), batch_people)
    db.session.commit()  # the reserved status indexes, issuers and keys, before any batch uses them
    log.info("re-evaluating badges: %s batch(es) of at most %s people, %s worker(s)", len(batches), batch_people,
             workers)
    if workers <= 1 or len(batches) <= 1:
        return [awarded for batch in batches for awarded in award_batch(batch, now)]
    return _in_workers(batches, now, min(workers, len(batches)))


def _batches(everyone, batch_people: int) -> list[Batch]:
    """Everyone's due badges cut into batches, each award given its status index (reserved here, per organisation:
    its issuer row and key are made first if missing)."""
    indexes = {}
    for organisation_id, people in groupby(everyone, key=lambda entry: entry[0][0]):
        count = sum(len(due) for _, due in people)
        issuer_for(organisation_id), active_badge_key(organisation_id)
        indexes[organisation_id] = iter(reserve_status_indexes(organisation_id, count))
    rows = [(organisation_id, person_id,
             [(badge.id, evidence, next(indexes[organisation_id])) for badge, evidence in due])
            for (organisation_id, person_id), due in everyone]
    return [rows[first:first + batch_people] for first in range(0, len(rows), batch_people)]


def award_batch(batch: Batch, now: datetime) -> list[Awarded]:
    """One batch in one transaction: its credentials signed, its awards stored and announced, committed here (or
    rolled back, and the error raised)."""
    catalogue = badge_catalogue()
    try:
        awards = []
        for organisation_id, people in groupby(batch, key=lambda row: row[0]):
            people = list(people)
            contexts = credential_contexts(organisation_id, [person_id for _, person_id, _ in people])
            for _, person_id, due in people:
                if person_id not in contexts:
                    continue  # erased or merged away since the completions were read
                for badge_id, evidence, status_index in due:
                    awards.append(new_award(organisation_id, person_id, catalogue.badge(badge_id), evidence,
                                            contexts[person_id], status_index=status_index, now=now))
        awarded = [Awarded(award.organisation_id, award.person_id, award.badge_id) for award in store_awards(awards)]
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return awarded


def _in_workers(batches: list[Batch], now: datetime, workers: int) -> list[Awarded]:
    """The batches spread over `workers` forked processes; on an error, the batches not started are cancelled."""
    app = current_app._get_current_object()
    awarded = []
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_start_worker,
                             initargs=(app,)) as pool:
        futures = [pool.submit(award_batch, batch, now) for batch in batches]
        try:
            for future in futures:
                awarded += future.result()
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return awarded


def _start_worker(app) -> None:
    """A forked worker: an app context (so a session) of its own, and its own connections: those inherited from the
    parent are forgotten, not closed (close=False: closing would end the parent's too)."""
    app.app_context().push()
    for engine in db.engines.values():
        engine.dispose(close=False)
