"""A local HTTP server that answers like GitHub's REST API for issues and pull requests.

GitHub cannot be reached from the test machines, so the sync is tested against this server over real
HTTP. ``issues`` maps ``(owner, repo, number)`` to a dict with ``title``, ``state`` and optionally
``pull`` (True for a pull request), ``merged`` and ``state_reason``.

What it can also do, as GitHub does:
- ``failures``: answers to give first, one per request: a status code, or a dict ``{"status", "headers",
  "body"}`` (rate limits with ``x-ratelimit-remaining``/``x-ratelimit-reset`` or ``retry-after``, SAML 403s, …).
- ETags on every 200, and 304 for a matching ``If-None-Match``.
- ``moved``: ``{(owner, repo): (new_owner, new_repo)}`` → 301 to the new place (``redirect_to`` another
  server's URL sends the redirect to that host instead); ``gone``: keys answered 410.
- ``delay``: seconds to wait before each answer (a slow GitHub).
- ``POST /repos/{owner}/{repo}/issues`` files an issue (201), unless the repository is in ``forbidden``.
``requests`` records (method, path, Authorization, If-None-Match) of every request; ``posted`` the bodies.
"""

import hashlib
import json
import re
import time
from http.server import BaseHTTPRequestHandler

from tests.local_server import LocalServer

ROUTE = re.compile(r"^/repos/([^/]+)/([^/]+)/(issues|pulls)/(\d+)$")
CREATE = re.compile(r"^/repos/([^/]+)/([^/]+)/issues$")


class FakeGitHub(LocalServer):
    def __init__(self):
        self.issues = {}
        self.failures = []
        self.requests = []
        self.posted = []
        self.moved = {}
        self.gone = set()
        self.forbidden = set()
        self.redirect_to = None
        self.delay = 0
        self.rate_remaining = "4999"
        self.prefix = ""  # "/api/v3" answers like GitHub Enterprise
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.requests.append(("GET", self.path, self.headers.get("Authorization"), self.headers.get("If-None-Match")))
                if fake.delay:
                    time.sleep(fake.delay)
                if fake.failures:
                    return self._fail(fake.failures.pop(0))
                match = ROUTE.match(self.path.removeprefix(fake.prefix))
                if not match:
                    return self._reply(404, {"message": "Not Found"})
                owner, repo, route, number = match[1].lower(), match[2].lower(), match[3], int(match[4])
                if (owner, repo) in fake.moved:
                    new_owner, new_repo = fake.moved[(owner, repo)]
                    base = fake.redirect_to or fake.url + fake.prefix
                    return self._reply(301, {"message": "Moved Permanently"},
                                       {"Location": f"{base}/repos/{new_owner}/{new_repo}/{route}/{number}"})
                if (owner, repo, number) in fake.gone:
                    return self._reply(410, {"message": "This issue was deleted"})
                item = fake.issues.get((owner, repo, number))
                if item is None or (route == "pulls" and not item.get("pull")):
                    return self._reply(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})
                body = fake.payload(item["owner"], item["repo"], number, item, route)
                etag = '"' + hashlib.sha1(json.dumps(body, sort_keys=True).encode()).hexdigest() + '"'
                if self.headers.get("If-None-Match") == etag:
                    return self._reply(304, None, {"ETag": etag})
                self._reply(200, body, {"ETag": etag})

            def do_POST(self):
                fake.requests.append(("POST", self.path, self.headers.get("Authorization"), None))
                data = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                if fake.delay:
                    time.sleep(fake.delay)
                if fake.failures:
                    return self._fail(fake.failures.pop(0))
                match = CREATE.match(self.path.removeprefix(fake.prefix))
                if not match:
                    return self._reply(404, {"message": "Not Found"})
                if (match[1].lower(), match[2].lower()) in fake.forbidden:
                    return self._reply(403, {"message": "Resource not accessible by personal access token"})
                fake.posted.append((match[1], match[2], data))
                number = max([n for (o, r, n) in fake.issues if (o, r) == (match[1].lower(), match[2].lower())] or [100]) + 1
                fake.add(match[1], match[2], number, data.get("title", ""))
                item = fake.issues[(match[1].lower(), match[2].lower(), number)]
                self._reply(201, fake.payload(match[1], match[2], number, item, "issues"))

            def _fail(self, failure):
                if isinstance(failure, int):
                    failure = {"status": failure}
                code = failure["status"]
                default = {"message": "Server Error" if code >= 500 else "API rate limit exceeded"}
                return self._reply(code, failure.get("body", default), failure.get("headers", {}))

            def _reply(self, code, body, headers=None):
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(code)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                headers = headers or {}
                if "x-ratelimit-remaining" not in headers:
                    self.send_header("x-ratelimit-remaining", fake.rate_remaining)
                for name, value in headers.items():
                    self.send_header(name, str(value))
                self.end_headers()
                self.wfile.write(data)

        self.serve(Handler)
        self.url = f"http://127.0.0.1:{self.port}"

    def payload(self, owner, repo, number, item, route):
        html = f"https://github.com/{owner}/{repo}/{'pull' if item.get('pull') else 'issues'}/{number}"
        closed = item["state"] == "closed"
        body = {
            "url": f"{self.url}{self.prefix}/repos/{owner}/{repo}/{route}/{number}",
            "repository_url": f"{self.url}{self.prefix}/repos/{owner}/{repo}",
            "html_url": html,
            "number": number,
            "title": item["title"],
            "state": item["state"],
            "state_reason": item.get("state_reason") or ("completed" if closed and not item.get("pull") else None),
            "closed_at": "2026-11-01T09:00:00Z" if closed else None,
            "updated_at": "2026-11-01T09:00:00Z",
            "user": {"login": "octocat"},
        }
        if item.get("pull"):
            body["state_reason"] = None
            merged_at = "2026-11-01T09:00:00Z" if item.get("merged") else None
            if route == "issues":
                body["pull_request"] = {"url": body["url"].replace("/issues/", "/pulls/"), "html_url": html, "merged_at": merged_at}
            else:
                body["merged"] = bool(item.get("merged"))
                body["merged_at"] = merged_at
        return body

    def add(self, owner, repo, number, title, state="open", pull=False, merged=False, state_reason=None):
        self.issues[(owner.lower(), repo.lower(), number)] = {
            "owner": owner, "repo": repo, "title": title, "state": state, "pull": pull, "merged": merged,
            "state_reason": state_reason,
        }

    def gets(self):
        return [r for r in self.requests if r[0] == "GET"]

