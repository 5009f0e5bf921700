"""Calls to an LMS: one kept-alive connection from call to call (a worker sends a class's scores over one),
and an LMS's cookies last one call only, never reaching the next call or another registration."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.lti import lms_http


class KeepAliveLms(BaseHTTPRequestHandler):
    """An LMS behind a server that keeps connections alive (HTTP/1.1) and sets a session cookie."""

    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.seen.append((self.client_address, self.headers.get("Cookie")))
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "MoodleSession=learner-session; Path=/")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def lms(app):
    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAliveLms)
    server.daemon_threads = True
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def post_scores(lms, count: int) -> None:
    for n in range(count):
        response = lms_http.request("POST", f"http://127.0.0.1:{lms.server_port}/lineitems/1/scores", json={"n": n})
        assert response.status_code == 200 and response.json() == {"ok": True}


def test_successive_calls_from_one_thread_share_one_connection(lms):
    post_scores(lms, 3)

    assert len({client for client, _ in lms.seen}) == 1


def test_a_cookie_the_lms_sets_is_not_sent_with_the_next_call(lms):
    post_scores(lms, 2)

    assert [cookie for _, cookie in lms.seen] == [None, None]
