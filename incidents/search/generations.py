"""Where this machine's search index lives. ``SEARCH_INDEX_DIR`` holds generations (``gen-000001/`` …),
the pointer file ``CURRENT`` naming the generation searches use, ``DAMAGED`` when a reader found the
current generation unreadable, and ``follower.lock``, held by the one process that writes the index.

A rebuild writes a new generation beside the current one and switches the pointer atomically
(``os.replace``), so searches are served by the old generation while it is readable. Each generation
stores its place in the change log (``cursor.json``), written after each index commit: a crash between
the two leaves the cursor behind the index, never ahead, and applying a change twice is harmless. It also
names the engine that built it (``engine``), so that changing SEARCH_BACKEND rebuilds the index.
``reconcile.json`` keeps what the follower's last reconcile found (search.reconcile).
"""

import fcntl
import json
import os
import shutil
import threading
from pathlib import Path

from django.conf import settings

POINTER = "CURRENT"
DAMAGED = "DAMAGED"
LOCK = "follower.lock"
CURSOR = "cursor.json"
RECONCILE = "reconcile.json"  # what the last reconcile found, for /healthz and check_search_index
ENGINE = "engine"
FORMAT = "format"
OLDEST_ENGINE = "whoosh"  # generations written before they named their engine
PREFIX = "gen-"


def root():
    return Path(settings.SEARCH_INDEX_DIR)


def _write_atomically(path, text):
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def current():
    """The directory of the generation searches use, or None when there is none yet."""
    try:
        name = (root() / POINTER).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    path = root() / name
    return path if name.startswith(PREFIX) and path.is_dir() else None


class IndexMissing(Exception):
    """There is no index generation on this machine yet."""


def required():
    """The directory of the current generation; IndexMissing when there is none."""
    directory = current()
    if directory is None:
        raise IndexMissing(f"no search index under {root()}")
    return directory


def new():
    """A new, empty generation directory (numbered after every existing one)."""
    root().mkdir(parents=True, exist_ok=True)
    while True:
        numbers = [int(p.name[len(PREFIX):]) for p in root().glob(f"{PREFIX}*") if p.name[len(PREFIX):].isdigit()]
        path = root() / f"{PREFIX}{max(numbers, default=0) + 1:06d}"
        try:
            path.mkdir()
            return path
        except FileExistsError:  # another rebuild took that number
            continue


def switch(path):
    """Make ``path`` the current generation and remove the generations before it."""
    _write_atomically(root() / POINTER, path.name)
    clear_damage()
    for other in root().glob(f"{PREFIX}*"):
        if other.name < path.name:
            shutil.rmtree(other, ignore_errors=True)


def discard(path):
    shutil.rmtree(path, ignore_errors=True)


def read_cursor(path):
    """The change-log position a generation has applied; None when it has none (or it is unreadable)."""
    state = read_state(path)
    return None if state is None else state[0]


def read_state(path):
    """(position, horizon) of a generation's place in the change log (see search.cursor); None when it has
    none or it is unreadable. Generations written before the horizon existed have horizon 0."""
    try:
        data = json.loads((path / CURSOR).read_text(encoding="utf-8"))
        return int(data["position"]), int(data.get("horizon") or 0)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write_cursor(path, position, horizon=0):
    _write_atomically(path / CURSOR, json.dumps({"position": position, "horizon": horizon}))


def read_reconcile():
    """What the follower's last reconcile found ({} before the first one), see search.reconcile."""
    try:
        return json.loads((root() / RECONCILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_reconcile(report):
    _write_atomically(root() / RECONCILE, json.dumps(report))


def read_engine(path):
    """The name of the engine that built generation ``path``."""
    try:
        return (path / ENGINE).read_text(encoding="utf-8").strip() or OLDEST_ENGINE
    except FileNotFoundError:
        return OLDEST_ENGINE


def write_engine(path, name):
    _write_atomically(path / ENGINE, name)


def read_format(path):
    """The format (documents.FORMAT) generation ``path`` was built with; 1 for generations older than that."""
    try:
        return int((path / FORMAT).read_text(encoding="utf-8").strip() or 1)
    except (FileNotFoundError, ValueError):
        return 1


def write_format(path, number):
    _write_atomically(path / FORMAT, str(number))


def report_damage(path):
    """A reader could not use generation ``path``: ask the follower to rebuild."""
    try:
        _write_atomically(root() / DAMAGED, path.name if path else "")
    except OSError:
        pass


def damaged():
    """True when a reader reported the current generation as unreadable."""
    try:
        name = (root() / DAMAGED).read_text(encoding="utf-8").strip()
    except OSError:
        return False
    path = current()
    return path is None or name == path.name


def clear_damage():
    (root() / DAMAGED).unlink(missing_ok=True)


class FollowerLock:
    """The machine-wide right to write the index (an flock on ``follower.lock``): whoever holds it is the
    one writer; everyone else only reads. Released when the holder closes it or its process ends."""

    def __init__(self):
        self.handle = None

    def acquire(self, blocking=False):
        root().mkdir(parents=True, exist_ok=True)
        handle = open(root() / LOCK, "a+")  # noqa: SIM115 - held open for as long as the lock is held
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except OSError:
            handle.close()
            return False
        self.handle = handle
        return True

    def release(self):
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None

    @property
    def held(self):
        return self.handle is not None
