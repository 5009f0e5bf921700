"""The attempt rules: which version of each question an attempt shows, the order of its options, and when a new
attempt may start (docs/content.md, "Attempts"). Pure functions over the content model, shared by the pages,
the services and bench/assessment.py.

Why these rules: the first answer in an attempt counts, so retrying a question teaches but does not score. A
learner who has seen what the feedback revealed meets, in the next attempt, versions they have not had; only
when every version is used does one come back (the one used longest ago). After the second failed attempt
each further attempt waits the module's stated minutes: time to read the sections again, and the reason a
script that remembers earlier feedback cannot complete in fewer than three attempts or in less than the
module's minutes.
"""
import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.learning.content.model import Activity, Module, Option, attempt_score

FAILED_ATTEMPTS_BEFORE_WAITING = 2


def draw_versions(module: Module, earlier: Sequence[Mapping[str, str]], rng: random.Random) -> dict[str, str]:
    """Activity id → the version a new attempt shows, for every activity with variants.

    `earlier` holds the versions of the earlier attempts, oldest first. A version the learner has not had is
    drawn where there is one; else the one whose last use is longest ago (a tie drawn at random).
    """
    drawn = {}
    for activity in module.activities:
        if not activity.variants:
            continue
        last_used = {version.id: -1 for version in activity.versions}
        for number, versions in enumerate(earlier):
            used = versions.get(activity.id, activity.id)
            if used in last_used:
                last_used[used] = number
        oldest = min(last_used.values())
        drawn[activity.id] = rng.choice(sorted(version for version, used in last_used.items() if used == oldest))
    return drawn


def ordered_options(version: Activity, seed: int) -> list[Option]:
    """The options in the order one attempt shows them: shuffled by the attempt's seed (the same on every
    reload), except options marked `keep_place`, which stay where the file puts them."""
    def key(option: Option) -> bytes:
        return hashlib.sha256(f"{seed}:{version.id}:{option.id}".encode()).digest()

    movable = iter(sorted((option for option in version.options if not option.keep_place), key=key))
    return [option if option.keep_place else next(movable) for option in version.options]


def answers_needed(module: Module) -> tuple[int, int]:
    """(right first answers needed, scored activities) for the completion rule's minimum score."""
    scored = sum(1 for activity in module.activities if activity.is_scored)
    minimum = module.completion.min_score
    if not scored or minimum is None:
        return 0, scored
    needed = next(right for right in range(scored + 1) if right == scored or attempt_score(right, scored) >= minimum)
    return needed, scored


@dataclass(frozen=True)
class PastAttempt:
    """What the restart rule needs to know of an earlier attempt."""

    completed: bool
    summary_seen_at: datetime | None


def may_restart_at(module: Module, attempts: Sequence[PastAttempt]) -> datetime | None:
    """When the next attempt may start, given the attempts so far (oldest first); None: it may start now.

    The current (last) attempt must have been seen to its summary first: the caller checks that. A completed
    module may be practised again at once.
    """
    if not attempts or attempts[-1].completed or any(attempt.completed for attempt in attempts):
        return None
    failed = len(attempts)
    if failed < FAILED_ATTEMPTS_BEFORE_WAITING or attempts[-1].summary_seen_at is None:
        return None
    return attempts[-1].summary_seen_at + timedelta(minutes=module.minutes)


@dataclass(frozen=True)
class ChoiceFeedback:
    """What a learner's choice got right and wrong, for the feedback under a multiple choice."""

    found: int  # right options ticked
    right: int  # right options in all
    wrong: tuple[Option, ...]  # wrong options ticked, in the order shown


def choice_feedback(version: Activity, chosen_ids, order: Sequence[Option]) -> ChoiceFeedback:
    correct = version.correct_option_ids
    chosen = set(chosen_ids)
    return ChoiceFeedback(
        found=len(correct & chosen),
        right=len(correct),
        wrong=tuple(option for option in order if option.id in chosen and option.id not in correct),
    )
