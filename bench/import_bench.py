"""Import benchmark: the public icco/postmortems corpus (Markdown with YAML front matter) imported into a
fresh database, then imported again (every file unchanged, so nothing is written).

    python bench/import_bench.py [--corpus DIR]

The corpus is not in the repository: --corpus, else $POSTMORTEM_CORPUS_DIR, else the shared copy. Runs
against a throw-away SQLite database and index in a temporary directory (GitHub sync off), through the code the command, the
API and the upload page use (incidents.actions.imports.import_sources), and prints

    import files=<n> seconds=<s> files/s=<r> imported=<n> failed=<n>
    reimport files=<n> seconds=<s> files/s=<r> unchanged=<n> failed=<n>
    peak_rss_mib=<m>
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus import throwaway_django  # noqa: E402 - the throw-away database and index (bench/ is on the path)

DEFAULT_CORPUS = "/work/shared/corpora/icco-postmortems/data"


def timed_import(label, sources, outcome):
    """Import ``sources`` once and print the rate and the count of files with ``outcome``."""
    from incidents.actions.imports import import_sources

    began = time.perf_counter()
    report = import_sources(sources)
    seconds = time.perf_counter() - began
    counts = report.counts
    print(f"{label} files={len(sources)} seconds={seconds:.2f} files/s={len(sources) / seconds:.1f} "
          f"{outcome}={counts[outcome]} failed={counts['failed']}", flush=True)
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=os.environ.get("POSTMORTEM_CORPUS_DIR") or DEFAULT_CORPUS,
                        help="directory of .md write-ups (default: $POSTMORTEM_CORPUS_DIR, else the shared copy)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (and the database)")
    args = parser.parse_args()
    if not Path(args.corpus).is_dir():  # skipped, not failed: `make bench` goes on without the corpus
        print(f"import skipped: no corpus at {args.corpus} (give --corpus or set POSTMORTEM_CORPUS_DIR)", flush=True)
        return
    os.environ["GITHUB_SYNC"] = "false"  # the corpus links GitHub issues: time the import, not the network
    with throwaway_django("postmortem-import-bench-", keep=args.keep):
        from incidents.imports.files import from_paths

        sources, problems = from_paths([args.corpus])
        for problem in problems:
            print(problem, file=sys.stderr)
        timed_import("import", sources, "imported")
        timed_import("reimport", sources, "unchanged")
    print(f"peak_rss_mib={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}", flush=True)


if __name__ == "__main__":
    main()
