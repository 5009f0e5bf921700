"""Rate limits per client address: each limited endpoint counted apart, in a storage every web process shares.

Declared beside the route, with the setting that holds the limit ("600 per minute", "5 per minute;30 per hour") and
the message of the 429 page: `@rate_limits.limit(...)` on a view, `rate_limits.limit_blueprint(...)` for every view of
a blueprint. Counted per client address (`request.remote_addr`: behind a reverse proxy, ProxyFix must make it the
real client's, docs/deploy.md) and endpoint, in fixed windows.

The counting is the `limits` library's, in Redis in production (RATELIMIT_STORAGE_URI; production refuses
memory://, where each process would count alone) and in memory in development and tests. Its Flask layer,
Flask-Limiter, was replaced by this module: it resolved every request's limits through its default, application
and blueprint-exemption machinery, pages without any limit included, and parsed each limit string again on each
request; 0.6 ms of a launch's 9.6 (py-spy, bench/profile_launch.py). Here a limited request costs one counter
increment, the others nothing.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import cache, wraps

from flask import Blueprint, Flask, current_app, request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

_EXTENSION = "rate_limits"


class RateLimits:
    def init_app(self, app: Flask) -> None:
        config = app.config
        storage = storage_from_string(config["RATELIMIT_STORAGE_URI"], key_prefix=config["RATELIMIT_KEY_PREFIX"])
        app.extensions[_EXTENSION] = FixedWindowRateLimiter(storage)

    def limit(self, setting: str, message: Callable[[], str], methods: tuple[str, ...] | None = None):
        """A view counted against the limit in config[setting]; past it, a 429 page saying `message()`. With
        `methods`, only requests of those methods count (a login form: its POSTs, not the page)."""

        def decorate(view):
            @wraps(view)
            def limited_view(*args, **kwargs):
                if methods is None or request.method in methods:
                    check(setting, message)
                return view(*args, **kwargs)

            return limited_view

        return decorate

    def limit_blueprint(self, blueprint: Blueprint, setting: str, message: Callable[[], str]) -> None:
        """Every view of the blueprint counted against config[setting], each endpoint apart."""
        blueprint.before_request(lambda: check(setting, message))

    def reset(self, app: Flask) -> None:
        """Every counter back to zero (tests: each starts below every limit)."""
        app.extensions[_EXTENSION].storage.reset()


rate_limits = RateLimits()


def check(setting: str, message: Callable[[], str]) -> None:
    """Count this request; past any of the setting's limits, refuse it with 429 and when to try again."""
    limiter: FixedWindowRateLimiter = current_app.extensions[_EXTENSION]
    counted_as = (request.endpoint or request.path, request.remote_addr or "unknown address")
    for limit in _parsed(current_app.config[setting]):
        if not limiter.hit(limit, *counted_as):
            resets_at = limiter.get_window_stats(limit, *counted_as).reset_time
            raise TooManyRequests(description=str(message()), retry_after=max(1, math.ceil(resets_at - time.time())))


@cache
def _parsed(limits: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(limits))
