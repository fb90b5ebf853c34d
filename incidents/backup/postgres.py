"""PostgreSQL: ``pg_dump --format=custom`` inside an exported snapshot (the counts and migrations in the
manifest are read in that same snapshot), and ``pg_restore --no-owner --no-privileges`` into an existing,
empty database. The client programs must be at least as new as the server."""

import os
import re
import shutil
import subprocess

import psycopg

from . import attachments
from .manifest import BackupError, applied_migrations, count_rows

FILE = "database.pgdump"


def _connect(settings_dict):
    try:
        return psycopg.connect(**_params(settings_dict), connect_timeout=10, autocommit=True)
    except psycopg.Error as exc:
        raise BackupError(f"{_where(settings_dict)}: cannot connect ({str(exc).strip().splitlines()[0]})") from None


def _params(settings_dict):
    params = {"dbname": settings_dict["NAME"], "user": settings_dict["USER"] or None,
              "password": settings_dict["PASSWORD"] or None, "host": settings_dict["HOST"] or None,
              "port": settings_dict["PORT"] or None}
    params.update({key: value for key, value in (settings_dict.get("OPTIONS") or {}).items()
                   if key in {"sslmode", "sslrootcert", "sslcert", "sslkey", "options"}})
    return {key: value for key, value in params.items() if value is not None}


def _where(settings_dict):
    return f"postgresql://{settings_dict['HOST'] or 'localhost'}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"


def _client(program):
    path = shutil.which(program)
    if path is None:
        raise BackupError(f"{program}: not found on PATH; install the PostgreSQL client programs "
                          "(e.g. apt-get install postgresql-client) of the server's version or newer")
    return path


def _major(text):
    found = re.search(r"(\d+)(?:\.(\d+))?", text)
    return int(found.group(1)) if found else 0


def _run(program, arguments, settings_dict):
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if settings_dict["PASSWORD"]:
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    if (settings_dict.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = settings_dict["OPTIONS"]["sslmode"]
    connection = [f"--host={settings_dict['HOST'] or 'localhost'}", f"--port={settings_dict['PORT'] or 5432}",
                  *([f"--username={settings_dict['USER']}"] if settings_dict["USER"] else []), "--no-password"]
    result = subprocess.run([program, *connection, *arguments], env=env, capture_output=True, text=True)
    return result.returncode, " ".join(result.stderr.split())[:500]


def dump(settings_dict, target, tables):
    """pg_dump the database into ``target``/FILE; returns (server version, migrations, counts, the attachments'
    stored names), all read in the snapshot pg_dump dumps."""
    pg_dump = _client("pg_dump")
    client = subprocess.run([pg_dump, "--version"], capture_output=True, text=True).stdout.strip()
    with _connect(settings_dict) as connection:
        server = connection.execute("SHOW server_version").fetchone()[0]
        if _major(client) < _major(server):
            raise BackupError(f"{pg_dump}: {client} is older than the server (PostgreSQL {server}); install "
                              f"pg_dump {_major(server)} or newer")
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
        cursor = connection.cursor()
        present = {row[0] for row in cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}
        migrations, counts = applied_migrations(cursor), count_rows(cursor, tables, present)
        names = attachments.stored_names(cursor, present)
        code, errors = _run(pg_dump, ["--format=custom", f"--snapshot={snapshot}", f"--file={target / FILE}",
                                      f"--dbname={settings_dict['NAME']}"], settings_dict)
        connection.execute("ROLLBACK")
    if code:
        raise BackupError(f"{pg_dump}: failed for {_where(settings_dict)} ({errors}); the client must not be older "
                          f"than the server (PostgreSQL {server}, {client})")
    return server, migrations, counts, names


def target_state(settings_dict):
    """('', 0) when the database has no tables; else (what it holds, incidents)."""
    with _connect(settings_dict) as connection:
        tables = {row[0] for row in connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}
        incidents = (connection.execute('SELECT COUNT(*) FROM "incidents_incident"').fetchone()[0]
                     if "incidents_incident" in tables else 0)
    return (f"{len(tables)} table(s)" if tables else ""), incidents


def load(source_file, settings_dict):
    """pg_restore the dump into the (empty) database, in one transaction: a failure leaves it empty."""
    pg_restore = _client("pg_restore")
    code, errors = _run(pg_restore, ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
                                     f"--dbname={settings_dict['NAME']}", str(source_file)], settings_dict)
    if code:
        client = subprocess.run([pg_restore, "--version"], capture_output=True, text=True).stdout.strip()
        raise BackupError(f"{pg_restore}: failed for {_where(settings_dict)} ({errors}); nothing was restored "
                          f"({client}; it must not be older than the pg_dump that wrote the backup)")
