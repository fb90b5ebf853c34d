"""Backups that restore (manage.py backup / restore, make backup / restore).

A backup is a directory: the database (``database.sqlite3`` through SQLite's online backup API, or
``database.pgdump`` from ``pg_dump --format=custom``), the uploaded files (``uploads/``, a copy of
MEDIA_ROOT), every attachment's bytes that database names (``attachments/``, read from the attachments
storage, local or S3: backup.attachments), and ``manifest.json``, written last, listing every file with its size and SHA-256, the
migrations and row counts of the database. It is written into a hidden directory beside the target and
renamed into place at the end, so a directory named like the backup is always a whole one.

Not in a backup: the search index (rebuilt from the database; a restore removes this machine's, and the
follower builds a new one when the app starts), prepared exports (kept a day, made again on demand), and
nothing from the broker (work that matters is recorded in the database and queued again by the sweep).

A restore goes only into an empty database (never over data: there is no --force), checks the manifest and
every checksum before touching anything, puts the attachments back into the configured attachments storage
(before the database: a failure there leaves the database empty, and a second restore skips the files already
back), compares the restored row counts with the manifest, puts the uploaded files back, and applies the migrations this version has that the backup did not (``migrate``).
"""

import os
import shutil
import tempfile
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from . import attachments, postgres, sqlite
from .manifest import ATTACHMENTS, UPLOADS, BackupError, count_rows, counted_tables, read, sha256, write

__all__ = ["BackupError", "backup", "restore"]


def _engine(vendor, where):
    if vendor == "sqlite":
        return sqlite
    if vendor == "postgresql":
        return postgres
    raise BackupError(f"{where}: {vendor} databases are not backed up by this command")


def _where(connection):
    db = connection.settings_dict
    return str(db["NAME"]) if connection.vendor == "sqlite" else postgres._where(db)


def _check_new_or_empty(target):
    if not target.exists():
        return
    if not target.is_dir():
        raise BackupError(f"{target}: exists and is not a directory; give a new or empty directory")
    try:
        if any(target.iterdir()):
            raise BackupError(f"{target}: not empty; give a new or empty directory (a backup never writes over files)")
    except PermissionError:
        raise BackupError(f"{target}: cannot be read (permission denied)") from None


def _copy_uploads(media_root, destination):
    """Copy every file under MEDIA_ROOT; returns how many."""
    copied = 0
    root = Path(media_root)
    if not root.is_dir():
        return 0
    for path in sorted(root.rglob("*")):
        if path.is_file():
            into = destination / path.relative_to(root)
            into.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, into)
            copied += 1
    return copied


def backup(target):
    """Write a backup of the running app's database and files into ``target`` (new or empty).
    Returns (the manifest, seconds taken)."""
    started = time.monotonic()
    target = Path(target).absolute()
    _check_new_or_empty(target)
    connection = connections["default"]
    engine = _engine(connection.vendor, _where(connection))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))  # mode 0700
    except OSError as exc:
        raise BackupError(f"{target.parent}: cannot write a backup here ({exc.strerror})") from None
    try:
        source = connection.settings_dict["NAME"] if engine is sqlite else connection.settings_dict
        server, migrations, counts, stored = engine.dump(source, partial, counted_tables())
        _copy_uploads(settings.MEDIA_ROOT, partial / UPLOADS)
        attachments.copy_out(stored, partial / ATTACHMENTS)
        manifest = write(partial, vendor=connection.vendor, database_file=engine.FILE, server_version=server,
                         migrations=migrations, counts=counts)
        if target.exists():
            target.rmdir()  # the empty directory named: replaced by the finished backup
        os.replace(partial, target)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise BackupError(f"{exc.filename or partial}: {exc.strerror or exc}; no backup was written") from None
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest, time.monotonic() - started


def _unknown_migrations(migrations):
    """The backup's applied migrations of installed apps that this code does not have."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    installed = {app.label for app in apps.get_app_configs()}
    return [f"{app}.{name}" for app, names in sorted(migrations.items()) if app in installed
            for name in names if (app, name) not in known]


def _check_uploads(source, manifest):
    """The backed-up files to put under MEDIA_ROOT: (from, to); refuses a different file already there."""
    pairs = []
    for entry in manifest["files"]:
        if entry["path"].startswith(UPLOADS + "/"):
            into = Path(settings.MEDIA_ROOT) / entry["path"][len(UPLOADS) + 1:]
            if ".." in Path(entry["path"]).parts or Path(entry["path"]).is_absolute():
                raise BackupError(f"{source / 'manifest.json'}: names a file outside the backup ({entry['path']})")
            if into.exists() and (not into.is_file() or sha256(into) != entry["sha256"]):
                raise BackupError(f"{into}: exists and differs from the backup's copy; restore into an empty data "
                                  "directory (nothing was changed)")
            pairs.append((source / entry["path"], into))
    return pairs


def restore(source):
    """Restore the backup in ``source`` into the configured (empty) database and data directory.
    Returns (manifest, restored counts, migrations applied after it)."""
    source = Path(source).absolute()
    manifest = read(source)
    connection = connections["default"]
    where = _where(connection)
    engine = _engine(connection.vendor, where)
    backed_up = manifest["database"]["vendor"]
    if backed_up != connection.vendor:
        raise BackupError(f"{source}: a backup of a {backed_up} database, but DATABASE_URL names a {connection.vendor} "
                          "database; restore into the same kind of database")
    unknown = _unknown_migrations(manifest["migrations"])
    if unknown:
        raise BackupError(f"{source}: made by a newer version of Postmortem (migrations this code lacks: "
                          f"{', '.join(unknown[:5])}); restore it with that version or a newer one")
    target = connection.settings_dict["NAME"] if engine is sqlite else connection.settings_dict
    holds, incidents = engine.target_state(target)
    if incidents:
        raise BackupError(f"{where}: already holds {incidents} incident(s); a restore never writes over data: "
                          "restore into an empty database (nothing was changed)")
    if holds:
        raise BackupError(f"{where}: not empty ({holds}); restore into an empty database, e.g. one just made "
                          "with createdb, or a SQLite file that does not exist yet (nothing was changed)")
    uploads = _check_uploads(source, manifest)
    attachment_files = attachments.check_restore(source, manifest)

    attachments.put_back(attachment_files)
    connection.close()
    try:
        engine.load(source / manifest["database"]["file"], target)
    except OSError as exc:
        raise BackupError(f"{exc.filename or where}: {exc.strerror or exc}; the database was not restored") from None
    with connection.cursor() as cursor:
        restored = count_rows(cursor, [(name, table) for name, table in counted_tables() if name in manifest["counts"]])
    for name, expected in manifest["counts"].items():
        if name in restored and restored[name] != expected:
            raise BackupError(f"{where}: the restored database holds {restored[name]} {name}, the backup "
                              f"{expected} (its manifest); the backup or the restore is not whole")
    try:
        for origin, into in uploads:
            into.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, into)
    except OSError as exc:
        raise BackupError(f"{exc.filename or settings.MEDIA_ROOT}: {exc.strerror or exc}; the database is restored, "
                          "the uploaded files are not (free the space or fix the permission, then copy "
                          f"{source / UPLOADS} there)") from None
    # The index described other data (or none): the follower, or rebuild_search_index, builds it anew.
    shutil.rmtree(settings.SEARCH_INDEX_DIR, ignore_errors=True)
    before = set(MigrationRecorder(connection).applied_migrations())
    call_command("migrate", interactive=False, verbosity=0)
    applied = sorted(f"{app}.{name}" for app, name in set(MigrationRecorder(connection).applied_migrations()) - before)
    return manifest, restored, applied
