"""The production profile under load: `manage.py serve` (gunicorn + this node's follower) on PostgreSQL with
a synthetic corpus, two nodes with their own data directories, 20 concurrent clients on this machine.

Prints one line per measurement:
  serve kind=<page> clients=20 requests=N errors=E rps=R p50=… p95=… p99=… (ms)
  serve kind=cross-node-visibility samples=N p50=… p95=… max=… (ms: a write through node A found by node B's search)

Options: --size (10000), --seconds per page kind (20), --clients (20), --workers (WEB_CONCURRENCY, default
2 × CPUs + 1), --database-url (a PostgreSQL server; a throw-away database is created there and dropped),
--backend (SEARCH_BACKEND, default tantivy)."""

import argparse
import http.client
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import corpus

ROOT = corpus.ROOT


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


class Client:
    """One keep-alive connection; ``token`` is "<API token> <session key>" (the pages need the session)."""

    def __init__(self, port, token):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        api, session = token.split()
        self.headers = {"Authorization": f"Token {api}", "Cookie": f"sessionid={session}", "Host": "127.0.0.1"}

    def request(self, method, path, body=None):
        headers = dict(self.headers)
        if body is not None:
            body = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            return 0, b""


def load(port, token, paths, clients, seconds):
    """Each client requests random paths back to back for ``seconds``; (latencies in ms, errors, requests)."""
    latencies, errors = [], []
    deadline = time.monotonic() + seconds

    def run(seed):
        rng = random.Random(seed)
        client = Client(port, token)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            path = rng.choice(paths)
            status, _ = client.request("GET", path)
            latencies.append((time.perf_counter() - started) * 1000)
            if status != 200:
                errors.append(status)
                if len(errors) == 1:
                    print(f"first error: HTTP {status} for {path}", flush=True)

    threads = [threading.Thread(target=run, args=(seed,)) for seed in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def visibility(port_a, port_b, token, samples, stop):
    """Write through A, time until B's search finds it."""
    results = []
    writer, reader = Client(port_a, token), Client(port_b, token)
    for n in range(samples):
        if stop.is_set():
            break
        word = f"crossnode{secrets.token_hex(4)}"
        status, _ = writer.request("POST", "/api/v1/incidents/", {"title": f"{word} 書き込み {n}", "status": "published"})
        started = time.perf_counter()
        while status == 201 and time.perf_counter() - started < 30:
            found, body = reader.request("GET", f"/api/v1/search/?q={word}")
            if found == 200 and json.loads(body)["count"] == 1:
                results.append((time.perf_counter() - started) * 1000)
                break
            time.sleep(0.05)
        time.sleep(0.5)
    return results


def start_node(name, directory, env, workers):
    data = directory / name
    node_env = {**env, "POSTMORTEM_DATA_DIR": str(data), "PORT": str(free_port()), "WEB_CONCURRENCY": str(workers)}
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=node_env, check=True)
    log = open(directory / f"{name}.log", "w")
    process = subprocess.Popen([sys.executable, "manage.py", "serve"], cwd=ROOT, env=node_env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    return process, int(node_env["PORT"])


def wait_healthy(port, seconds=600):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit(f"node on port {port} did not become healthy in {seconds} s")


def session_for(user):
    """A signed-in session for the pages (as the login form would make)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=int(os.environ.get("BENCH_SERVE_SIZE", 10000)))
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2 * os.cpu_count() + 1)
    parser.add_argument("--backend", default=os.environ.get("SEARCH_BACKEND", "tantivy"))
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()

    name = f"pm_bench_serve_{os.getpid()}"
    server = urlsplit(args.database_url)
    database_url = urlunsplit(server._replace(path=f"/{name}"))
    admin = ["psql", urlunsplit(server), "-q", "-c"]
    subprocess.run([*admin, f"CREATE DATABASE {name}"], check=True)
    directory = Path(tempfile.mkdtemp(prefix="pm-serve-bench-"))
    nodes = []
    try:
        os.environ["SEARCH_BACKEND"] = args.backend
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(60)  # the nodes' too: the session below is signed with it
        corpus.setup_django(directory / "setup", database_url=database_url)
        from django.contrib.auth.models import Group, User
        from rest_framework.authtoken.models import Token

        from incidents.models import Incident

        started = time.monotonic()
        corpus.generate(args.size, random.Random(20261130))
        user = User.objects.create_user("bench")
        user.groups.add(Group.objects.get(name="admin"))  # publishes its writes directly (the review gate)
        token = f"{Token.objects.create(user=user).key} {session_for(user)}"
        ids = list(Incident.objects.filter(status="published").values_list("pk", flat=True)[:2000])
        print(f"serve corpus size={args.size} generated_s={time.monotonic() - started:.0f}", flush=True)

        env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0",
               "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0",
               "CSRF_COOKIE_SECURE": "0", "GITHUB_SYNC": "0", "LOG_LEVEL": "WARNING", "GUNICORN_LOG_LEVEL": "warning",
               "SEARCH_BACKEND": args.backend}
        env.pop("CELERY_BROKER_URL", None)
        for node in ("a", "b"):
            nodes.append(start_node(node, directory, env, args.workers))
        started = time.monotonic()
        for _, port in nodes:
            wait_healthy(port)
        print(f"serve nodes=2 workers={args.workers} backend={args.backend} ready_s={time.monotonic() - started:.0f}",
              flush=True)
        port_a, port_b = nodes[0][1], nodes[1][1]
        kinds = {
            "api-document": [f"/api/v1/incidents/{pk}/" for pk in ids],
            "detail-page": [f"/incidents/INC-{pk}/" for pk in ids],
            "similar": [f"/api/v1/incidents/{pk}/similar/" for pk in ids],
        }
        for kind, paths in kinds.items():
            Client(port_a, token).request("GET", paths[0])  # warm
            stop = threading.Event()
            seen = []
            watcher = threading.Thread(target=lambda: seen.extend(visibility(port_a, port_b, token, 100, stop)))
            if kind == "detail-page":
                watcher.start()
            latencies, errors = load(port_a, token, paths, args.clients, args.seconds)
            stop.set()
            if watcher.is_alive() or kind == "detail-page":
                watcher.join()
            print(f"serve kind={kind} clients={args.clients} requests={len(latencies)} errors={len(errors)} "
                  f"rps={len(latencies) / args.seconds:.0f} p50={percentile(latencies, .5):.0f} "
                  f"p95={percentile(latencies, .95):.0f} p99={percentile(latencies, .99):.0f}", flush=True)
            if seen:
                print(f"serve kind=cross-node-visibility samples={len(seen)} p50={percentile(seen, .5):.0f} "
                      f"p95={percentile(seen, .95):.0f} max={max(seen):.0f}", flush=True)
    finally:
        for process, _ in nodes:
            process.send_signal(signal.SIGTERM)
        for process, _ in nodes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        from django.db import connections

        connections.close_all()
        subprocess.run([*admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)
        subprocess.run(["rm", "-rf", str(directory)], check=False)


if __name__ == "__main__":
    main()
