"""Every call the tool makes to an LMS (token, JWKS, AGS, NRPS): bounded in time and size, so an LMS that
answers garbage, answers huge, or drips its answer a byte at a time costs one clear error, never a stuck
thread or a worker's memory.

HTTP_TIMEOUT bounds connecting and each read; LMS_ANSWER_DEADLINE_SECONDS bounds the whole answer;
LMS_ANSWER_MAX_BYTES bounds its (decompressed) size. Both failures are requests exceptions, so callers treat
them as they treat an LMS that did not answer: "try again later", with what happened in the message.

Each thread keeps one requests.Session, so a connection to an LMS is kept alive from one call to the next (a
worker sending a class's scores opens one connection, and one TLS handshake, instead of one per score).
"""
import json
import threading
import time

import requests
from flask import current_app

READ_SIZE = 64 * 1024
_per_thread = threading.local()


class AnswerTooLarge(requests.RequestException):
    """The LMS's answer is larger than LMS_ANSWER_MAX_BYTES."""


class AnswerTooSlow(requests.Timeout):
    """The LMS's answer did not arrive in full within LMS_ANSWER_DEADLINE_SECONDS."""


def request(method: str, url: str, *, timeout=None, deadline_seconds: float | None = None,
            **kwargs) -> requests.Response:
    """requests.request with the tool's timeouts (or these), its body read in full (within the limits) first;
    `deadline_seconds` shortens LMS_ANSWER_DEADLINE_SECONDS for one call (a token request's)."""
    config = current_app.config
    limit, allowed = config["LMS_ANSWER_MAX_BYTES"], deadline_seconds or config["LMS_ANSWER_DEADLINE_SECONDS"]
    deadline = time.monotonic() + allowed
    session = _session()
    session.cookies.clear()  # an LMS's cookies last one call, as before: never sent to another registration
    response = session.request(method, url, timeout=timeout or config["HTTP_TIMEOUT"], stream=True, **kwargs)
    try:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise AnswerTooLarge(f"{url} announced {declared} bytes; at most {limit} are read")
        body = bytearray()
        while True:
            # read1: whatever one socket read brings (each bounded by the read timeout), so the deadline is
            # checked between reads even when the LMS sends a byte a second.
            chunk = response.raw.read1(READ_SIZE, decode_content=True)
            if not chunk:
                break
            body += chunk
            if len(body) > limit:
                raise AnswerTooLarge(f"{url} sent more than {limit} bytes")
            if time.monotonic() > deadline:
                raise AnswerTooSlow(f"{url} had not sent its whole answer after {allowed} s")
        response._content = bytes(body)
        response._content_consumed = True  # read to its end: close() returns the connection to the pool, open
    except requests.RequestException:
        raise
    except Exception as exc:  # urllib3's own errors mid-body (protocol, decoding, read timeout)
        raise requests.ConnectionError(f"{url}: the answer broke off ({type(exc).__name__}: {exc})") from exc
    finally:
        response.close()
    return response


def _session() -> requests.Session:
    """This thread's session (a Session is not safe to share between threads)."""
    session = getattr(_per_thread, "session", None)
    if session is None:
        session = _per_thread.session = requests.Session()
    return session


def describe(error: requests.RequestException) -> str:
    """What went wrong in words an admin can act on: the kind, and our own message when it says more."""
    name = type(error).__name__
    return f"{name}: {error}" if isinstance(error, (AnswerTooLarge, AnswerTooSlow)) else name


def json_answer(response: requests.Response, expected: type, what: str):
    """The answer's JSON if it is of the expected kind (dict or list); else ValueError saying what came instead."""
    try:
        document = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        content_type = response.headers.get("Content-Type") or "no content type"
        raise ValueError(f"{what} is not JSON ({content_type}, {len(response.content)} bytes)") from None
    if not isinstance(document, expected):
        kind = {dict: "a JSON object", list: "a JSON list"}[expected]
        raise ValueError(f"{what} must be {kind}, not {type(document).__name__}")
    return document
