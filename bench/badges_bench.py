"""Badges part of `make bench`: re-evaluating the rules for 10,000 people (`flask badges reevaluate`, the bulk case
after a change of rules) against a bare-signing loop and the database's commit floor, in one process, same run.

Run by bench/run.py in a subprocess with the bench environment (production config, the bench database); prints one
JSON object on stdout.

- **Seed** (not timed; bulk INSERTs): an organisation with its issuer and signing key, `--people` people, each with
  one completed module whose completion makes exactly one participation badge due under the current rules (and
  none of them awarded yet, as after a change of rules).
- **Re-evaluation** (timed end to end, every commit included): the `flask badges reevaluate` command, run through
  Flask's CLI runner in this process, with its own defaults (batches, worker processes) unless `--workers` is
  given. Afterwards the database must hold exactly one award per person, each with its VC-JWT and a distinct
  status index, and a sample of the VC-JWTs must verify with the organisation's public key and carry the row's
  status index: otherwise the bench fails.
- **Bare signing**: the same number of the stored credentials' claim sets signed in one loop, one process, key
  loaded once: the cost of RS256 itself, which no issuer avoids.
- **Commit floor**: one-row INSERT + durable COMMIT per transaction, as the single-completion path pays per award.
- **Single completion** (information): `award_badge` + commit per award, one transaction each, as a learner's own
  completion makes them, for `--single` other people.
- Baking is lazy (on first download), so it is timed apart, per image kind, on a few awards.
"""
import json
import os
import sys
import time
from datetime import UTC, datetime

import jwt
from sqlalchemy import event, func, insert, select, text

from app.badges import ob3
from app.badges.awarding import _due, award_badge
from app.badges.catalogue import badge_catalogue
from app.badges.credentials import BAKED_KINDS, baked_image
from app.badges.issuers import issuer_for
from app.badges.keys import ALGORITHM, active_badge_key, active_private_key, public_key
from app.badges.models import BadgeAward
from app.extensions import db
from app.learning.content import path_model
from app.learning.models import ModuleProgress
from app.tenancy.models import Organisation, Person
from wsgi import app

COMMIT_FLOOR_TRANSACTIONS = 2000
VERIFIED_SAMPLE = 50


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, all cores (/proc/stat): how busy it was meanwhile, us or not."""
    with open("/proc/stat") as handle:
        fields = [int(value) for value in handle.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def one_badge_module(path) -> tuple[str, str]:
    """(module, badge): a module whose completion alone makes exactly one participation badge due."""
    now = datetime.now(UTC)
    for module in path.modules:
        due = _due(path, {module.id: now}, set())
        if len(due) == 1:
            return module.id, due[0][0].id
    raise SystemExit("no module of the path makes exactly one badge due on its own: the bench needs one")


def seed(name: str, people: int, module_id: str | None, now: datetime) -> tuple[int, list[int]]:
    """An organisation (issuer and key made) and its people, each with `module_id` completed; committed."""
    organisation = Organisation(name=name)
    db.session.add(organisation)
    db.session.flush()
    organisation_id = organisation.id
    person_ids = list(db.session.scalars(insert(Person).returning(Person.id, sort_by_parameter_order=True), [
        {"organisation_id": organisation_id, "issuer": "https://bench.invalid", "subject": f"{name}-{n}",
         "name": f"Earner {n}", "email": f"earner-{n}@bench.invalid"} for n in range(people)]))
    if module_id:
        db.session.execute(insert(ModuleProgress), [
            {"organisation_id": organisation_id, "person_id": person_id, "module_id": module_id, "started_at": now,
             "updated_at": now, "completed_at": now, "score": 100} for person_id in person_ids])
    issuer_for(organisation_id), active_badge_key(organisation_id)  # as any organisation that has issued badges
    db.session.commit()
    return organisation_id, person_ids


def check_awards(organisation_id: int, people: int, badge_id: str) -> dict:
    """What the re-evaluation stored: one award per person with its VC-JWT and a distinct status index; a sample
    of VC-JWTs verified with the organisation's public key. Raises if anything is wrong."""
    awards, with_jwt, indexes, pairs, badges = db.session.execute(
        select(func.count(), func.count(BadgeAward.credential_jwt), func.count(BadgeAward.status_index.distinct()),
               func.count(BadgeAward.person_id.distinct()), func.count(BadgeAward.badge_id.distinct()))
        .where(BadgeAward.organisation_id == organisation_id)).one()
    key = public_key(active_badge_key(organisation_id))
    sample = db.session.execute(
        select(BadgeAward.credential_jwt, BadgeAward.status_index, BadgeAward.badge_id)
        .where(BadgeAward.organisation_id == organisation_id).order_by(func.random()).limit(VERIFIED_SAMPLE)).all()
    for token, status_index, badge in sample:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], options={"verify_aud": False})
        assert int(claims["credentialStatus"]["statusListIndex"]) == status_index % ob3.STATUS_LIST_SIZE, claims
        assert badge == badge_id
    facts = {"awards": awards, "with_vc_jwt": with_jwt, "distinct_status_indexes": indexes,
             "distinct_people": pairs, "badges": badges, "verified_sample": len(sample)}
    if not (awards == with_jwt == indexes == pairs == people and badges == 1):
        raise SystemExit(f"the re-evaluation did not store one signed award per person: {facts}")
    return facts


def main(people: int, single: int, baked: int, profile: str | None, workers: int | None,
         seconds: float = 120) -> dict:
    now = datetime.now(UTC)
    with app.app_context():
        path = path_model()
        module_id, badge_id = one_badge_module(path)
        organisation_id, _ = seed("Bench re-evaluation college", people, module_id, now)

        statements = [0]

        def count_statement(*_):
            statements[0] += 1

        arguments = ["badges", "reevaluate"] + (["--workers", str(workers)] if workers else [])
        profiler = None
        if profile:
            import cProfile
            profiler = cProfile.Profile()
            profiler.enable()
        event.listen(db.engine, "before_cursor_execute", count_statement)
        started, times_before, machine_before = time.perf_counter(), os.times(), machine_cpu()
        result = app.test_cli_runner().invoke(args=arguments)
        reevaluation_seconds = time.perf_counter() - started
        times_after, machine_after = os.times(), machine_cpu()
        reevaluation_cpu_seconds = (times_after.user + times_after.system) - (times_before.user + times_before.system)
        workers_cpu_seconds = ((times_after.children_user + times_after.children_system)
                               - (times_before.children_user + times_before.children_system))
        machine_busy = (machine_after[0] - machine_before[0]) / max(machine_after[1] - machine_before[1], 1e-9)
        event.remove(db.engine, "before_cursor_execute", count_statement)
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
        if result.exit_code != 0:
            raise SystemExit(f"flask badges reevaluate failed: {result.output[-2000:]}\n{result.exception!r}")
        db.session.remove()
        checked = check_awards(organisation_id, people, badge_id)

        # The bare-signing floor: the stored credentials' claim sets signed again, one process, key loaded once.
        private = active_private_key(organisation_id)
        claims = [ob3.jwt_claims(document) for document in db.session.scalars(
            select(BadgeAward.credential).where(BadgeAward.organisation_id == organisation_id))]
        started = time.perf_counter()
        for claim_set in claims:
            jwt.encode(claim_set, private, algorithm=ALGORITHM, headers={"kid": "bench", "typ": "JWT"})
        bare_seconds = time.perf_counter() - started

        # The single-completion path, for information: one award and its commit per transaction.
        single_organisation, single_people = seed("Bench completions college", single, None, now)
        badge = badge_catalogue().badge(badge_id)
        evidence = [{"module": module_id, "title": path.module(module_id).title.english}]
        made, started = 0, time.perf_counter()
        for person_id in single_people:
            if time.perf_counter() - started > seconds:
                break  # bounded: the table says how many were made in the time
            award_badge(single_organisation, person_id, badge, now=now, evidence=evidence)
            db.session.commit()
            made += 1
        single_seconds = time.perf_counter() - started

        # The database's floor for one transaction per award: a one-row INSERT and its durable COMMIT, through the
        # same session (pool checkout, BEGIN, statement, COMMIT with its WAL flush), in a table made for it.
        db.session.execute(text("CREATE TABLE bench_commit_floor (n integer)"))
        db.session.commit()
        started = time.perf_counter()
        for number in range(COMMIT_FLOOR_TRANSACTIONS):
            db.session.execute(text("INSERT INTO bench_commit_floor (n) VALUES (:n)"), {"n": number})
            db.session.commit()
        commit_seconds = time.perf_counter() - started
        db.session.execute(text("DROP TABLE bench_commit_floor"))
        db.session.commit()

        baking = {}
        sample = db.session.scalars(db.select(BadgeAward).where(BadgeAward.organisation_id == organisation_id)
                                    .order_by(BadgeAward.id).limit(baked)).all()
        for kind in BAKED_KINDS:
            times = []
            for award in sample:
                started = time.perf_counter()
                baked_image(award, kind)
                db.session.commit()
                times.append(1000 * (time.perf_counter() - started))
            baking[kind] = {"p50_ms": percentile(times, 50), "max_ms": max(times)}
    return {"people": people, "badge": badge_id, "module": module_id, "workers": workers,
            "reevaluation_seconds": reevaluation_seconds, "reevaluation_cpu_seconds": reevaluation_cpu_seconds,
            "workers_cpu_seconds": workers_cpu_seconds, "machine_busy": machine_busy,
            "statements": statements[0], "checked": checked, "bare_sign_seconds": bare_seconds,
            "bare_signs": len(claims),
            "single": {"awards": made, "seconds": single_seconds},
            "commit_floor": {"transactions": COMMIT_FLOOR_TRANSACTIONS, "seconds": commit_seconds},
            "baking": baking, "baked_sample": len(sample)}


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10000, help="people the re-evaluation awards a badge to")
    parser.add_argument("--single", type=int, default=1000, help="awards of the single-completion loop")
    parser.add_argument("--baked", type=int, default=10)
    parser.add_argument("--workers", type=int, default=None,
                        help="`flask badges reevaluate --workers` (default: the command's own)")
    parser.add_argument("--seconds", type=float, default=120, help="the single-completion loop's time bound")
    parser.add_argument("--profile", default=None,
                        help="write a cProfile of the re-evaluation to this file (this process only: with --workers 1 "
                             "it holds all the work)")
    args = parser.parse_args()
    print(json.dumps(main(args.people, args.single, args.baked, args.profile, args.workers, args.seconds)))
    sys.stdout.flush()
