"""A local HTTP server that answers like GitHub's REST API for issues and pull requests.

GitHub cannot be reached from the test machines, so the sync is tested against this server over real
HTTP. ``issues`` maps ``(owner, repo, number)`` to a dict with ``title``, ``state`` and optionally
``pull`` (True for a pull request) and ``merged``; ``failures`` is a list of status codes to answer
with, one per request, before answering normally (to exercise retries).
"""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROUTE = re.compile(r"^/repos/([^/]+)/([^/]+)/(issues|pulls)/(\d+)$")


class FakeGitHub:
    def __init__(self):
        self.issues = {}
        self.failures = []
        self.requests = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.requests.append((self.path, self.headers.get("Authorization")))
                if fake.failures:
                    code = fake.failures.pop(0)
                    return self._reply(code, {"message": "Server Error" if code >= 500 else "API rate limit exceeded"})
                match = ROUTE.match(self.path)
                item = fake.issues.get((match[1].lower(), match[2].lower(), int(match[4]))) if match else None
                if item is None or (match[3] == "pulls" and not item.get("pull")):
                    return self._reply(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})
                self._reply(200, fake.payload(match[1], match[2], int(match[4]), item, match[3]))

            def _reply(self, code, body):
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @staticmethod
    def payload(owner, repo, number, item, route):
        html = f"https://github.com/{owner}/{repo}/{'pull' if item.get('pull') else 'issues'}/{number}"
        body = {
            "url": f"https://api.github.com/repos/{owner}/{repo}/{route}/{number}",
            "html_url": html,
            "number": number,
            "title": item["title"],
            "state": item["state"],
            "user": {"login": "octocat"},
        }
        if item.get("pull"):
            merged_at = "2022-08-10T09:00:00Z" if item.get("merged") else None
            if route == "issues":
                body["pull_request"] = {"url": body["url"].replace("/issues/", "/pulls/"), "html_url": html, "merged_at": merged_at}
            else:
                body["merged"] = bool(item.get("merged"))
                body["merged_at"] = merged_at
        return body

    def add(self, owner, repo, number, title, state="open", pull=False, merged=False):
        self.issues[(owner.lower(), repo.lower(), number)] = {"title": title, "state": state, "pull": pull, "merged": merged}

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
