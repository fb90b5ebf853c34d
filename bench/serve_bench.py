"""The production profile under load: `manage.py serve` (gunicorn + this node's follower) on PostgreSQL with
a synthetic corpus, two nodes with their own data directories, 20 concurrent clients on this machine.

Prints one line per kind of request (latencies in ms; an error is any answer but the one expected: 200, or 304
for ``conditional``):
  bench=serve kind=<detail|document|list|search|similar|conditional> req_s=<n> p50=<ms> p99=<ms> errors=<n>
  bench=serve kind=cross-node-visibility samples=N p50=… p95=… max=… (ms: a write through node A found by node B's search)

The kinds: ``detail`` incident pages, ``document`` API documents, ``list`` pages of the incident list,
``search`` the list searched for a word, ``similar`` the API's similar incidents, ``conditional`` incident pages
and API documents asked again with the ETag of an earlier answer (304 expected), ``detail-first`` incident pages
nobody has asked for yet (3,000 others, no warm pass: a first view's cost). Each kind requests the
--pages most recent published incidents (or list pages, or search words) at random; every one of them is
requested once before the clock starts (a warm pass: pages are read many times per write, and the nodes
share their cache, CACHE_URL, through Redis as in production).

Options: --size (10000), --seconds per kind (20), --clients (20), --workers (WEB_CONCURRENCY, default
2 × CPUs + 1), --threads (GUNICORN_THREADS, default 1), --pages (500), --database-url (a PostgreSQL server; a throw-away database is created there and
dropped), --backend (SEARCH_BACKEND, default tantivy), --cache-url (CACHE_URL, default a Redis database on the
local server), --kinds (all by default)."""

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
from urllib.parse import quote, urlsplit, urlunsplit

import corpus

ROOT = corpus.ROOT
CSRF_SECRET = secrets.token_hex(16)  # 32 characters, as Django's own


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
        # a browser's cookies: its session and its CSRF secret (what the login page would have set)
        self.headers = {"Authorization": f"Token {api}", "Cookie": f"sessionid={session}; csrftoken={CSRF_SECRET}",
                        "Host": "127.0.0.1"}

    def request(self, method, path, body=None, extra=None):
        headers = {**self.headers, **(extra or {})}
        if body is not None:
            body = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            return response.status, response.read(), response.getheader("ETag")
        except (OSError, http.client.HTTPException):
            self.connection.close()
            return 0, b"", None


def load(port, token, paths, clients, seconds, etags=None):
    """Each client requests random paths back to back for ``seconds``; (latencies in ms, errors). With
    ``etags`` ({path: ETag}) each request carries its path's ETag and expects 304."""
    latencies, errors = [], []
    expected = 304 if etags else 200
    deadline = time.monotonic() + seconds

    def run(seed):
        rng = random.Random(seed)
        client = Client(port, token)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            path = rng.choice(paths)
            status, _body, _etag = client.request("GET", path, extra={"If-None-Match": etags[path]} if etags else None)
            latencies.append((time.perf_counter() - started) * 1000)
            if status != expected:
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
        status, *_ = writer.request("POST", "/api/v1/incidents/", {"title": f"{word} 書き込み {n}", "status": "published"})
        started = time.perf_counter()
        while status == 201 and time.perf_counter() - started < 30:
            found, body, _etag = reader.request("GET", f"/api/v1/search/?q={word}")
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


def warm(port, token, paths, clients):
    """Request every path once, ``clients`` at a time; {path: its ETag} (None where it has none)."""
    etags, queue, lock = {}, list(paths), threading.Lock()

    def run():
        client = Client(port, token)
        while True:
            with lock:
                if not queue:
                    return
                path = queue.pop()
            etags[path] = client.request("GET", path)[2]

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return etags


def line(kind, latencies, errors, seconds):
    return (f"bench=serve kind={kind} req_s={len(latencies) / seconds:.0f} p50={percentile(latencies, .5):.0f} "
            f"p99={percentile(latencies, .99):.0f} errors={len(errors)}")


KINDS = ("detail", "document", "list", "search", "similar", "conditional", "detail-first")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=int(os.environ.get("BENCH_SERVE_SIZE", 10000)))
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2 * os.cpu_count() + 1)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("GUNICORN_THREADS", 1)))
    parser.add_argument("--backend", default=os.environ.get("SEARCH_BACKEND", "tantivy"))
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--cache-url", default=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/13"))
    parser.add_argument("--kinds", default=",".join(KINDS))
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
        newest = list(Incident.objects.filter(status="published").newest_first().values_list("pk", flat=True)[:args.pages + 3000])
        ids, unseen = newest[:args.pages], newest[args.pages:]
        print(f"bench=serve corpus size={args.size} generated_s={time.monotonic() - started:.0f}", flush=True)
        if args.cache_url.startswith("redis://"):
            subprocess.run([sys.executable, "-c", f"import redis; redis.Redis.from_url({args.cache_url!r}).flushdb()"],
                           check=True)

        env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "CACHE_URL": args.cache_url,
               "GUNICORN_THREADS": str(args.threads),
               "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0",
               "CSRF_COOKIE_SECURE": "0", "GITHUB_SYNC": "0", "LOG_LEVEL": "WARNING", "GUNICORN_LOG_LEVEL": "warning",
               "SEARCH_BACKEND": args.backend}
        env.pop("CELERY_BROKER_URL", None)
        for node in ("a", "b"):
            nodes.append(start_node(node, directory, env, args.workers))
        started = time.monotonic()
        for _, port in nodes:
            wait_healthy(port)
        print(f"bench=serve nodes=2 workers={args.workers} threads={args.threads} backend={args.backend} "
              f"ready_s={time.monotonic() - started:.0f}",
              flush=True)
        port_a, port_b = nodes[0][1], nodes[1][1]
        rng = random.Random(7)
        words = [*rng.sample(corpus.EN_TERMS, 20), *rng.sample(corpus.JA_NOUNS, 20)]
        paths = {
            "detail": [f"/incidents/INC-{pk}/" for pk in ids],
            "document": [f"/api/v1/incidents/{pk}/" for pk in ids],
            "list": [f"/incidents/?page={n}" for n in range(1, 21)],
            "search": [f"/incidents/?q={quote(word)}" for word in words],
            "similar": [f"/api/v1/incidents/{pk}/similar/" for pk in ids],
            "detail-first": [f"/incidents/INC-{pk}/" for pk in unseen],
        }
        etags = {}
        for kind in args.kinds.split(","):
            if kind == "conditional":
                wanted = [*paths["detail"], *paths["document"]]
                known = {path: etags[path] for path in wanted if etags.get(path)}
                missing = [path for path in wanted if path not in etags]
                known |= {path: etag for path, etag in warm(port_a, token, missing, args.clients).items() if etag}
                if not known:
                    print("bench=serve kind=conditional skipped: no ETag on incident pages or API documents", flush=True)
                    continue
                latencies, errors = load(port_a, token, list(known), args.clients, args.seconds, etags=known)
                print(line(kind, latencies, errors, args.seconds), flush=True)
                continue
            if kind != "detail-first":  # pages no one asked for before: the cost of a first view
                etags |= warm(port_a, token, paths[kind], args.clients)
            stop = threading.Event()
            seen = []
            watcher = threading.Thread(target=lambda: seen.extend(visibility(port_a, port_b, token, 100, stop)))
            if kind == "detail":
                watcher.start()
            latencies, errors = load(port_a, token, paths[kind], args.clients, args.seconds)
            stop.set()
            if kind == "detail":
                watcher.join()
            print(line(kind, latencies, errors, args.seconds), flush=True)
            if seen:
                print(f"bench=serve kind=cross-node-visibility samples={len(seen)} p50={percentile(seen, .5):.0f} "
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
