"""Reading mutmut's results (the .meta file beside each mutated copy) into one score per target, and the
table `make mutation` prints. Survivors named in mutation/equivalent.txt are equivalent mutants (no test
can tell them from the original); the others are the ones left to kill."""

import json
from collections import Counter
from pathlib import Path

EQUIVALENT = Path(__file__).resolve().parent / "equivalent.txt"
KILLED, TIMEOUT, SURVIVED, NO_TESTS, NOT_CHECKED = "killed", "timeout", "survived", "no tests", "not checked"
KEPT = {KILLED, TIMEOUT}  # verdicts a later run keeps; every other one is tried again


def status(exit_code):
    from mutmut.stats import status_by_exit_code  # installed on demand, with the tool (make mutation)

    return status_by_exit_code[exit_code]


def equivalents():
    """{mutant name: reason} from mutation/equivalent.txt ("NAME  reason" per line, # comments)."""
    named = {}
    for line in EQUIVALENT.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, reason = line.partition(" ")
            named[name] = reason.strip()
    return named


def _metas(work):
    return sorted((Path(work) / "mutants").rglob("*.py.meta"))


def verdicts(work):
    """{mutant name: status} of every mutant of the target run in ``work``."""
    found = {}
    for meta in _metas(work):
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            found[name] = status(code)
    return found


def forget_unkilled(work):
    """Make the next run try every mutant again but those already killed (or timed out): a survivor of an
    earlier run meets the tests written since. Returns their names (mutants never tried are not among them)."""
    names = []
    for meta in _metas(work):
        data = json.loads(meta.read_text())
        for name, code in data["exit_code_by_key"].items():
            if code is not None and status(code) not in KEPT:
                data["exit_code_by_key"][name] = None
                names.append(name)
        meta.write_text(json.dumps(data, indent=4))
    return names


def score(work, seconds):
    """The target's counts, written to score.json beside its results (the table reads them back)."""
    found = verdicts(work)
    named = equivalents()
    counts = Counter(found.values())
    equivalent = sorted(name for name, verdict in found.items() if verdict == SURVIVED and name in named)
    left = sorted(name for name, verdict in found.items()
                  if verdict not in KEPT and verdict != NOT_CHECKED and name not in equivalent)
    result = {
        "mutants": len(found), "killed": counts[KILLED], "timeout": counts[TIMEOUT],
        "survived": counts[SURVIVED] - len(equivalent), "equivalent": len(equivalent), "no_tests": counts[NO_TESTS],
        "not_checked": counts[NOT_CHECKED],
        "other": len(found) - sum(counts[verdict] for verdict in (KILLED, TIMEOUT, SURVIVED, NO_TESTS, NOT_CHECKED)),
        "seconds": round(seconds), "left": left,
    }
    (Path(work) / "score.json").write_text(json.dumps(result, indent=2))
    return result


def percent(result):
    """Killed or timed out, of the mutants tried that are not equivalent (a run stopped early leaves some
    not checked: the table says how many)."""
    counted = result["mutants"] - result["equivalent"] - result.get("not_checked", 0)
    return 100.0 * (result["killed"] + result["timeout"]) / counted if counted else 100.0


def table(results):
    """The score table, one line per target: {target: score()}."""
    head = ("target", "mutants", "killed", "timeout", "survived", "equivalent", "no tests", "not checked", "other",
            "score", "time")
    rows = [head]
    for target, r in results.items():
        rows.append((target, r["mutants"], r["killed"], r["timeout"], r["survived"], r["equivalent"], r["no_tests"],
                     r.get("not_checked", 0), r["other"], f"{percent(r):.1f}%",
                     f"{r['seconds'] // 60}m{r['seconds'] % 60:02d}s"))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(head))]
    lines = ["  ".join(str(cell).rjust(width) if i else str(cell).ljust(width)
                       for i, (cell, width) in enumerate(zip(row, widths))) for row in rows]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])
