"""Real HTTP servers on ephemeral ports, in threads: the tool and the development LMS call each other."""
import threading
from collections import Counter

from werkzeug.serving import make_server


class LiveServer:
    """A threaded WSGI server bound before its app exists, so apps can be configured with each other's URLs."""

    def __init__(self, hostname: str = "127.0.0.1"):
        self.app = None
        self.requests = Counter()  # path → how many requests it served
        self._server = make_server("127.0.0.1", 0, self._dispatch, threaded=True)
        self.url = f"http://{hostname}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _dispatch(self, environ, start_response):
        self.requests[environ.get("PATH_INFO", "")] += 1
        return self.app(environ, start_response)

    def start(self, app) -> "LiveServer":
        self.app = app
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
