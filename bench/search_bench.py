"""Search benchmark: synthetic mixed Japanese/English incidents, a full rebuild per search backend, then
query latencies per kind of query.

    python bench/search_bench.py [--sizes 10000,100000] [--backends whoosh,tantivy] [--queries 200]
                                 [--seconds 20] [--seed 1] [--keep]
    python bench/search_bench.py --count 2000 --queries 20      # one size, for a quick run

``BENCH_SIZES`` and ``BENCH_BACKENDS`` (comma-separated) are the defaults of ``--sizes`` and ``--backends``
(``make bench`` passes them through). For each size the corpus is written once into a throw-away SQLite
database; then each backend, in a process of its own (so that its peak RSS is its own), rebuilds an index
of it through ``search.rebuild()`` and times the code the API calls (``search.search`` as a viewer with a
20-hit page and highlighted snippets, ``search.similar``); tantivy rebuilds a second time, with the analysis
of every document in its cache (``rebuild_cached``, SEARCH_ANALYSIS_CACHE). Every figure is one line:

    size=<n> generate seconds=<s> incidents/s=<r>
    backend=<name> size=<n> rebuild docs_s=<r> seconds=<s> index_mib=<m>
    backend=tantivy size=<n> rebuild_cached docs_s=<r> seconds=<s> cache_mib=<m>
    backend=<name> size=<n> kind=<kind> p50=<ms> p95=<ms> n=<queries timed> matches=<mean count>
    backend=<name> size=<n> peak_rss_mib=<m> rebuild_workers_peak_rss_mib=<m>
    backend=<name> size=<n> join_s=<s>
    backend=<name> skipped: <reason>

``join_s`` is a new node joining (``measure_join``): from an empty data directory, the follower's repair
copies the rebuilt index from a real server (gunicorn serving GET /search-index/snapshot/ from the
backend's data directory), catches up from its cursor, and a search answers.

A kind stops after ``--queries`` queries or, once it has timed at least MIN_QUERIES, after ``--seconds``
(slow cases are sampled, not run for hours). Without BENCH_SIZES / ``--sizes``, Whoosh runs only up to
WHOOSH_DEFAULT_MAX incidents (it rebuilds at a few hundred incidents/s: 100,000 would take most of an hour
with its queries); name the sizes to run it further.
"""

import argparse
import os
import random
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import (  # noqa: E402 - bench/ is on the path
    CATEGORIES,
    EN_PHRASES,
    EN_TERMS,
    JA_NOUNS,
    JA_PREDICATES,
    ROOT,
    SERVICES,
    TAGS,
    database_path,
    generate,
    setup_django,
    throwaway_directory,
)

DEFAULT_SIZES = "10000,100000"
DEFAULT_BACKENDS = "whoosh,tantivy"
WHOOSH_DEFAULT_MAX = 10_000
MIN_QUERIES = 10
VIEWER = "bench-viewer"

# Identifiers as people paste them: whole paths and addresses, a file name alone, a path's directories.
IDENTIFIERS = ([term for term in EN_TERMS if any(mark in term for mark in "/._")]
               + ["/proc/sys/kernel", "/proc/sys", "/var/log", "kernel/pid_max", "pid_max"]
               + [f"app-{i}.log" for i in range(20)])


def queries(kind, rng, n):
    """``n`` queries of ``kind``, words drawn uniformly from the vocabulary: common and rare ones alike."""
    draw = {
        "term": lambda: rng.choice(EN_TERMS),
        "phrase": lambda: f'"{rng.choice(EN_PHRASES)}"',
        "japanese-word": lambda: rng.choice(JA_NOUNS),
        # typed as a sentence, without spaces: コンテナが応答しなくなった
        "japanese-sentence": lambda: rng.choice(JA_NOUNS) + rng.choice(JA_PREDICATES),
        "mixed": lambda: f"{rng.choice(JA_NOUNS)} {rng.choice(EN_TERMS)}",
        "identifier": lambda: rng.choice(IDENTIFIERS),
        "filter-only": lambda: rng.choice([
            f"tag:{rng.choice(TAGS)}", f"service:{rng.choice(SERVICES)} severity:sev{rng.randrange(1, 5)}",
            f"category:{rng.choice(CATEGORIES)} after:{rng.randrange(2019, 2025)}-01-01"]),
        # a word no incident has: every pass before "any word" runs and finds nothing
        "fallback": lambda: f"{rng.choice(JA_NOUNS)} {rng.choice(EN_TERMS)} zq{rng.randrange(10**6)}x",
        "facets": lambda: rng.choice(EN_TERMS + JA_NOUNS),
    }[kind]
    return [draw() for _ in range(n)]


def percentiles(samples):
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p95 * 1000


def timed(function, arguments, seconds):
    """(p50 ms, p95 ms, queries timed, mean result count) of calling ``function`` on the arguments in turn,
    stopping after ``seconds`` once MIN_QUERIES are timed."""
    samples, sizes = [], []
    deadline = time.perf_counter() + seconds
    for argument in arguments:
        begin = time.perf_counter()
        result = function(argument)
        samples.append(time.perf_counter() - begin)
        sizes.append(len(result) if isinstance(result, list) else result.count)
        if len(samples) >= MIN_QUERIES and time.perf_counter() > deadline:
            break
    return (*percentiles(samples), len(samples), statistics.mean(sizes))


def mib(kilobytes):
    return kilobytes / 1024  # ru_maxrss is in KiB on Linux


def missing_backend(name):
    """Why the search package has no backend ``name`` ('' when it has one)."""
    from incidents.search import backends

    return "" if name in backends.ENGINES else f"not one of {', '.join(backends.ENGINES)}"


def generate_corpus(directory, size, backends, seed):
    """Child process: write ``size`` incidents and a viewer into the database in ``directory``; print the
    backends that cannot run (skipped) and return the ones that can."""
    setup_django(directory)
    available = []
    for name in backends:
        reason = missing_backend(name)
        if reason:
            print(f"backend={name} skipped: {reason}", flush=True)
        else:
            available.append(name)
    if not available:
        return available
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from incidents.roles import ensure_roles

    ensure_roles()
    began = time.perf_counter()
    generate(size, random.Random(seed))
    seconds = time.perf_counter() - began
    print(f"size={size} generate seconds={seconds:.1f} incidents/s={size / seconds:.0f}", flush=True)
    viewer = get_user_model().objects.create_user(VIEWER)
    viewer.groups.add(Group.objects.get(name="viewer"))
    return available


def run_backend(directory, backend, size, args):
    """Child process: rebuild the corpus in ``directory`` with ``backend`` (an index of its own) and time the
    queries."""
    os.environ["SEARCH_BACKEND"] = backend  # read by the settings, if they read it from the environment
    data_dir = directory / backend
    data_dir.mkdir()
    setup_django(data_dir, database_path(directory))
    from django.conf import settings
    from django.contrib.auth import get_user_model

    settings.SEARCH_BACKEND = backend
    from incidents import search
    from incidents.models import Incident
    from incidents.search import generations
    from incidents.search.backends import tantivy_cache

    label = f"backend={backend} size={size}"
    count, seconds = search.rebuild(procs=args.procs)
    index = sum(path.stat().st_size for path in generations.current().rglob("*") if path.is_file())
    print(f"{label} rebuild docs_s={count / seconds:.0f} seconds={seconds:.1f} index_mib={index / 2**20:.1f}",
          flush=True)
    if backend == "tantivy" and settings.SEARCH_ANALYSIS_CACHE:  # again, the text's analysis now kept by digest
        count, seconds = search.rebuild(procs=args.procs)
        cache = tantivy_cache.path().stat().st_size if tantivy_cache.path().exists() else 0
        print(f"{label} rebuild_cached docs_s={count / seconds:.0f} seconds={seconds:.1f} "
              f"cache_mib={cache / 2**20:.1f}", flush=True)

    viewer = get_user_model().objects.get(username=VIEWER)
    rng = random.Random(args.seed)
    ids = list(Incident.objects.values_list("pk", flat=True))
    search.search("warm up", viewer)
    search.search("コンテナが止まった", viewer)  # loads the Japanese dictionary
    search.similar(Incident(pk=ids[0]), viewer)
    kinds = ["term", "phrase", "japanese-word", "japanese-sentence", "mixed", "identifier", "filter-only",
             "fallback"]
    for kind in kinds:
        p50, p95, n, matches = timed(lambda q: search.search(q, viewer, page_size=20),
                                     queries(kind, rng, args.queries), args.seconds)
        print(f"{label} kind={kind} p50={p50:.1f} p95={p95:.1f} n={n} matches={matches:.0f}", flush=True)
    sample = [Incident(pk=rng.choice(ids)) for _ in range(args.queries)]
    p50, p95, n, _ = timed(lambda incident: search.similar(incident, viewer), sample, args.seconds)
    print(f"{label} kind=similar p50={p50:.1f} p95={p95:.1f} n={n}", flush=True)
    p50, p95, n, matches = timed(lambda q: search.search(q, viewer, page_size=20, with_facets=True),
                                 queries("facets", rng, args.queries), args.seconds)
    print(f"{label} kind=facets p50={p50:.1f} p95={p95:.1f} n={n} matches={matches:.0f}", flush=True)
    # This process (the queries, and the rebuild unless it ran in worker processes) and the largest worker.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"{label} peak_rss_mib={mib(own):.0f} rebuild_workers_peak_rss_mib={mib(workers):.0f}", flush=True)
    measure_join(directory, backend, size)


def _serve(data_dir, token):
    """A real node serving ``data_dir``'s index (gunicorn, one worker, no follower): (process, its URL)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "POSTMORTEM_DATA_DIR": str(data_dir), "HOST": "127.0.0.1", "PORT": str(port),
           "WEB_CONCURRENCY": "1", "SEARCH_FOLLOWER": "0", "BACKGROUND_THREAD": "0", "SEARCH_PEER_TOKEN": token,
           "GUNICORN_LOG_LEVEL": "warning"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "python:postmortem.gunicorn",
                               "postmortem.wsgi:application"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    return server, f"http://127.0.0.1:{port}"


def measure_join(directory, backend, size):
    """A new node joining (docs/operations.md, SEARCH_PEERS): from an empty data directory, copy the index just
    rebuilt from a real server serving it, catch up from its cursor, answer a search; prints join_s."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from incidents import search
    from incidents.search import backends, follower

    label = f"backend={backend} size={size}"
    token = secrets.token_urlsafe(32)
    server, url = _serve(settings.DATA_DIR, token)
    try:
        viewer = get_user_model().objects.get(username=VIEWER)
        settings.SEARCH_INDEX_DIR = directory / f"{backend}-joined" / "search-index"  # empty
        settings.SEARCH_PEERS, settings.SEARCH_PEER_TOKEN = [url], token
        backends.forget()
        began = time.perf_counter()
        reason = follower.needs_rebuild()
        joined = reason == "there is no index yet" and follower.join()
        search.search("コンテナ", viewer, page_size=20)
        seconds = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait(30)
    if not joined:
        print(f"{label} join failed: {reason or 'the new node had an index'} (see the log above)", flush=True)
        raise SystemExit(1)
    print(f"{label} join_s={seconds:.1f}", flush=True)


def child(args, *arguments):
    """Run this script again with ``arguments`` and the shared options; False when it failed."""
    command = [sys.executable, __file__, "--queries", str(args.queries), "--seconds", str(args.seconds),
               "--seed", str(args.seed), *(["--procs", str(args.procs)] if args.procs else []), *arguments]
    return subprocess.run(command).returncode == 0


def names(text):
    return [part.strip() for part in text.split(",") if part.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", help=f"incident counts (default: BENCH_SIZES or {DEFAULT_SIZES})")
    parser.add_argument("--count", type=int, help="one size (the same as --sizes N)")
    parser.add_argument("--backends", help=f"search backends (default: BENCH_BACKENDS or {DEFAULT_BACKENDS})")
    parser.add_argument("--queries", type=int, default=200, help="at most this many queries per kind (default 200)")
    parser.add_argument("--seconds", type=float, default=20,
                        help=f"stop a kind after this many seconds, once {MIN_QUERIES} queries are timed (default 20)")
    parser.add_argument("--procs", type=int, help="rebuild processes (default: settings.SEARCH_REBUILD_PROCS)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    # Internal: what the child processes are told to do.
    parser.add_argument("--generate-in", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--backend-in", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.queries < 1 or args.seconds <= 0 or (args.procs is not None and args.procs < 1):
        parser.error("--queries, --seconds and --procs must be positive")

    backends = names(args.backends or os.environ.get("BENCH_BACKENDS") or DEFAULT_BACKENDS)
    if args.generate_in:  # child: the corpus; the backends that can run go back in a file
        available = generate_corpus(args.generate_in, args.count, backends, args.seed)
        (args.generate_in / "backends").write_text(",".join(available))
        return
    if args.backend_in:  # child: one backend
        run_backend(args.backend_in, args.backend, args.count, args)
        return

    chosen = args.sizes or (str(args.count) if args.count else None) or os.environ.get("BENCH_SIZES")
    try:
        sizes = [int(size) for size in names(chosen or DEFAULT_SIZES)]
    except ValueError:
        parser.error(f"sizes must be whole numbers: {chosen}")
    if not sizes or min(sizes) < 10:
        parser.error("every size must be at least 10")
    failed = False
    for size in sizes:
        runnable = backends
        if not chosen and size > WHOOSH_DEFAULT_MAX and "whoosh" in runnable:
            print(f"backend=whoosh size={size} skipped: over {WHOOSH_DEFAULT_MAX} only when BENCH_SIZES names it "
                  f"(a rebuild at a few hundred incidents/s)", flush=True)
            runnable = [name for name in runnable if name != "whoosh"]
        if not runnable:
            continue
        with throwaway_directory(f"postmortem-bench-{size}-", keep=args.keep) as directory:
            if not child(args, "--count", str(size), "--backends", ",".join(runnable), "--generate-in", str(directory)):
                failed = True
                continue
            for backend in names((directory / "backends").read_text()):
                if not child(args, "--count", str(size), "--backend", backend, "--backend-in", str(directory)):
                    print(f"backend={backend} size={size} failed (see above)", flush=True)
                    failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
