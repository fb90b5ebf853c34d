"""SQLite: a consistent copy through SQLite's online backup API (from a connection of our own, so the app
keeps writing meanwhile: in WAL mode a reader never blocks a writer), and a restore that puts that copy in
place of the database file (with no app running against that file)."""

import os
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import quote

from . import attachments
from .manifest import BackupError, applied_migrations, count_rows

FILE = "database.sqlite3"


def _read_only(path):
    return f"file:{quote(str(Path(path).absolute()))}?mode=ro"  # never creates the file


def dump(name, target, tables):
    """Copy the database file ``name`` into ``target``/FILE; returns (server version, migrations, counts, the
    attachments' stored names) read from the copy (so they describe exactly what was copied)."""
    if not Path(name).is_file():
        raise BackupError(f"{name}: the SQLite database file does not exist (DATABASE_URL / POSTMORTEM_DATA_DIR)")
    copy = Path(target) / FILE
    source = sqlite3.connect(_read_only(name), uri=True, timeout=20)
    destination = sqlite3.connect(copy)
    try:
        source.backup(destination)  # one step: the whole database as of one read transaction
        destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        verdict = destination.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"{name}: SQLite reports the copy damaged ({verdict})")
        cursor = destination.cursor()
        present = {row[0] for row in cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return (sqlite3.sqlite_version, applied_migrations(cursor), count_rows(cursor, tables, present),
                attachments.stored_names(cursor, present))
    except sqlite3.Error as exc:
        raise BackupError(f"{name}: could not be copied ({exc})") from None
    finally:
        source.close()
        destination.close()


def target_state(name):
    """('', 0) when the file ``name`` is absent or has no tables; else (what it holds, incidents) —
    read without creating the file."""
    path = Path(name)
    if not path.exists():
        return "", 0
    try:
        connection = sqlite3.connect(_read_only(path), uri=True, timeout=20)
        try:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            incidents = (connection.execute('SELECT COUNT(*) FROM "incidents_incident"').fetchone()[0]
                         if "incidents_incident" in tables else 0)
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: exists and cannot be read as a SQLite database ({exc})") from None
    return (f"{len(tables)} table(s)" if tables else ""), incidents


def load(source_file, name):
    """Put the backed-up file in place of ``name`` (written beside it first, then renamed)."""
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".restoring")
    shutil.copyfile(source_file, partial)
    with open(partial, "rb+") as handle:
        os.fsync(handle.fileno())
    for stale in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)  # journals of the empty file replaced: they must not be replayed into it
    os.replace(partial, path)
