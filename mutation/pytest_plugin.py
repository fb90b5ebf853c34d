"""Loaded by mutmut's test runs (``-p mutation.pytest_plugin``, see mutation/run.py): lets several runs
work side by side in one copy of the code without sharing files.

- Each process gets its own SQLite test database, copied from a template migrated once (the first run
  that sets up the database makes it): a run starts in about a second instead of migrating for six, and
  a run killed half way (a mutant's timeout) leaves nothing behind for the next one.
- Each process gets its own pytest temporary directory, removed when the run ends.
- The test files named in ``MUTATION_LEAVE_OUT`` (space-separated; `mutation/run.py --leave-out`) are
  deselected: a score without them (say, before they were written) then one with them, in two runs of
  which the second tries again only the mutants not killed (mutmut's settings are the same for both).

Only with ``MUTATION_WORK`` set (the package's work directory) and SQLite (no DATABASE_URL)."""

import fcntl
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

WORK = os.environ.get("MUTATION_WORK")
LEAVE_OUT = set(os.environ.get("MUTATION_LEAVE_OUT", "").split())


def _scratch():
    return Path(WORK) / "scratch"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    if WORK:
        _scratch().mkdir(parents=True, exist_ok=True)
        config.option.basetemp = str(_scratch() / f"tmp-{os.getpid()}")


def pytest_unconfigure(config):
    if WORK:
        shutil.rmtree(_scratch() / f"tmp-{os.getpid()}", ignore_errors=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            (_scratch() / f"db-{os.getpid()}.sqlite3{suffix}").unlink(missing_ok=True)


def pytest_collection_modifyitems(config, items):
    if not LEAVE_OUT:
        return
    left = [item for item in items if item.nodeid.split("::")[0] in LEAVE_OUT]
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = [item for item in items if item.nodeid.split("::")[0] not in LEAVE_OUT]


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    if fixturedef.argname != "django_db_setup" or not WORK:
        return (yield)
    from django.db import connections

    settings = connections["default"].settings_dict
    if not settings["ENGINE"].endswith("sqlite3"):
        raise pytest.UsageError("mutation runs use SQLite: unset DATABASE_URL")
    template = _scratch() / "template.sqlite3"
    mine = _scratch() / f"db-{os.getpid()}.sqlite3"
    _scratch().mkdir(parents=True, exist_ok=True)
    mine.unlink(missing_ok=True)
    if template.exists():
        shutil.copyfile(template, mine)  # migrated already: --reuse-db keeps it, the migrations are no-ops
    settings["TEST"]["NAME"] = str(mine)
    result = yield
    if not template.exists():
        with open(_scratch() / "template.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not template.exists():
                partial = template.with_name(f"template-{os.getpid()}.tmp")
                with sqlite3.connect(mine) as source, sqlite3.connect(partial) as copy:
                    source.backup(copy)
                os.replace(partial, template)
    return result
