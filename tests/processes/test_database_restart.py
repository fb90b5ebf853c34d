"""A real PostgreSQL (this module's own cluster on a free port, never the shared one) stopped for ~3 s
under a real `manage.py serve` (DEBUG=0) taking API writes and page views: every answer is 201/200 or 503
with Retry-After (the JSON detail for the API, the styled page for the browser), never 500; every write
answered 201 is stored; /healthz says 503 with the database error while it is down; writes succeed again
within seconds of the restart, with nothing restarted (gunicorn's workers, the follower process). Then
the node's connections are terminated and every slot taken: "too many clients" is a 503 too."""

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import psycopg
import pytest

from tests.conftest import ROOT, wait_for
from tests.processes.test_serve import PRODUCTION, Node, call, free_port

DOWN = "The database is unavailable right now; nothing was changed. Try again in a few seconds."

def _unavailable(message):
    pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)


class Cluster:
    """initdb + pg_ctl as the postgres user, data and socket in a temporary directory it owns."""

    def __init__(self):
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if os.geteuid() != 0:
            _unavailable("starting a private PostgreSQL needs root (initdb runs as the postgres user)")
        if not binaries:
            _unavailable("the PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed")
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("there is no postgres user to run initdb as")
        self.bin = os.path.dirname(binaries[-1])
        self.dir = tempfile.mkdtemp(prefix="pm-pg-")
        os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        self.data, self.log = os.path.join(self.dir, "data"), os.path.join(self.dir, "server.log")
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postmortem"
        self._pg("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    def _pg(self, program, *args):
        subprocess.run(["runuser", "-u", "postgres", "--", os.path.join(self.bin, program), *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def ctl(self, action, *extra):
        self._pg("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60",
                 "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                       "-c max_connections=20", *extra, action)

    def query(self, sql, database="postmortem"):
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database,
                             autocommit=True) as db:
            cursor = db.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def remove(self):
        try:
            self.ctl("stop", "-m", "immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def served(tmp_path_factory, production_static):
    """(the cluster, the node, an admin's API token, a signed-in session id)."""
    cluster = Cluster()
    node = None
    try:
        cluster.ctl("start")
        cluster.query("CREATE DATABASE postmortem", database="postgres")
        tmp = tmp_path_factory.mktemp("restart")
        env = {**os.environ, **PRODUCTION, "DATABASE_URL": cluster.url, "GITHUB_SYNC": "0", "WEB_CONCURRENCY": "2",
               "DATABASE_CONN_MAX_AGE": "60", "SEARCH_POLL_SECONDS": "1"}
        env.pop("CELERY_BROKER_URL", None)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
        made = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c",
             "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY\n"
             "from django.contrib.sessions.backends.db import SessionStore\n"
             "from rest_framework.authtoken.models import Token\n"
             "from tests.factories import UserFactory\n"
             "user = UserFactory(username='lead', role='admin')\n"
             "session = SessionStore()\n"
             "session.update({SESSION_KEY: str(user.pk), HASH_SESSION_KEY: user.get_session_auth_hash(),\n"
             "                BACKEND_SESSION_KEY: 'django.contrib.auth.backends.ModelBackend'})\n"
             "session.create()\n"
             "print(Token.objects.create(user=user).key, session.session_key)"],
            cwd=ROOT, env=env, check=True, timeout=120, capture_output=True, text=True)
        token, session = made.stdout.split()[-2:]
        node = Node("node", tmp, env).start(static_from=production_static)
        assert wait_for(node.healthy, 90), "the node did not become healthy"
        yield cluster, node, token, session
    finally:
        try:
            if node is not None:
                node.stop()
        finally:
            cluster.remove()


def test_a_database_restart_answers_503_with_retry_after_and_loses_no_acknowledged_write(served):
    cluster, node, token, session = served
    answers, stop = [], threading.Event()

    def load():
        n = 0
        while not stop.is_set():
            n += 1
            status, body, headers = call(f"{node.url}/api/v1/incidents/", token, "POST",
                                         {"title": f"restart write {n}", "status": "published"})
            answers.append(("api", time.monotonic(), status, body, headers))
            status, body, headers = call(f"{node.url}/incidents/", headers={"Cookie": f"sessionid={session}"})
            answers.append(("page", time.monotonic(), status, body, headers))
            time.sleep(0.05)

    loader = threading.Thread(target=load, daemon=True)
    loader.start()
    try:
        assert wait_for(lambda: any(a[2] == 201 for a in answers), 20), answers[-3:]
        cluster.ctl("stop", "-m", "fast")  # in-flight sessions: "terminating connection due to administrator command"
        stopped = time.monotonic()
        health = call(f"{node.url}/healthz")
        time.sleep(3)
        cluster.ctl("start")
        started = time.monotonic()
        assert wait_for(lambda: any(a[0] == "api" and a[1] > started and a[2] == 201 for a in answers), 15), \
            "writes did not succeed again after the database came back"
        time.sleep(1)
    finally:
        stop.set()
        loader.join(30)

    status, report, _ = health
    assert status == 503 and report["database"]["ok"] is False and "OperationalError" in report["database"]["error"]
    assert node.process.poll() is None  # nothing was restarted
    for kind, _at, status, body, headers in answers:
        assert status in ({201, 503} if kind == "api" else {200, 503}), (kind, status, str(body)[:500])
        if status == 503:
            assert headers["Retry-After"] == "5"
            if kind == "api":
                assert body == {"detail": DOWN}
            else:
                assert "<h1>Temporarily unavailable</h1>" in body and DOWN in body and "app." in body
    during = [a for a in answers if stopped <= a[1] <= started + 1]
    assert any(a[2] == 503 for a in during), "no request reached the node while the database was down"
    first_ok = min(a[1] for a in answers if a[0] == "api" and a[1] > started and a[2] == 201)
    assert first_ok - started < 5, f"the first write succeeded {first_ok - started:.1f} s after the restart"
    acknowledged = {a[3]["title"] for a in answers if a[0] == "api" and a[2] == 201}
    stored = {title for (title,) in cluster.query("SELECT title FROM incidents_incident")}
    assert acknowledged <= stored, acknowledged - stored
    # and the index follower (its own process) reconnected: the newest write is found by search
    newest = max((a for a in answers if a[0] == "api" and a[2] == 201), key=lambda a: a[1])[3]["title"]
    assert wait_for(lambda: call(f"{node.url}/api/v1/search/?q=%22{newest.replace(' ', '+')}%22", token)[1]
                    .get("count", 0) >= 1, 15), "the follower did not index a write made after the restart"


def test_connections_terminated_and_too_many_clients_answer_503_until_a_slot_is_free(served):
    cluster, node, token, _session = served
    cluster.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                  "WHERE datname = 'postmortem' AND pid <> pg_backend_pid()")  # the node's kept connections
    hogs = []
    try:
        while len(hogs) < 40:
            hogs.append(psycopg.connect(host="127.0.0.1", port=cluster.port, user="postgres", dbname="postgres"))
    except psycopg.OperationalError as exc:
        assert "too many clients" in str(exc)
    try:
        status, body, headers = call(f"{node.url}/api/v1/incidents/", token, "POST", {"title": "no slot"})
        assert (status, body, headers["Retry-After"]) == (503, {"detail": DOWN}, "5")
    finally:
        for hog in hogs:
            hog.close()
    assert wait_for(lambda: call(f"{node.url}/api/v1/incidents/", token, "POST", {"title": "a slot"})[0] == 201, 10)
    titles = {title for (title,) in cluster.query("SELECT title FROM incidents_incident")}
    assert "a slot" in titles and "no slot" not in titles
