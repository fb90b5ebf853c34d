"""The production profile (`manage.py serve`, what `make serve` runs after migrate and collectstatic) as
real processes: gunicorn workers that only read the index beside one follower per node. Nodes share
nothing but PostgreSQL and Redis: a write through one is found through another within seconds, a draft
disappears from the other at once, a node started later builds its index before its search answers,
static files have hashed names and long caching, and /healthz reports a stopped broker."""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from tests.conftest import ROOT, _database_url_for_worker, wait_for
from tests.factories import UserFactory

PRODUCTION = {
    "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(60), "ALLOWED_HOSTS": "127.0.0.1,localhost",
    # plain HTTP, no proxy in front (a real deployment keeps these on behind TLS)
    "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0",
}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(url, token=None, method="GET", body=None, headers=None):
    """(status, JSON or text, headers) of one HTTP request."""
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None,
                                     headers={**({"Authorization": f"Token {token}"} if token else {}),
                                              **({"Content-Type": "application/json"} if body is not None else {}),
                                              **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw, answer_headers = response.status, response.read(), response.headers
    except urllib.error.HTTPError as exc:
        status, raw, answer_headers = exc.code, exc.read(), exc.headers
    try:
        return status, json.loads(raw), answer_headers
    except ValueError:
        return status, raw.decode(errors="replace"), answer_headers


class Node:
    def __init__(self, name, tmp_path, env):
        self.data = tmp_path / name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(tmp_path / f"{name}.log", "w")
        self.env = {**env, "POSTMORTEM_DATA_DIR": str(self.data), "PORT": str(self.port)}

    def start(self, static_from=None):
        """``static_from``: another node, or a collected static directory (conftest's ``production_static``)."""
        if static_from is None:
            subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=self.env,
                           check=True, timeout=120)
        else:
            source = static_from.data / "staticfiles" if isinstance(static_from, Node) else static_from
            shutil.copytree(source, self.data / "staticfiles", dirs_exist_ok=True)  # settings make it, empty
        self.process = subprocess.Popen([sys.executable, "manage.py", "serve"], cwd=ROOT, env=self.env,
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def healthy(self):
        try:
            return call(f"{self.url}/healthz")[0] == 200
        except OSError:
            return False

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


# Neither uses the test database: in .ci/run they run in the pass that runs the whole suite (tests/conftest.py, --database-only).
def test_check_deploy_passes_with_the_production_environment():
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                            env={**os.environ, **PRODUCTION, "SECURE_SSL_REDIRECT": "1", "SESSION_COOKIE_SECURE": "1",
                                 "CSRF_COOKIE_SECURE": "1"}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_serve_refuses_to_start_without_a_production_setting(missing):
    env = {**os.environ, **PRODUCTION}
    del env[missing]
    result = subprocess.run([sys.executable, "manage.py", "serve"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0 and missing in result.stderr


@pytest.mark.skipif(connection.vendor != "postgresql",  # a mark, not a skip inside: no static files collected for nothing
                    reason="the scale-out profile is tested once, on PostgreSQL (the production database)")
@pytest.mark.django_db(transaction=True)
def test_nodes_share_nothing_but_the_database_and_the_broker(private_redis, tmp_path, production_static):
    env = {**os.environ, **PRODUCTION, "DATABASE_URL": _database_url_for_worker(), "CELERY_BROKER_URL": private_redis.url,
           "WEB_CONCURRENCY": "2", "GITHUB_SYNC": "0", "SEARCH_POLL_SECONDS": "1"}
    editor = Token.objects.create(user=UserFactory(username="lead", role="admin")).key  # publishes directly
    viewer = Token.objects.create(user=UserFactory(username="viewer", role="viewer")).key
    UserFactory(username="second", role="editor")  # reviews what the lead takes back (a step needs a reviewer)
    a = Node("a", tmp_path, env).start(static_from=production_static)
    b = Node("b", tmp_path, env).start(static_from=a)
    nodes = [a, b]
    try:
        assert wait_for(lambda: a.healthy() and b.healthy(), 90), "the nodes did not become healthy"

        status, created, _ = call(f"{a.url}/api/v1/incidents/", editor, "POST",
                                  {"title": "ノードをまたぐ検索 cross-node", "status": "published",
                                   "summary": "written through node A"})
        assert status == 201, created
        started = time.monotonic()
        found = wait_for(lambda: call(f"{b.url}/api/v1/search/?q=cross-node", viewer)[1].get("count") == 1, 10)
        assert found, "node B's index did not follow a write made through node A"
        assert time.monotonic() - started < 5

        status, _, _ = call(f"{a.url}/api/v1/incidents/{created['id']}/", editor, "PATCH",
                            {"status": "in_review", "reviewers": ["second"]})  # unpublished: back to review
        assert status == 200
        assert call(f"{b.url}/api/v1/search/?q=cross-node", viewer)[1]["count"] == 0  # at once: the database decides

        c = Node("c", tmp_path, env).start(static_from=a)
        nodes.append(c)

        def c_search():
            try:
                return call(f"{c.url}/api/v1/search/?q=cross-node", editor)
            except OSError:
                return None, None, None

        answers = []
        assert wait_for(lambda: answers.append(c_search()[0]) or answers[-1] == 200, 90)
        assert set(answers) <= {None, 503, 200}  # not served (starting), 503 until built, then answers
        assert c_search()[1]["count"] == 1

        page = call(f"{a.url}/accounts/login/")[1]
        stylesheet = page.split('href="/static/css/app.', 1)[1].split('"', 1)[0]
        status, _, headers = call(f"{a.url}/static/css/app.{stylesheet}", headers={"Accept-Encoding": "gzip"})
        assert status == 200 and len(stylesheet.split(".")[0]) == 12  # app.<hash>.css
        assert "immutable" in headers["Cache-Control"] and "max-age=315360000" in headers["Cache-Control"]
        assert headers["Content-Encoding"] == "gzip"

        private_redis.stop()
        status, report, _ = call(f"{a.url}/healthz", headers={"Host": "10.0.0.7"})  # the probe's Host is no matter
        assert status == 503 and report["broker"]["ok"] is False and report["database"]["ok"] is True
    finally:
        for node in nodes:
            node.stop()
