"""What the tests' local peers of outside services (tests/github_fake.py, tests/slack_fake.py) share: a threading
HTTP server on a free local port, served from a daemon thread between ``with`` and its end."""

import threading
from http.server import ThreadingHTTPServer


class LocalServer:
    def serve(self, handler):
        """Listen with ``handler`` (a BaseHTTPRequestHandler class) on a free port of this machine."""
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self):
        return self.server.server_address[1]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
