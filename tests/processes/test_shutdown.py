"""Stopping what `make serve`, `make worker` and `make run` start, as real processes: a stop signal (SIGTERM
from systemd, Docker or Kubernetes; SIGINT from a terminal's Ctrl-C, which goes to the whole foreground
process group) stops every process started, lets the request in progress finish, and the servers exit 0.
GNU make itself forwards SIGTERM to the recipe's process, waits for it, then re-raises the signal on itself,
so make's own status is "killed by SIGTERM" (143 in a shell) whatever the server's status; make prints
`make: *** [...] Error N` when the server exits N != 0, so its silence is the server's 0."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from tests.conftest import ROOT, _database_url_for_worker, wait_for
from tests.factories import UserFactory
from tests.processes.test_serve import PRODUCTION, call, free_port

GRACEFUL = 10  # GUNICORN_TIMEOUT (= gunicorn's graceful timeout) for these servers


def process_tree(root):
    """Every live process under ``root`` (its pid included), from /proc."""
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def describe(pids):
    """pid: command line, of those still running."""
    described = {}
    for pid in pids:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # it has just exited
            continue
        if running(pid):
            described[pid] = command
    return described


def running(pid):
    """True while ``pid`` is a process that has not exited (a zombie, dead but not yet reaped, is not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Started:
    """A process started in its own session, and every process seen under it (``snapshot``); leaving the
    ``with`` block kills whichever of them still runs, so a failing test leaves no orphan behind."""

    def __init__(self, command, env, log_path):
        self.log = Path(log_path)
        with open(log_path, "w") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        self.seen = {}

    def snapshot(self):
        self.seen.update(describe(process_tree(self.process.pid)))
        return dict(self.seen)

    def left(self):
        return {pid: line for pid, line in self.seen.items() if running(pid)}

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        for pid in self.left():
            os.kill(pid, signal.SIGKILL)
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


def stop_and_watch(started, signum, to_group=False, seconds=GRACEFUL + 10):
    """Send ``signum`` (to the process group, as a terminal's Ctrl-C does, with ``to_group``); return the
    processes of the tree found just before and the seconds until every one of them was gone (None: not)."""
    tree = started.snapshot()
    begun = time.monotonic()
    (os.killpg if to_group else os.kill)(started.process.pid, signum)
    gone = wait_for(lambda: not started.left(), seconds)
    return tree, (time.monotonic() - begun if gone else None)


def slow_post(url, token, body, after_first_chunk):
    """POST ``body`` with a correct Content-Length, sending it in pieces over ~2 s; ``after_first_chunk()``
    runs once the server is reading it. Returns (status line, response text)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as client:
        client.sendall((f"POST /api/v1/incidents/ HTTP/1.1\r\nHost: {host}\r\nAuthorization: Token {token}\r\n"
                        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
                        ).encode() + body[:10])
        time.sleep(0.3)
        # the rest keeps arriving while the node stops, as a real upload does: a worker blocked reading the body
        # runs its SIGTERM handler when the next piece arrives (not while nothing comes)
        stopping = threading.Thread(target=after_first_chunk)
        stopping.start()
        for offset in range(10, len(body), max(1, len(body) // 8)):
            time.sleep(0.2)
            client.sendall(body[offset:offset + max(1, len(body) // 8)])
        stopping.join()
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    head, _, text = answer.decode().partition("\r\n\r\n")
    return head.split("\r\n", 1)[0], text


def healthy(url):
    try:
        return call(f"{url}/healthz")[0] == 200
    except OSError:
        return False


def refused(url):
    host, port = url.removeprefix("http://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
        return False
    except ConnectionRefusedError:
        return True


# Each test runs in one pass of .ci/run: the production profile on PostgreSQL (its database), the worker and
# the development server on SQLite (`make run`'s database; how a worker stops does not depend on it).
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="the production profile is tested on PostgreSQL (its database)")
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="runs once, in the SQLite pass")


def serve_env(tmp_path, port):
    env = {key: value for key, value in os.environ.items() if key not in ("CELERY_BROKER_URL", "MAKEFLAGS", "MFLAGS")}
    return {**env, **PRODUCTION, "DATABASE_URL": _database_url_for_worker(), "POSTMORTEM_DATA_DIR": str(tmp_path / "data"),
            "PORT": str(port), "WEB_CONCURRENCY": "2", "GUNICORN_TIMEOUT": str(GRACEFUL), "GITHUB_SYNC": "0"}


def a_request_in_flight_finishes(url, token, stop, title):
    """Start a slow POST, call ``stop`` while its body is still arriving, check that new connections are
    refused before it ends and that it ends with 201."""
    refused_while_in_flight = []
    body = f'{{"title": "{title}", "status": "published", "summary": "sent slowly while the node stops"}}'.encode()

    def stop_now():
        stop()
        refused_while_in_flight.append(wait_for(lambda: refused(url), 3))

    status_line, text = slow_post(url, token, body, stop_now)
    assert refused_while_in_flight == [True], "the stopping node still accepted new connections"
    assert status_line == "HTTP/1.1 201 Created", text
    assert f'"title":"{title}"' in text.replace(": ", ":")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_sigterm_to_make_serve_finishes_the_request_in_progress_and_leaves_no_process(tmp_path):
    from incidents.models import Incident

    token = Token.objects.create(user=UserFactory(username="lead", role="admin")).key
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # `-o static`: not collecting the static files (40 s or more, Brotli for every file), which no request
    # here needs; the test database is migrated already
    with Started(["make", "-s", "-o", "static", "serve"], serve_env(tmp_path, port), tmp_path / "make.log") as make:
        assert wait_for(lambda: healthy(url), 60), make.log.read_text()[-3000:]
        assert len(make.snapshot()) == 6, make.seen  # make, manage.py serve, gunicorn, its 2 workers, the follower
        a_request_in_flight_finishes(url, token, lambda: make.process.send_signal(signal.SIGTERM), "stopping node")
        assert wait_for(lambda: not make.left(), GRACEFUL), make.left()
        make.process.wait(5)
    log = make.log.read_text()
    assert make.process.returncode == -signal.SIGTERM  # GNU make re-raises the signal it stopped on
    assert "serve: stopped (SIGTERM); gunicorn exited 0" in log
    assert "make: ***" not in log, log[-3000:]  # make reports a recipe's non-zero status ("Error 1"): none
    assert Incident.objects.filter(title="stopping node").count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_ctrl_c_to_manage_py_serve_finishes_the_request_in_progress_and_exits_0(tmp_path):
    """What `make serve` execs, its terminal's Ctrl-C (SIGINT to the whole process group): gunicorn and the
    follower are in their own group, so only `manage.py serve` gets it, and stops them gracefully."""
    from incidents.models import Incident

    token = Token.objects.create(user=UserFactory(username="lead", role="admin")).key
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with Started([sys.executable, "manage.py", "serve"], serve_env(tmp_path, port), tmp_path / "serve.log") as serve:
        assert wait_for(lambda: healthy(url), 60), serve.log.read_text()[-3000:]
        assert len(serve.snapshot()) == 5, serve.seen  # manage.py serve, gunicorn and its 2 workers, the follower
        a_request_in_flight_finishes(url, token, lambda: os.killpg(serve.process.pid, signal.SIGINT), "interrupted node")
        assert wait_for(lambda: not serve.left(), GRACEFUL), serve.left()
        assert serve.process.wait(5) == 0
    assert "serve: stopped (SIGINT); gunicorn exited 0" in serve.log.read_text()
    assert Incident.objects.filter(title="interrupted node").count() == 1


@sqlite_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_make_worker_stops_with_its_beat_and_pool(private_redis, tmp_path, signum):
    env = {**os.environ, "DATABASE_URL": _database_url_for_worker(), "CELERY_BROKER_URL": private_redis.url,
           "POSTMORTEM_DATA_DIR": str(tmp_path), "GITHUB_SYNC": "0"}
    with Started(["make", "-s", "worker"], env, tmp_path / "worker.log") as make:
        assert wait_for(lambda: " ready." in make.log.read_text() and "beat: Starting" in make.log.read_text(), 60), \
            make.log.read_text()[-3000:]
        tree, seconds = stop_and_watch(make, signum, to_group=signum == signal.SIGINT)
        assert len(tree) >= 4, tree  # make, the worker, its beat and its pool (one process per CPU)
        assert seconds is not None, f"processes of the worker outlived it: {make.left()}"
        make.process.wait(5)
    assert make.process.returncode == -signum
    output = make.log.read_text()
    assert "worker: Warm shutdown (MainProcess)" in output
    assert "make: ***" not in output, output[-3000:]  # the worker exited 0


@sqlite_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_runserver_as_make_run_execs_it_stops_with_its_reloader_child(tmp_path, signum):
    """`make run` execs this after loading the demo data (about a minute: too slow to repeat here), so the
    signal make forwards (SIGTERM) or a Ctrl-C reaches the autoreloader's parent process."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": _database_url_for_worker(), "POSTMORTEM_DATA_DIR": str(tmp_path),
           "GITHUB_SYNC": "0"}
    env.pop("CELERY_BROKER_URL", None)
    with Started([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"], env, tmp_path / "run.log") as server:
        assert wait_for(lambda: healthy(f"http://127.0.0.1:{port}"), 60), server.log.read_text()[-3000:]
        tree, seconds = stop_and_watch(server, signum, to_group=signum == signal.SIGINT)
        assert len(tree) == 2, tree  # the autoreloader and the server it runs
        assert seconds is not None and seconds < 10, server.left()
        assert server.process.wait(5) == 0
