"""Our tool with a count of its SQL round trips per endpoint (`bench/run.py --count-statements`; a diagnosis, not
timed).

Each worker writes its counts to $BENCH_COUNTS_DIR/<pid>.json when it exits: statements by endpoint and first
word, pool checkouts (a `SELECT 1` only for a connection idle over a second: app.extensions.ping_idle_connections),
commits, and requests.
"""
import atexit
import json
import os
from collections import Counter

from flask import has_request_context, request
from sqlalchemy import event

from app.extensions import db
from wsgi import app

counts: Counter = Counter()


def _endpoint() -> str:
    return request.endpoint or "-" if has_request_context() else "-"


with app.app_context():
    engine = db.engine


@event.listens_for(engine, "before_cursor_execute")
def _statement(connection, cursor, statement, parameters, context, executemany):
    counts[f"{_endpoint()} {statement.split(None, 1)[0].upper()}"] += 1


@event.listens_for(engine, "commit")
def _commit(connection):
    counts[f"{_endpoint()} COMMIT"] += 1


@event.listens_for(engine.pool, "checkout")
def _checkout(dbapi_connection, record, proxy):
    counts[f"{_endpoint()} checkout"] += 1


@app.after_request
def _request(response):
    counts[f"{_endpoint()} requests"] += 1
    return response


@atexit.register
def _write() -> None:
    directory = os.environ.get("BENCH_COUNTS_DIR")
    if directory:
        with open(os.path.join(directory, f"{os.getpid()}.json"), "w") as handle:
            json.dump(counts, handle)
