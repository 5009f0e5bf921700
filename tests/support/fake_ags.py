"""A fake LMS grade service for fault tests: it records every score that arrives, in order, and can be told
to be down, hang, fail at random, expire its tokens or refuse one line item.

It runs in the test's process (a LiveServer thread) while `flask worker` processes send to it. Its notion of
time is the tool's OffsetFileClock file, so tokens expire when the test moves the clock.
"""
import json
import random
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, Response, request

from app.clock import OffsetFileClock


@dataclass
class Arrival:
    line_item: str
    user_id: str
    timestamp: str
    activity_progress: str
    score_given: float | None


@dataclass
class FakeAgsState:
    clock: OffsetFileClock
    mode: str = "up"  # up | down (503) | hang (answers after hang_seconds) | flaky (503 half the time) | hold
    hang_seconds: float = 3.0
    token_lifetime: int = 3600
    refused_line_items: set = field(default_factory=set)
    arrivals: list = field(default_factory=list)
    token_requests: int = 0
    tokens: dict = field(default_factory=dict)  # token → expiry (epoch seconds of the shared clock)
    rejected_tokens: int = 0
    refusals: int = 0
    unavailable_answers: int = 0
    held: threading.Event = field(default_factory=threading.Event)  # set when a request is being held
    release: threading.Event = field(default_factory=threading.Event)
    rng: random.Random = field(default_factory=lambda: random.Random(20261123))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return self.clock.now().timestamp()


def create_fake_ags(state: FakeAgsState) -> Flask:
    app = Flask("fake_ags")

    @app.post("/token")
    def token():
        with state.lock:
            state.token_requests += 1
            value = f"token-{state.token_requests}"
            state.tokens[value] = state.now() + state.token_lifetime
        return {"access_token": value, "token_type": "Bearer", "expires_in": state.token_lifetime,
                "scope": request.form.get("scope", "")}

    @app.post("/lineitems/<item>/scores")
    def scores(item):
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        with state.lock:
            valid = state.tokens.get(bearer, 0) > state.now()
            if not valid:
                state.rejected_tokens += 1
        if not valid:
            return Response('{"error": "invalid_token"}', 401, mimetype="application/json")
        if state.mode == "down":
            state.unavailable_answers += 1
            return Response("maintenance", 503)
        if state.mode == "flaky" and state.rng.random() < 0.5:
            state.unavailable_answers += 1
            return Response("try again", 503)
        if state.mode == "hang":
            time.sleep(state.hang_seconds)
        if state.mode == "hold" and not state.held.is_set():
            state.held.set()
            state.release.wait(30)
        if item in state.refused_line_items:
            state.refusals += 1
            return Response(json.dumps({"error": "This line item was deleted by the teacher."}), 404,
                            mimetype="application/json")
        score = request.get_json()
        with state.lock:
            state.arrivals.append(Arrival(item, score["userId"], score["timestamp"], score["activityProgress"],
                                          score.get("scoreGiven")))
        return Response(status=200)

    return app
