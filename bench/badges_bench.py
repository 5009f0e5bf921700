"""Badges part of `make bench`: 10,000 awards against a bare-signing loop, in one process, same run.

Run by bench/run.py in a subprocess with the bench environment (production config, the bench database);
prints one JSON object on stdout. What one **award** is here, as when a learner completes a module:
`award_badge` (the OB 3.0 VC-JWT signed and stored by its INSERT … ON CONFLICT, with a status-list index
from the process's reserved block, the `badge_awarded` signal), `signed_credential` (the stored VC-JWT), and
the hosted OB 2.0 assertion built (`ob2_assertion`), then the commit — one transaction per award.
The **bare-signing loop** signs the same number of already-built credential claim sets with a key loaded once:
the cost of RS256 itself, which no issuer can avoid. Baking is lazy (on first download), so it is timed apart,
per image kind, on a few awards.
"""
import json
import sys
import time
from datetime import UTC, datetime

import jwt
from sqlalchemy import event, insert, text

from app.badges import ob3
from app.badges.awarding import award_badge
from app.badges.catalogue import badge_catalogue
from app.badges.credentials import BAKED_KINDS, baked_image, ob2_assertion, signed_credential
from app.badges.keys import ALGORITHM, active_badge_key, active_private_key
from app.badges.models import BadgeAward
from app.extensions import db
from app.tenancy.models import Organisation, Person
from wsgi import app

COMMIT_FLOOR_TRANSACTIONS = 2000


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def main(awards: int, baked: int, profile: str | None, seconds: float = 120) -> dict:
    now = datetime.now(UTC)
    with app.app_context():
        organisation = Organisation(name="Bench badges college")
        db.session.add(organisation)
        db.session.flush()
        people = list(db.session.scalars(insert(Person).returning(Person.id, sort_by_parameter_order=True), [
            {"organisation_id": organisation.id, "issuer": "https://bench.invalid", "subject": f"earner-{n}",
             "name": f"Earner {n}", "email": f"earner-{n}@bench.invalid"} for n in range(awards)]))
        active_badge_key(organisation.id)
        db.session.commit()
        organisation_id = organisation.id  # as a completion has it at hand (the ORM would reload it after each commit)
        badge = badge_catalogue().badges[0]
        evidence = [{"module": "bench-module", "title": "Bench module"}]

        profiler = None
        if profile:
            import cProfile
            profiler = cProfile.Profile()
            profiler.enable()
        statements = [0]

        def count_statement(*_):
            statements[0] += 1

        event.listen(db.engine, "before_cursor_execute", count_statement)
        tokens, started, cpu_started = [], time.perf_counter(), time.process_time()
        for person_id in people:
            if time.perf_counter() - started > seconds:
                break  # bounded: the table says how many were made in the time
            award = award_badge(organisation_id, person_id, badge, now=now, evidence=evidence)
            document, token = signed_credential(award)
            assert ob2_assertion(award) is not None
            db.session.commit()
            tokens.append(document)
        award_seconds, award_cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        event.remove(db.engine, "before_cursor_execute", count_statement)
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)

        private = active_private_key(organisation_id)
        claims = [ob3.jwt_claims(document) for document in tokens]
        started = time.perf_counter()
        for claim_set in claims:
            jwt.encode(claim_set, private, algorithm=ALGORITHM, headers={"kid": "bench", "typ": "JWT"})
        bare_seconds = time.perf_counter() - started

        # The database's floor for one transaction per award: a one-row INSERT and its durable COMMIT, through the
        # same session (pool checkout, BEGIN, statement, COMMIT with its WAL flush), in a table made for it.
        db.session.execute(text("CREATE TABLE bench_commit_floor (n integer)"))
        db.session.commit()
        commits = min(len(tokens), COMMIT_FLOOR_TRANSACTIONS)
        started = time.perf_counter()
        for number in range(commits):
            db.session.execute(text("INSERT INTO bench_commit_floor (n) VALUES (:n)"), {"n": number})
            db.session.commit()
        commit_seconds = time.perf_counter() - started
        db.session.execute(text("DROP TABLE bench_commit_floor"))
        db.session.commit()

        baking = {}
        sample = db.session.scalars(db.select(BadgeAward).where(BadgeAward.organisation_id == organisation.id)
                                    .order_by(BadgeAward.id).limit(baked)).all()
        for kind in BAKED_KINDS:
            times = []
            for award in sample:
                started = time.perf_counter()
                baked_image(award, kind)
                db.session.commit()
                times.append(1000 * (time.perf_counter() - started))
            baking[kind] = {"p50_ms": percentile(times, 50), "max_ms": max(times)}
        awarded = db.session.query(BadgeAward).filter(BadgeAward.organisation_id == organisation.id,
                                                      BadgeAward.credential_jwt.is_not(None)).count()
    return {"awards": len(tokens), "awarded_with_vc_jwt": awarded, "award_seconds": award_seconds,
            "statements": statements[0], "award_cpu_seconds": award_cpu_seconds,
            "bare_sign_seconds": bare_seconds, "commit_floor": {"transactions": commits, "seconds": commit_seconds},
            "baking": baking, "baked_sample": len(sample)}


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--awards", type=int, default=10000)
    parser.add_argument("--baked", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=120, help="the award loop's time bound")
    parser.add_argument("--profile", default=None, help="write a cProfile of the award loop to this file")
    args = parser.parse_args()
    print(json.dumps(main(args.awards, args.baked, args.profile, args.seconds)))
    sys.stdout.flush()
