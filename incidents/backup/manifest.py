"""The manifest of a backup (manifest.json, written last): what the backup holds, and how to tell that it is
whole — every file with its size and SHA-256, the migrations its database had, and row counts of the
main tables, which a restore compares with the restored database."""

import datetime
import hashlib
import json
import os
from pathlib import Path

from django.apps import apps

FORMAT = 1
NAME = "manifest.json"
UPLOADS = "uploads"
ATTACHMENTS = "attachments"  # every attachment's bytes, by stored name, from whatever storage holds them
# Rows counted at backup time and compared after a restore: (name in the manifest, model label).
COUNTED = (
    ("incidents", "incidents.Incident"),
    ("timeline_events", "incidents.TimelineEvent"),
    ("factors", "incidents.ContributingFactor"),
    ("lessons", "incidents.Lesson"),
    ("action_items", "incidents.ActionItem"),
    ("links", "incidents.ExternalLink"),
    ("comments", "incidents.Comment"),
    ("attachments", "incidents.Attachment"),
    ("revisions", "reversion.Revision"),
    ("users", "auth.User"),
)
NOT_INCLUDED = {
    "search index": "rebuilt from the database by the follower when the app starts (or manage.py rebuild_search_index)",
    "prepared exports": "kept a day and made again on demand",
    "broker (Redis)": "GitHub sync and waiting exports are kept in the database and queued again by the sweep",
}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message names the path and the problem (one line)."""


def counted_tables():
    """(manifest name, database table) of the counted models that exist in this code."""
    found = []
    for name, label in COUNTED:
        try:
            found.append((name, apps.get_model(label)._meta.db_table))
        except LookupError:
            pass
    return found


def count_rows(cursor, tables, present=None):
    """{manifest name: rows} through a DB-API cursor (sqlite3 or psycopg); a table not in ``present`` (the
    tables the database has, when given: an older version's lacks newer ones) is left out."""
    counts = {}
    for name, table in tables:
        if present is not None and table not in present:
            continue
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[name] = cursor.fetchone()[0]
    return counts


def applied_migrations(cursor):
    """{app: [migration names]} from django_migrations, sorted."""
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_files(root):
    """Every file under ``root`` (a backup being written) but the manifest: path, size and SHA-256."""
    listed = []
    for path in sorted(Path(root).rglob("*")):
        if path.is_file() and path.name != NAME:
            listed.append({"path": path.relative_to(root).as_posix(), "size": path.stat().st_size,
                           "sha256": sha256(path)})
    return listed


def write(root, *, vendor, database_file, server_version, migrations, counts):
    manifest = {
        "format": FORMAT,
        "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "database": {"vendor": vendor, "file": database_file, "server_version": server_version},
        "migrations": migrations,
        "counts": counts,
        "files": describe_files(root),
        "not_included": NOT_INCLUDED,
    }
    path = Path(root) / NAME
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    return manifest


def read(root):
    """The manifest of the backup in ``root``, after checking that every file it lists is there, whole."""
    root = Path(root)
    if not root.is_dir():
        raise BackupError(f"{root}: not a directory" if root.exists() else f"{root}: no such directory")
    path = root / NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{path}: missing; {root} is not a backup, or one that did not finish") from None
    except PermissionError:
        raise BackupError(f"{path}: cannot be read (permission denied)") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{path}: not a valid manifest ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: unknown manifest format {manifest.get('format') if isinstance(manifest, dict) else None!r} "
                          f"(this version reads format {FORMAT})")
    for entry in manifest["files"]:
        file = root / entry["path"]
        try:
            size = file.stat().st_size
        except FileNotFoundError:
            raise BackupError(f"{file}: listed in the manifest but missing; the backup is incomplete") from None
        if size != entry["size"] or sha256(file) != entry["sha256"]:
            raise BackupError(f"{file}: checksum mismatch (the file differs from the one backed up); the backup is damaged")
    return manifest
