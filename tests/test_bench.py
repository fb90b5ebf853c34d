"""The search benchmark runs end to end on a tiny corpus and prints its figures in the documented format."""

import os
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "search_bench.py"
KINDS = ["term", "phrase", "japanese-word", "japanese-sentence", "mixed", "identifier", "filter-only", "fallback",
         "similar", "facets"]


def test_search_bench_prints_one_line_per_backend_and_kind_and_skips_an_unknown_backend(tmp_path):
    scratch = tmp_path / "bench"  # tmp_path also holds the tests' own index
    scratch.mkdir()
    environment = {**os.environ, "TMPDIR": str(scratch), "BENCH_SIZES": "", "BENCH_BACKENDS": ""}
    finished = subprocess.run(
        [sys.executable, str(SCRIPT), "--count", "30", "--queries", "2", "--seconds", "0.01", "--procs", "1",
         "--backends", "whoosh,tantivy,no-such-engine"],
        capture_output=True, text=True, env=environment, timeout=600)
    assert finished.returncode == 0, finished.stderr
    lines = finished.stdout.splitlines()

    assert "backend=no-such-engine skipped: not one of whoosh, tantivy" in lines
    assert any(re.fullmatch(r"size=30 generate seconds=[\d.]+ incidents/s=\d+", line) for line in lines)
    for backend in ("whoosh", "tantivy"):
        assert any(re.fullmatch(rf"backend={backend} size=30 rebuild docs_s=\d+ seconds=[\d.]+ index_mib=[\d.]+", line)
                   for line in lines), backend
    # tantivy rebuilds again from its analysis cache (SEARCH_ANALYSIS_CACHE)
    assert any(re.fullmatch(r"backend=tantivy size=30 rebuild_cached docs_s=\d+ seconds=[\d.]+ cache_mib=[\d.]+", line)
               for line in lines)
    assert not any("whoosh size=30 rebuild_cached" in line for line in lines)
    for kind in KINDS:
        # --queries caps every kind; a kind stops early on --seconds only once MIN_QUERIES (10) are timed
        assert any(re.fullmatch(rf"backend=whoosh size=30 kind={kind} p50=\d+\.\d p95=\d+\.\d n=2( matches=\d+)?",
                                line) for line in lines), kind
    assert any(re.fullmatch(r"backend=whoosh size=30 peak_rss_mib=\d+ rebuild_workers_peak_rss_mib=\d+", line)
               for line in lines)
    assert any(re.fullmatch(r"backend=whoosh size=30 join_s=[\d.]+", line) for line in lines)  # a new node, from a peer
    assert not list(scratch.iterdir())  # the throw-away database and index are gone
