"""A real OpenID Connect provider process for the tests (provider.mjs: panva's certified ``oidc-provider`` run
with node), and a browser-less walk through its sign-in for tests that drive our side with Django's client.

``npm ci`` in this folder installs it (``make test`` does). Without node or its packages the tests that need it
skip, or fail under CI=1."""

import json
import os
import shutil
import socket
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

HERE = Path(__file__).resolve().parent
CLIENT_ID, CLIENT_SECRET = "postmortem-tests", "a-test-client-secret"
ACCOUNTS = {
    "alice": {"email": "alice@example.com", "email_verified": True, "name": "Alice Example", "groups": ["sre"]},
    "lead": {"email": "lead@example.com", "email_verified": True, "name": "Lee Lead", "groups": ["sre-leads", "sre"]},
    "sales": {"email": "sales@example.com", "email_verified": True, "name": "Sam Sales", "groups": ["sales"]},
    "unverified": {"email": "writer@example.com", "email_verified": False, "name": "Una Verified", "groups": ["sre"]},
}


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Provider:
    """One provider process; ``restart()`` starts it again on the same port with a new signing key."""

    def __init__(self, redirect_uris, post_logout_redirect_uris=()):
        node = shutil.which("node")
        if not node or not (HERE / "node_modules" / "oidc-provider").is_dir():
            message = "node and tests/oidc_provider/node_modules are needed (make test runs npm ci there)"
            pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
        self.node, self.port = node, _free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "ISSUER": self.issuer, "PORT": str(self.port), "CLIENT_ID": CLIENT_ID,
                    "CLIENT_SECRET": CLIENT_SECRET, "REDIRECT_URIS": " ".join(redirect_uris),
                    "POST_LOGOUT_REDIRECT_URIS": " ".join(post_logout_redirect_uris), "ACCOUNTS": json.dumps(ACCOUNTS)}
        self.process = None
        self.start()

    def start(self):
        self.process = subprocess.Popen([self.node, str(HERE / "provider.mjs")], env=self.env, cwd=HERE,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in self.process.stdout:
            if line.startswith("listening "):
                self.kid = line.split("kid=")[1].strip()
                return
        raise RuntimeError(f"the OIDC provider did not start (exit {self.process.wait()})")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def restart(self):
        self.stop()
        self.start()

    def settings(self, **overrides):
        """settings.OIDC for a client of this provider."""
        return {"issuer": self.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "name": "Test IdP",
                "scopes": "openid email profile groups", "groups_claim": "groups",
                "role_map": (("sre-leads", "admin"), ("sre", "editor")), "only": False, **overrides}

    def set_accounts(self, accounts):
        requests.put(f"{self.issuer}/test/accounts", data=json.dumps(accounts), timeout=5).raise_for_status()

    def set_mode(self, mode):
        requests.put(f"{self.issuer}/test/mode", data=json.dumps({"mode": mode}), timeout=5).raise_for_status()


class _Form(HTMLParser):
    def __init__(self):
        super().__init__()
        self.action = None

    def handle_starttag(self, tag, attrs):
        if tag == "form" and self.action is None:
            self.action = dict(attrs).get("action")


def sign_in_at_provider(authorize_url, account, session=None):
    """Follow our redirect to the provider, sign in there as ``account`` and return the URL the provider sends
    the browser back to (our /oidc/callback/?code=…&state=…), without following it. ``session`` keeps the
    provider's cookies between sign-ins (a second sign-in then needs no form)."""
    session = session or requests.Session()
    url = authorize_url
    for _ in range(10):
        response = session.get(url, allow_redirects=False, timeout=5)
        if response.status_code in (302, 303):
            url = urljoin(url, response.headers["Location"])
            if not urlsplit(url).netloc.startswith("127.0.0.1:") or "/oidc/callback/" in url:
                return url
            continue
        if response.status_code == 200 and "<form" in response.text:
            form = _Form()
            form.feed(response.text)
            response = session.post(urljoin(url, form.action), data={"login": account}, allow_redirects=False,
                                    timeout=5)
            assert response.status_code in (302, 303), response.text
            url = urljoin(url, response.headers["Location"])
            continue
        raise AssertionError(f"unexpected answer from the provider at {url}: {response.status_code} {response.text[:300]}")
    raise AssertionError("too many redirects at the provider")
