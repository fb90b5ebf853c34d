"""docs/operations.md documents every environment variable the code reads, and nothing else.

The reads are found in the source, not by running it: any ``os.environ.get("X")``, ``os.environ["X"]``,
``os.getenv("X")`` or ``"X" in os.environ`` in postmortem/ and incidents/, and any call of a helper that passes
its own argument to one of those (settings' ``env_bool``/``env_int``/``env_list``/``env_url``, gunicorn's
``_int``), with the name as a string literal. A read whose name is not a literal fails the test: the table
could not be checked. No database."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "docs" / "operations.md"
SOURCES = [ROOT / "postmortem", ROOT / "incidents"]
NAME = re.compile(r"[A-Z][A-Z0-9_]*\Z")


def _is_environ(node):
    """``os.environ`` (or a bare ``environ`` imported from os)."""
    return (isinstance(node, ast.Attribute) and node.attr == "environ" and isinstance(node.value, ast.Name)
            and node.value.id == "os") or (isinstance(node, ast.Name) and node.id == "environ")


def _direct_read(node):
    """The argument node naming the variable when ``node`` reads the environment directly, else None."""
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("get", "pop") and _is_environ(func.value):
            return node.args[0]
        if isinstance(func, ast.Attribute) and func.attr == "getenv" and isinstance(func.value, ast.Name) \
                and func.value.id == "os":
            return node.args[0]
    if isinstance(node, ast.Subscript) and _is_environ(node.value) and isinstance(node.ctx, ast.Load):
        return node.slice
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)) \
            and _is_environ(node.comparators[0]):
        return node.left
    return None


def _helpers(tree):
    """{function name: index of the parameter it reads from the environment} for this module's functions
    that pass one of their own parameters to a direct read (``def env_int(name, default): os.environ.get(name)``)."""
    found = {}
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        params = [arg.arg for arg in function.args.args]
        for node in ast.walk(function):
            named = _direct_read(node)
            if isinstance(named, ast.Name) and named.id in params:
                found[function.name] = params.index(named.id)
    return found


def environment_reads():
    """{variable: [where it is read]} over the sources, and the reads whose name is not a literal."""
    reads, unknown = {}, []
    paths = sorted(p for root in SOURCES for p in root.rglob("*.py") if "migrations" not in p.parts)
    trees = {path: ast.parse(path.read_text(encoding="utf-8"), filename=str(path)) for path in paths}
    shared = {}  # helpers are also called from other modules (postmortem/env.py's env_bool from settings.py)
    for tree in trees.values():
        shared.update(_helpers(tree))
    for path, tree in trees.items():
        own = _helpers(tree)
        helpers = {**shared, **own}
        helper_bodies = {id(node) for function in ast.walk(tree)
                         if isinstance(function, ast.FunctionDef) and function.name in own
                         for node in ast.walk(function)}
        for node in ast.walk(tree):
            named = _direct_read(node)
            if named is None and isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in helpers and len(node.args) > helpers[node.func.id]:
                named = node.args[helpers[node.func.id]]
            if named is None:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if isinstance(named, ast.Constant) and isinstance(named.value, str):
                reads.setdefault(named.value, []).append(where)
            elif id(node) not in helper_bodies:  # inside a helper, the parameter is the name: checked at its calls
                unknown.append(where)
    return reads, unknown


def documented():
    """The variables named in the first column of the table under "## Configuration" in docs/operations.md."""
    text = OPERATIONS.read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([^`]+)`", first_cell))
    return names


READS, UNKNOWN = environment_reads()


def test_the_finder_sees_reads_of_every_kind():
    """Guards the finder itself: a direct read in settings, the settings helpers, gunicorn's helper, a
    command's direct read, and a read only inside a conditional block."""
    assert len(READS["SECRET_KEY"]) == 1 and READS["SECRET_KEY"][0].startswith("postmortem/settings.py:")
    for name in ("DEBUG", "DATABASE_CONN_MAX_AGE", "ALLOWED_HOSTS", "POSTMORTEM_BASE_URL", "WEB_CONCURRENCY",
                 "DEMO_PASSWORD", "EMAIL_PORT", "SECURE_HSTS_PRELOAD", "LOG_LEVEL"):
        assert name in READS, name
    assert all(NAME.match(name) for name in READS), sorted(READS)
    assert len(READS) > 50


def test_every_read_names_its_variable_literally():
    assert UNKNOWN == [], f"environment reads whose name is not a string literal: {UNKNOWN}"


def test_every_variable_the_code_reads_is_documented():
    missing = {name: READS[name] for name in sorted(set(READS) - documented())}
    assert not missing, f"read by the code but not in the table of docs/operations.md (Configuration): {missing}"


def test_every_variable_documented_is_read_by_the_code():
    stale = sorted(documented() - set(READS))
    assert not stale, f"in the table of docs/operations.md but read nowhere: {stale}"


@pytest.mark.parametrize("source, expected", [
    ('import os\nx = os.environ.get("A")\ny = os.environ["B"]\nz = os.getenv("C")\nw = "D" in os.environ', {"A", "B", "C", "D"}),
    ('import os\ndef env_flag(label, default):\n    return os.environ.get(label, default)\nX = env_flag("E", 1)', {"E"}),
    ('import os\nif True:\n    def f(n, minimum=0):\n        raw = os.environ.get(n)\n    F = f("G", minimum=1)', {"G"}),
    ('import os\nenv = {**os.environ, "H": "0"}', set()),  # building a child's environment is not a read
])
def test_the_finder_on_small_sources(tmp_path, monkeypatch, source, expected):
    package = tmp_path / "postmortem"
    package.mkdir()
    (package / "module.py").write_text(source)
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    monkeypatch.setattr(f"{__name__}.SOURCES", [package])
    reads, unknown = environment_reads()
    assert set(reads) == expected and unknown == []
