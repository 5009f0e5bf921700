"""Small HTTP servers a test owns (an LMS that misbehaves, a service on the tool's own network): each runs in a
thread, records what it is asked in `received`, and stops with the test."""
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve(handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """Start `handler` on host:port (0: any free port); `server.url` is its base URL."""
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.received = []
    server.url = f"http://{host}:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stop(*servers: ThreadingHTTPServer) -> None:
    for server in servers:
        server.shutdown()
        server.server_close()


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1", port: int = 0):
    server = serve(handler, host, port)
    try:
        yield server
    finally:
        stop(server)


def dripping(head: bytes, *, seconds: int) -> type[BaseHTTPRequestHandler]:
    """A handler that sends `head`, then one more byte a second for `seconds`: every read is quick, the answer
    takes `seconds` (the slow drip that per-read timeouts never stop)."""

    class Drip(BaseHTTPRequestHandler):
        def do_GET(self):
            self.server.received.append((self.command, self.path))
            self.wfile.write(head)
            try:
                for _ in range(seconds):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                pass

        def log_message(self, *args):
            pass

    return Drip
