"""Diagnosis of our launch's cost in one process, without gunicorn or a network (not part of `make bench`).

    .venv/bin/python bench/profile_launch.py [--launches 2000] [--module ID] [--profile FILE]

Creates a throw-away PostgreSQL database as bench/run.py does, registers a platform whose key set is put
straight into the shared cache (no HTTP), then makes launches through Flask's test client exactly as the
driver does (login initiation → id_token signed with the login's nonce → launch POST → 303 → its redirects
followed to the first page, which must answer 200) for 500 learners in 25 courses, of a "whole path" link (the path
page) or, with `--module`, of a module's link (its current section). Prints the tool's CPU time per launch (process
time spent inside the requests, the id_token signing excluded), split by step (login, launch POST, each page after
it), the redirects per launch and the SQL round trips per launch; `--profile FILE` writes a cProfile of the
requests. A single thread, so the figures repeat within a few per cent on a quiet machine.
"""
import argparse
import cProfile
import os
import secrets
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
import psycopg
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric import rsa

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))
from run import CLIENT_ID, COURSES, DEPLOYMENT_ID, POSTGRES_ADMIN_DSN, USERS, prepare_database  # noqa: E402  (after the sys.path lines)

ISSUER = "http://127.0.0.1:9/bench-platform"
KID = "profile-key"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def claims_for(n: int, nonce: str, target: str, module: str | None) -> dict:
    now = int(time.time())
    user, course = f"bench-user-{n % USERS}", f"bench-course-{n % COURSES}"
    return {
        "iss": ISSUER, "sub": user, "aud": CLIENT_ID, "azp": CLIENT_ID, "exp": now + 300, "iat": now, "nonce": nonce,
        "name": f"Bench User {n % USERS}", "given_name": "Bench", "family_name": f"User {n % USERS}",
        "email": f"{user}@bench.invalid",
        LTI + "message_type": "LtiResourceLinkRequest", LTI + "version": "1.3.0",
        LTI + "deployment_id": DEPLOYMENT_ID, LTI + "target_link_uri": target,
        LTI + "resource_link": {"id": f"{course}-link", "title": "International skills path"},
        LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        LTI + "context": {"id": course, "label": course, "title": f"Bench course {course}"},
        LTI + "tool_platform": {"guid": "bench-platform", "name": "Bench College"},
        LTI + "launch_presentation": {"locale": "en", "document_target": "iframe"},
        **({LTI + "custom": {"module": module}} if module else {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--launches", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=600, help="unmeasured launches first (every learner once)")
    parser.add_argument("--module", help="launch this module's link (default: a whole-path link, the path page)")
    parser.add_argument("--profile", help="write a cProfile of the measured requests to this file")
    parser.add_argument("--show-statements", action="store_true", help="print the SQL of one more launch, by step")
    args = parser.parse_args()

    database = f"rexvet_profile_{secrets.token_hex(4)}"
    admin = psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True)
    admin.execute(f'CREATE DATABASE "{database}"')
    try:
        env = {
            "APP_ENV": "production",
            "ALLOW_LOOPBACK_HTTP": "1",
            "LMS_PRIVATE_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "DATABASE_URL": POSTGRES_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
            + "/"
            + database,
            "BASE_URL": "http://127.0.0.1:5000",
            "LTI_RATE_LIMIT": "1000000 per minute",
            # As production must, and as bench/run.py runs it: the rate limiter's counts in Redis.
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0", "RATELIMIT_KEY_PREFIX": f"{database}-limits",
            # The shared cache too, as docs/deploy.md sets production up.
            "SHARED_CACHE_URL": "redis://127.0.0.1:6379/0", "SHARED_CACHE_PREFIX": f"{database}:",
        }
        os.environ.update(env)
        with tempfile.TemporaryDirectory() as log_dir:
            prepare_database({**os.environ, "PYTHONPATH": str(BENCH.parent)}, Path(log_dir), ISSUER.rsplit("/", 1)[0])
        run(args)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        from run import forget_redis_keys

        forget_redis_keys("redis://127.0.0.1:6379/0", f"*{database}-limits")
        forget_redis_keys("redis://127.0.0.1:6379/0", f"{database}:")


def run(args) -> None:
    from sqlalchemy import event, select

    from app.extensions import db
    from app.lti.platform_keys import remember_key_set
    from app.tenancy.models import Registration
    from wsgi import app

    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_jwk = {
        **jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True),
        "kid": KID,
        "alg": "RS256",
    }
    with app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        registration.issuer = ISSUER
        remember_key_set(registration, {"keys": [public_jwk]})
        db.session.commit()
        engine = db.engine

    round_trips: Counter = Counter()
    event.listen(engine, "before_cursor_execute", lambda *a: round_trips.update(["statements"]))
    event.listen(engine, "commit", lambda *a: round_trips.update(["commits"]))
    event.listen(engine.pool, "checkout", lambda *a: round_trips.update(["checkouts"]))

    # Template rendering apart, by Flask's own signals around render_template: "of which rendering" per page.
    from flask import before_render_template, template_rendered

    rendering: Counter = Counter()
    render_started: list[float] = []
    before_render_template.connect(lambda *a, **k: render_started.append(time.process_time()), app, weak=False)
    template_rendered.connect(lambda _app, template, **k: rendering.update(
        {template.name: time.process_time() - render_started.pop()}), app, weak=False)

    client = app.test_client()
    target = app.config["BASE_URL"] + "/lti/launch"
    # CPU time, not wall time: waits on PostgreSQL are not the tool's cost.
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    spent: Counter = Counter()  # CPU seconds per step of the launch
    redirects: Counter = Counter()  # redirects per launch (from the launch POST's answer on) → launches

    def timed(step: str, call):
        started = time.process_time()
        if profiler:
            profiler.enable()
        try:
            return call()
        finally:
            if profiler:
                profiler.disable()
            spent[step] += time.process_time() - started

    def launch(n: int) -> None:
        login = timed("login", lambda: client.post("/lti/login", data={
            "iss": ISSUER, "login_hint": f"bench-user-{n % USERS}", "target_link_uri": target,
            "client_id": CLIENT_ID, "lti_deployment_id": DEPLOYMENT_ID,
        }))
        assert login.status_code == 302, login.get_data(as_text=True)[:500]
        query = parse_qs(urlsplit(login.headers["Location"]).query)
        token = jwt.encode(claims_for(n, query["nonce"][0], target, args.module), private_key, "RS256",
                           headers={"kid": KID})
        answer = timed("launch POST", lambda: client.post("/lti/launch", data={"id_token": token,
                                                                            "state": query["state"][0]}))
        assert answer.status_code == 303, answer.get_data(as_text=True)[:800]
        hops = 0
        while answer.status_code in (301, 302, 303, 307, 308):  # on to the first page, as the browser goes
            hops += 1
            location = urlsplit(answer.headers["Location"])
            endpoint = app.url_map.bind("localhost").match(location.path)[0]
            answer = timed(f"GET {endpoint}", lambda location=location: client.get(
                location.path, query_string=location.query))
        assert answer.status_code == 200, answer.get_data(as_text=True)[:800]
        redirects[hops] += 1

    for n in range(args.warmup):
        launch(n)
    spent.clear()
    rendering.clear()
    redirects.clear()
    round_trips.clear()
    for n in range(args.launches):
        launch(n)
    if args.show_statements:
        shown: list[str] = []
        event.listen(engine, "before_cursor_execute",
                     lambda _c, _k, statement, *a: shown.append(" ".join(statement.split())[:160]))
        launch(args.launches)
        print("\n".join(f"  {n + 1:>2}. {statement}" for n, statement in enumerate(shown)))
    total = sum(spent.values())
    print(f"{args.launches} launches to the first page: tool CPU {total / args.launches * 1000:.2f} ms/launch ("
          + ", ".join(f"{step} {seconds / args.launches * 1000:.2f}" for step, seconds in spent.items())
          + "); redirects per launch: " + ", ".join(f"{hops} ({n})" for hops, n in sorted(redirects.items()))
          + "; per launch: "
          + ", ".join(f"{count / args.launches:.2f} {name}" for name, count in sorted(round_trips.items())))
    print("of which template rendering: " + ", ".join(
        f"{name} {seconds / args.launches * 1000:.2f}" for name, seconds in rendering.most_common()))
    if profiler:
        profiler.dump_stats(args.profile)


if __name__ == "__main__":
    main()
