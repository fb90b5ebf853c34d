"""A local HTTP server that answers like Slack's Web API (https://slack.com/api/<method>) for what the app calls.

Slack cannot be reached from the test machines, so the Slack app is tested against this server over real HTTP
(point settings.SLACK["api_url"] at ``url + "/api/"``). ``users`` maps a Slack user id to a dict (``email``,
optionally ``deleted``/``is_bot``); ``users.info`` answers ``{"ok": true, "user": {"id", "profile": {"email"}}}``
or ``{"ok": false, "error": "user_not_found"}``.

Methods: ``users.info`` (GET or POST), ``users.lookupByEmail``, ``chat.unfurl``, ``chat.postMessage``,
``conversations.open`` (a DM channel "D" + the user id). Every call must carry ``Authorization: Bearer <token>``
equal to ``token`` (else ``invalid_auth``, as Slack does). ``failures``: answers to give first, one per request:
a status code (429 comes with ``Retry-After: 0``), or a dict ``{"status", "headers", "body"}``.
``calls`` records (method, arguments) of every request answered (JSON bodies decoded, form fields as strings).
"""

import json
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlparse

from tests.local_server import LocalServer


class FakeSlack(LocalServer):
    def __init__(self, token="xoxb-test-token"):
        self.token = token
        self.users = {}
        self.failures = []
        self.requests = []  # (HTTP method, Slack method) of every request, failed ones too
        self.calls = []
        self.called = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self._answer(dict(parse_qsl(urlparse(self.path).query)))

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if (self.headers.get("Content-Type") or "").startswith("application/json"):
                    arguments = json.loads(raw or b"{}")
                else:
                    arguments = dict(parse_qsl(raw.decode()))
                self._answer({**dict(parse_qsl(urlparse(self.path).query)), **arguments})

            def _answer(self, arguments):
                method = urlparse(self.path).path.rsplit("/", 1)[-1]
                fake.requests.append((self.command, method))
                if fake.failures:
                    return self._fail(fake.failures.pop(0))
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    return self._reply(200, {"ok": False, "error": "invalid_auth"})
                handler = getattr(fake, method.replace(".", "_"), None)
                if handler is None:
                    return self._reply(200, {"ok": False, "error": "unknown_method"})
                with fake.called:
                    fake.calls.append((method, arguments))
                    fake.called.notify_all()
                self._reply(200, handler(arguments))

            def _fail(self, failure):
                if isinstance(failure, int):
                    failure = {"status": failure, "headers": {"Retry-After": "0"} if failure == 429 else {}}
                code = failure["status"]
                default = {"ok": False, "error": "ratelimited" if code == 429 else "internal_error"}
                return self._reply(code, failure.get("body", default), failure.get("headers", {}))

            def _reply(self, code, body, headers=None):
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, str(value))
                self.end_headers()
                self.wfile.write(data)

        self.serve(Handler)
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_url = self.url + "/api/"

    # The Web API methods, by name ("users.info" → users_info): arguments → Slack's JSON answer.

    def _user(self, user_id):
        user = self.users[user_id]
        return {"id": user_id, "deleted": user.get("deleted", False), "is_bot": user.get("is_bot", False),
                "profile": {"email": user.get("email", "")}}

    def users_info(self, arguments):
        if arguments.get("user") not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": self._user(arguments["user"])}

    def users_lookupByEmail(self, arguments):
        for user_id, user in self.users.items():
            if user.get("email", "").lower() == arguments.get("email", "").lower():
                return {"ok": True, "user": self._user(user_id)}
        return {"ok": False, "error": "users_not_found"}

    def chat_unfurl(self, arguments):
        if not arguments.get("channel") or not arguments.get("ts") or not arguments.get("unfurls"):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True}

    def chat_postMessage(self, arguments):
        if not str(arguments.get("channel", "")).strip():
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": arguments["channel"], "ts": f"{1800000000 + len(self.calls)}.000100",
                "message": {"text": arguments.get("text", "")}}

    def conversations_open(self, arguments):
        users = str(arguments.get("users", ""))
        if not users or users.split(",")[0] not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": "D" + users.split(",")[0]}}

    def calls_of(self, method):
        return [arguments for name, arguments in self.calls if name == method]

    def wait_for(self, method, count=1, seconds=10):
        """The arguments of ``method``'s calls once there are ``count`` of them (or after ``seconds``)."""
        with self.called:
            self.called.wait_for(lambda: len(self.calls_of(method)) >= count, timeout=seconds)
        return self.calls_of(method)

