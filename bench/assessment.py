"""Assessment bench (docs/benchmarks.md, "Assessment"): can a module be passed without learning it?

For every shipped module with scored activities, two learners who learn nothing from the sections:

- the random guesser: its exact chance of completing one attempt (app.learning.content.quality, no simulation);
- the remembering bot: it answers at random what it does not know, retries every wrong answer until it is right
  (so it learns the right answer of each version it meets), goes through every section, views the summary and
  starts a new attempt as soon as it is allowed. Sections take no time; a wait is skipped by moving a controlled
  clock (app.clock.FrozenClock) to the moment the next attempt may start. It runs through the services of
  app.learning.progress (no HTTP), in-process, on a throw-away SQLite database.

The bounds: the guesser completes at most 5 % of attempts, and the bot's median run (over the seeds) needs at
least 3 attempts and at least the module's `minutes` on the clock. Prints a table; exits 1 if a module breaks a
bound. `.venv/bin/python bench/assessment.py [--seeds 20] [--json]`.

The attempt's shuffle seed and version draw come from `secrets` in app.learning.progress; this script replaces
that module's `secrets` with a seeded stand-in so that a run is reproducible from its seed.
"""
import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.clock import FrozenClock, as_utc  # noqa: E402
from app.config import TestConfig  # noqa: E402
from app.extensions import db  # noqa: E402
from app.learning import progress as service  # noqa: E402
from app.learning.attempts import PastAttempt, choice_feedback, may_restart_at, ordered_options  # noqa: E402
from app.learning.content import path_model  # noqa: E402
from app.learning.content.quality import MAX_GUESSER_PROBABILITY, guesser_probability  # noqa: E402
from tests.support.factories import LEARNER_ROLE, make_launch, make_world  # noqa: E402

MIN_ATTEMPTS = 3
MAX_ATTEMPTS = 50  # a bot still not through after this many attempts is reported as such, not looped on


class SeededSecrets:
    """What app.learning.progress asks of `secrets`, from a seeded generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def randbelow(self, n: int) -> int:
        return self.rng.randrange(n)

    def randbits(self, k: int) -> int:
        return self.rng.getrandbits(k)


def run_bot(module, seed: int) -> dict:
    """One remembering bot through one module until it completes: attempts and clock minutes taken."""
    rng = random.Random(f"{module.id}:{seed}")
    service.secrets = SeededSecrets(random.Random(f"draws:{module.id}:{seed}"))
    clock = FrozenClock()
    started = clock.now()
    world = make_world(f"Bench assessment {module.id} {seed}")
    launch = make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now())
    known: dict[str, list[str]] = {}  # version id → its right option ids, once the bot has got it right
    progress = service.open_module(launch, module, now=clock.now())
    while True:
        attempt = progress.current_attempt
        for section in module.sections:
            service.visit_section(launch, module, section, now=clock.now())
            for activity in section.activities:
                if activity.is_scored:
                    _answer(launch, module, activity, attempt, known, rng, clock)
            progress = service.complete_section(launch, module, section, now=clock.now())
        if progress.is_completed:
            break
        service.see_summary(launch, module, progress, now=clock.now())
        if len(progress.attempts) >= MAX_ATTEMPTS:
            break
        past = [PastAttempt(a.is_completed, as_utc(a.summary_seen_at)) for a in progress.attempts]
        allowed = may_restart_at(module, past)
        if allowed is not None and clock.now() < allowed:
            clock.advance(seconds=(allowed - clock.now()).total_seconds())
        service.start_new_attempt(launch, module, now=clock.now())
        db.session.commit()
        progress = service.find_progress(launch.organisation_id, launch.person_id, module.id)
    db.session.commit()
    completed = as_utc(progress.completed_at)
    return {
        "attempts": len(progress.attempts),
        "minutes": (completed - started).total_seconds() / 60 if completed else None,
        "completed": completed is not None,
    }


def _answer(launch, module, activity, attempt, known, rng, clock) -> None:
    version = activity.version(attempt.version_id(activity.id)) or activity
    order = ordered_options(version, attempt.shuffle_seed)
    ids = [option.id for option in order]
    if version.id in known:
        choice = known[version.id]
    elif version.type == "multiple_choice":
        choice = [option_id for option_id in ids if rng.random() < 0.5] or [rng.choice(ids)]
    else:
        choice = [rng.choice(ids)]
    wrong_seen: set[str] = set()
    while True:
        response = service.answer_activity(launch, module, activity, chosen_ids=choice, attempt_number=attempt.number,
                                           version_id=version.id, now=clock.now())
        if response.is_correct:
            known[version.id] = list(choice)
            return
        # Retry with what the feedback told: a single choice was wrong; of a multiple choice, which ticked options
        # were wrong and how many right ones there are.
        if version.type == "multiple_choice":
            feedback = choice_feedback(version, choice, order)
            wrong_seen |= {option.id for option in feedback.wrong}
            kept = [option_id for option_id in choice if option_id not in wrong_seen]
            untried = [option_id for option_id in ids if option_id not in wrong_seen and option_id not in kept]
            if feedback.found == feedback.right and not feedback.wrong:
                choice = kept  # cannot happen: all right and nothing wrong is correct
            elif feedback.found < feedback.right and untried:
                choice = kept + [rng.choice(untried)]
            else:
                choice = kept or [rng.choice(untried)]
        else:
            wrong_seen |= set(choice)
            choice = [rng.choice([option_id for option_id in ids if option_id not in wrong_seen])]


def main(seeds: int, as_json: bool) -> int:
    begun = time.monotonic()
    with tempfile.TemporaryDirectory() as directory:
        # The test configuration: its embedded defaults (a throw-away secret and key), no environment read.
        database = f"sqlite:///{directory}/assessment.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": database, "LOG_LEVEL": "WARNING"}, config=TestConfig())
        with app.app_context():
            db.create_all()
            rows = []
            for module in path_model(app).modules:
                chance = guesser_probability(module)
                if chance is None:
                    continue
                runs = [run_bot(module, seed) for seed in range(seeds)]
                attempts = [run["attempts"] for run in runs]
                minutes = [run["minutes"] if run["minutes"] is not None else float("inf") for run in runs]
                median_attempts, median_minutes = statistics.median(attempts), statistics.median(minutes)
                scored = [activity for activity in module.activities if activity.is_scored]
                row = {
                    "module": module.id, "scored": len(scored), "versions": sum(len(a.versions) for a in scored),
                    "min_score": module.completion.min_score, "minutes": module.minutes, "guesser": float(chance),
                    "seed0": runs[0], "attempts_median": median_attempts, "attempts_min": min(attempts),
                    "attempts_max": max(attempts), "minutes_median": median_minutes, "minutes_min": min(minutes),
                    "minutes_max": max(minutes),
                }
                row["ok"] = (chance <= MAX_GUESSER_PROBABILITY and median_attempts >= MIN_ATTEMPTS
                             and median_minutes >= module.minutes and all(run["completed"] for run in runs))
                rows.append(row)
            db.session.remove()
            db.engine.dispose()
    seconds = time.monotonic() - begun
    if as_json:
        print(json.dumps({"rows": rows, "seeds": seeds, "seconds": seconds, "table": table(rows, seeds)}))
    else:
        print(table(rows, seeds))
        print(f"\n{len(rows)} modules, {seeds} seeds each, {seconds:.0f} s; "
              f"{sum(not row['ok'] for row in rows)} break a bound")
    return 0 if all(row["ok"] for row in rows) else 1


def _minutes(value) -> str:
    return "never" if value == float("inf") or value is None else f"{value:.0f}"


def table(rows: list[dict], seeds: int) -> str:
    header = ["module", "scored", "versions", "min %", "guesser", "bot seed 0 (att/min)",
              f"bot median of {seeds}", "worst", "best", "minutes", "ok"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        seed0 = row["seed0"]
        lines.append("| " + " | ".join([
            row["module"], str(row["scored"]), str(row["versions"]), str(row["min_score"]), f"{row['guesser']:.2%}",
            f"{seed0['attempts']} / {_minutes(seed0['minutes'])}",
            f"{row['attempts_median']:g} / {_minutes(row['minutes_median'])}",
            f"{row['attempts_min']} / {_minutes(row['minutes_min'])}",
            f"{row['attempts_max']} / {_minutes(row['minutes_max'])}",
            str(row["minutes"]), "yes" if row["ok"] else "NO",
        ]) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="bot runs per module (seed 0 is the one reported)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    arguments = parser.parse_args()
    sys.exit(main(arguments.seeds, arguments.json))
