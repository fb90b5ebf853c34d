"""Attachments in a backup: the bytes of every file the backed-up database names (an attachment's file and
thumbnail), read from the configured attachments storage (the data directory, or S3-compatible storage), kept
under ``attachments/`` by their stored names; a restore puts them back into the configured storage under the
same names, so the restored rows find them."""

import hashlib
import shutil
from pathlib import PurePosixPath

from django.core.files import File

from incidents.models import Attachment, attachment_storage

from .manifest import ATTACHMENTS, BackupError

TABLE = "incidents_attachment"


def stored_names(cursor, tables):
    """The stored names the attachment rows of a database name (through its DB-API cursor), sorted; none when
    ``tables`` (the tables that database has) lacks the attachments table (a backup of an older version)."""
    if TABLE not in tables:
        return []
    cursor.execute(f'SELECT file, thumbnail FROM "{TABLE}"')
    return sorted({name for row in cursor.fetchall() for name in row if name})


def _safe(name, where):
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts:
        raise BackupError(f"{where}: names an attachment outside the attachments storage ({name})")
    return path


def _where(storage):
    bucket = getattr(storage, "bucket_name", None)
    return f"s3://{bucket}/{storage.location}" if bucket else str(getattr(storage, "location", "attachments"))


def copy_out(names, destination):
    """Copy the stored files ``names`` (from the snapshot) into ``destination``; returns how many. A file gone
    from the storage whose row is gone too was deleted since the snapshot (its row is in the backup, not its
    bytes: it is left out); a file missing while its row still names it is an error."""
    storage = attachment_storage()
    copied, gone = 0, []
    for name in names:
        into = destination / _safe(name, "the database")
        into.parent.mkdir(parents=True, exist_ok=True)
        try:
            with storage.open(name, "rb") as source, open(into, "wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
            copied += 1
        except FileNotFoundError:
            into.unlink(missing_ok=True)
            gone.append(name)
    if gone:
        named = {file for pair in Attachment.objects.values_list("file", "thumbnail") for file in pair}
        missing = [name for name in gone if name in named]
        if missing:
            raise BackupError(f"{_where(storage)}/{missing[0]}: missing from the attachments storage though an "
                              f"attachment names it ({len(missing)} file(s) missing); no backup was written")
    return copied


def _sha256(storage, name):
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_restore(source, manifest):
    """The backed-up attachment files to put into the storage: (path in the backup, stored name); refuses a
    different file already stored under one of the names. Files already there, identical, are skipped."""
    storage = attachment_storage()
    pairs = []
    for entry in manifest["files"]:
        if not entry["path"].startswith(ATTACHMENTS + "/"):
            continue
        name = entry["path"][len(ATTACHMENTS) + 1:]
        _safe(name, source / "manifest.json")
        try:
            if storage.exists(name):
                if _sha256(storage, name) != entry["sha256"]:
                    raise BackupError(f"{_where(storage)}/{name}: exists and differs from the backup's copy; restore "
                                      "into an empty attachments storage (nothing was changed)")
                continue
        except BackupError:
            raise
        except Exception as exc:  # noqa: BLE001 - any storage error (S3 unreachable, denied) stops the restore
            raise BackupError(f"{_where(storage)}: cannot be read ({exc.__class__.__name__}: {exc}); nothing was "
                              "changed") from None
        pairs.append((source / entry["path"], name))
    return pairs


def put_back(pairs):
    """Store each backed-up file under its own name; returns how many."""
    storage = attachment_storage()
    for origin, name in pairs:
        try:
            with open(origin, "rb") as handle:
                stored = storage.save(name, File(handle, name=name))
        except Exception as exc:  # noqa: BLE001 - disk full, S3 unreachable or denied
            raise BackupError(f"{_where(storage)}/{name}: cannot be stored ({exc.__class__.__name__}: {exc}); the "
                              "database was not restored (fix the storage, then restore again: files already put "
                              "back are recognised)") from None
        if stored != name:
            raise BackupError(f"{_where(storage)}/{name}: stored as {stored}; the database was not restored")
    return len(pairs)
