"""`make mutation` (docs/mutation-testing.md): mutmut on each target of mutation/packages.py, one after the
other, each in its own work directory var/mutation/TARGET (mutmut's copy of the code in its mutants/,
its settings in setup.cfg, written here), then the score table.

    python -m mutation.run [TARGET ...] [--fresh] [--max-children N]

A later run keeps the verdicts of mutants already killed whose function is unchanged, and tries every
other mutant again with the tests as they are now; --fresh starts over. Always on SQLite: DATABASE_URL is
ignored (each test process gets its own copy of a migrated database: mutation/pytest_plugin.py)."""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from mutation import report
from mutation.packages import NOT_HERE, TARGETS

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "mutation"
LINKED = ("incidents", "postmortem", "templates", "static", "tests", "mutation", "manage.py", "pytest.ini")
SPINNER = tuple("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")  # mutmut's progress lines, left out of what is shown when it fails
ALSO_COPY = ("postmortem", "templates", "static", "mutation", "manage.py", "pytest.ini")  # tests/ always is


def selection(target):
    """The target's test paths that exist (a test file renamed since is named, and left out) and options."""
    chosen = []
    for arg in TARGETS[target]["tests"]:
        if arg.startswith("tests/") and not (ROOT / arg.split("::")[0]).exists():
            print(f"   {arg} does not exist any more: left out (update mutation/packages.py)", flush=True)
        else:
            chosen.append(arg)
    return chosen


def setup_cfg(target):
    """mutmut's settings for one target (it reads them from setup.cfg in the directory it runs in)."""
    def listed(key, values):
        return [f"{key} ="] + [f"    {value}" for value in values] if values else []

    return "\n".join([
        "[mutmut]",
        "source_paths = incidents",
        *listed("only_mutate", TARGETS[target]["mutate"]),
        *listed("do_not_mutate", TARGETS[target].get("not_mutated", ())),
        *listed("also_copy", ALSO_COPY),
        *listed("pytest_add_cli_args_test_selection", selection(target)),
        *listed("pytest_add_cli_args", ["-p", "mutation.pytest_plugin", "--reuse-db", "-p", "no:cacheprovider",
                                        *NOT_HERE]),
        # pytest and Django are imported once, by a fork server; each mutant's run is a fork of it
        "process_isolation = forkserver",
        "use_git_change_detection = false",
        "",
    ])


def prepare(target, fresh):
    work = OUT / target
    if fresh:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    for name in LINKED:
        link = work / name
        if not link.is_symlink():
            link.symlink_to(ROOT / name)
    (work / "setup.cfg").write_text(setup_cfg(target))
    shutil.rmtree(work / "scratch", ignore_errors=True)  # the template database: migrated again, once
    return work


def run(target, *, fresh, max_children, leave_out=(), survivors=False, only=()):
    work = prepare(target, fresh)
    again = [] if fresh else report.forget_unkilled(work)
    print(f"== {target}: mutating {' '.join(TARGETS[target]['mutate'])}"
          + (f" ({len(again)} mutants not killed before are tried again)" if again else ""), flush=True)
    # named, mutmut runs only those (not the mutants never tried) and first only their tests, not the whole selection
    only = list(only) or (again if survivors and again else [])
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "MUTANT_UNDER_TEST")}
    env.update(MUTATION_WORK=str(work), POSTMORTEM_DATA_DIR=str(work / "data"), PYTHONDONTWRITEBYTECODE="1",
               MUTATION_LEAVE_OUT=" ".join(leave_out))
    started = time.monotonic()
    with open(work / "mutmut.log", "w") as log:
        finished = subprocess.run([str(Path(sys.executable).parent / "mutmut"), "run", "--max-children",
                                   str(max_children), *only], cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    seconds = time.monotonic() - started
    shutil.rmtree(work / "scratch", ignore_errors=True)
    if finished.returncode != 0 or not (work / "mutants").is_dir():
        lines = (work / "mutmut.log").read_text().replace("\r", "\n").splitlines()
        print("\n".join(line for line in lines[-200:] if line.strip() and not line.startswith(SPINNER))[-3000:])
        sys.exit(f"mutmut failed for {target} (exit {finished.returncode}); see {work / 'mutmut.log'}")
    result = report.score(work, seconds)
    with open(work / "survivors.txt", "w") as out:  # what is left to kill, as diffs
        subprocess.run([sys.executable, "-m", "mutation.show", *result["left"]], cwd=work, env=env, stdout=out,
                       check=True)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", metavar="TARGET", help=f"of {', '.join(TARGETS)} (default: all)")
    parser.add_argument("--fresh", action="store_true", help="forget earlier results")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2, help="test processes at once")
    parser.add_argument("--survivors", action="store_true",
                        help="try again only the mutants an earlier run tried and did not kill (quicker)")
    parser.add_argument("--leave-out", nargs="+", default=(), metavar="TEST_FILE",
                        help="run without these test files (e.g. the score before they were written)")
    parser.add_argument("--only", nargs="+", default=(), metavar="PATTERN",
                        help="only the mutants whose names match (e.g. 'incidents.actions.notify*')")
    args = parser.parse_args(argv)
    unknown = [target for target in args.targets if target not in TARGETS]
    if unknown:
        parser.error(f"unknown target {', '.join(unknown)}; choose from {', '.join(TARGETS)}")
    results = {}
    for target in args.targets or TARGETS:
        results[target] = run(target, fresh=args.fresh, max_children=args.max_children, leave_out=args.leave_out,
                              survivors=args.survivors, only=args.only)
        print(f"   {target}: {report.percent(results[target]):.1f}% in {results[target]['seconds']} s", flush=True)
    print()
    print(report.table(results))
    for target, result in results.items():
        if result["left"]:
            print(f"\n{target}: {len(result['left'])} mutants neither killed nor named in mutation/equivalent.txt; "
                  f"their diffs: var/mutation/{target}/survivors.txt")


if __name__ == "__main__":
    main()
