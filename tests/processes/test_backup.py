"""Backups that restore (`manage.py backup` / `restore`, docs/operations.md "Backups and restore"), as real processes on
the database under test: a backup taken while another process commits incidents through save_incident
restores into a fresh place (a new SQLite data directory, or a PostgreSQL database created for the test)
with every incident acknowledged before the backup started, its children, and a search index the restored
app rebuilds by itself. Bad input is refused with one line naming the path, and changes nothing; a backup
made by an older version is migrated after its restore."""

import json
import os
import subprocess
import sys
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from incidents.models import Incident
from tests.conftest import ROOT, _database_url_for_worker, wait_for
from tests.factories import IncidentFactory, UserFactory


# Commits incidents with children through the real write path, one after another, and prints each id once
# its transaction committed (acknowledged).
WRITER = """
import itertools
from django.utils import timezone
from incidents.actions.incidents import save_incident
from incidents.models import Incident
now = timezone.now()
for n in itertools.count():
    incident = save_incident(Incident(), {
        "title": f"Restorable write {n}", "status": "published", "started_at": now, "summary": "kept by a backup",
        "timeline": [{"occurred_at": now, "kind": "trigger", "description": f"event {n}"}],
        "factors": [{"ref": "f", "category": "defect", "description": f"factor {n}"}],
        "lessons": [{"kind": "went_well", "text": f"lesson {n}"}],
        "action_items": [{"title": f"action {n}"}],
    }, sync_github=False, review_gate=False)
    print(incident.pk, flush=True)
"""

# In the restored app: what the follower's repair finds (and does), then what a reader finds by search.
CHECK = """
import json
from django.contrib.auth.models import User
from incidents import search
from incidents.models import Incident
reason = search.repair()
found = search.search("restorable", User.objects.get(username="reader"), page_size=100000)
print(json.dumps({"reason": reason, "found": [hit.id for hit in found.hits], "incidents": Incident.objects.count(),
                  "children": {incident.pk: [incident.timeline.count(), incident.factors.count(),
                                             incident.lessons.count(), incident.action_items.count()]
                               for incident in Incident.objects.all()}}))
"""


def environment(**settings):
    env = {**os.environ, "GITHUB_SYNC": "0", "BACKGROUND_THREAD": "0", **settings}
    env.pop("CELERY_BROKER_URL", None)  # tasks in-process: nothing here needs a broker
    return env


def manage(*arguments, env, timeout=120):
    return subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.django_db(transaction=True)
def test_a_backup_under_write_load_restores_every_acknowledged_incident(tmp_path, fresh_database):
    UserFactory(username="reader", role="viewer")
    source = environment(DATABASE_URL=_database_url_for_worker(), POSTMORTEM_DATA_DIR=str(tmp_path / "source"))
    backup_dir = tmp_path / "backups" / "nightly"
    with open(tmp_path / "writer.log", "w") as log:
        writer = subprocess.Popen([sys.executable, "manage.py", "shell", "-c", WRITER], cwd=ROOT, env=source,
                                  stdout=subprocess.PIPE, stderr=log, text=True)
    acknowledged = []
    reader = threading.Thread(target=lambda: acknowledged.extend(
        int(line) for line in writer.stdout if line.strip().isdigit()), daemon=True)
    reader.start()
    try:
        assert wait_for(lambda: len(acknowledged) >= 5, 60), (tmp_path / "writer.log").read_text()
        before = list(acknowledged)
        result = manage("backup", str(backup_dir), env=source)
        during = len(acknowledged) - len(before)
    finally:
        writer.terminate()
        writer.wait(30)
    assert result.returncode == 0, result.stderr
    assert during > 0, "no write committed while the backup ran"
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert result.stdout.startswith(f"Backup written to {backup_dir}: {connection.vendor} database, "
                                    f"{manifest['counts']['incidents']} incident(s), ")
    assert manifest["counts"]["incidents"] >= len(before)
    assert [entry["path"] for entry in manifest["files"]] == [manifest["database"]["file"]]
    assert sorted(path.name for path in backup_dir.parent.iterdir()) == ["nightly"]  # no partial directory left

    restored = environment(DATABASE_URL=fresh_database, POSTMORTEM_DATA_DIR=str(tmp_path / "restored"))
    result = manage("restore", str(backup_dir), env=restored)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Restored {backup_dir} (made {manifest['created_at']}): "
                                    f"{manifest['counts']['incidents']} incident(s), ")
    assert "every file and row count matches the manifest" in result.stdout

    result = manage("shell", "-c", CHECK, env=restored)
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state["reason"] == "there is no index yet"  # the restore left no index: the follower built one
    assert state["incidents"] == manifest["counts"]["incidents"]
    assert set(before) <= set(state["found"]), "an acknowledged incident is missing after the restore"
    assert all(state["children"][str(pk)] == [1, 1, 1, 1] for pk in before)


@pytest.mark.django_db(transaction=True)
def test_bad_input_is_refused_with_one_line_naming_the_path(tmp_path):
    IncidentFactory(title="Already here")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("someone's files")
    with pytest.raises(CommandError) as refused:
        call_command("backup", str(busy))
    assert str(refused.value) == (f"backup: {busy}: not empty; give a new or empty directory "
                                  "(a backup never writes over files)")
    result = manage("restore", str(busy), env=environment(DATABASE_URL=_database_url_for_worker()))
    assert result.returncode == 1
    assert result.stderr.strip() == (f"CommandError: restore: {busy}/manifest.json: missing; {busy} is not a backup, "
                                     "or one that did not finish")

    backup_dir = tmp_path / "backup"
    call_command("backup", str(backup_dir))
    database = backup_dir / json.loads((backup_dir / "manifest.json").read_text())["database"]["file"]
    whole = database.read_bytes()
    database.write_bytes(whole[:-1] + bytes([whole[-1] ^ 1]))
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(backup_dir))
    assert str(refused.value) == (f"restore: {database}: checksum mismatch (the file differs from the one backed up); "
                                  "the backup is damaged")
    database.write_bytes(whole)
    where = (connection.settings_dict["NAME"] if connection.vendor == "sqlite" else
             f"postgresql://{connection.settings_dict['HOST'] or 'localhost'}:{connection.settings_dict['PORT'] or 5432}"
             f"/{connection.settings_dict['NAME']}")
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(backup_dir))
    assert str(refused.value) == (f"restore: {where}: already holds 1 incident(s); a restore never writes over data: "
                                  "restore into an empty database (nothing was changed)")
    assert list(Incident.objects.values_list("title", flat=True)) == ["Already here"]

    if connection.vendor == "postgresql":
        result = manage("backup", str(tmp_path / "no-client"),
                        env=environment(DATABASE_URL=_database_url_for_worker(), PATH=str(tmp_path / "empty")))
        assert result.returncode == 1
        assert result.stderr.strip() == (
            "CommandError: backup: pg_dump: not found on PATH; install the PostgreSQL client programs "
            "(e.g. apt-get install postgresql-client) of the server's version or newer")
        assert not [path for path in tmp_path.iterdir() if "no-client" in path.name]  # nothing half-written


def test_a_backup_from_an_older_version_is_migrated_after_its_restore(tmp_path):
    latest = max(name for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations
                 if app == "incidents")
    old = environment(POSTMORTEM_DATA_DIR=str(tmp_path / "old"), DATABASE_URL=f"sqlite:///{tmp_path}/old/db.sqlite3")
    assert manage("migrate", "incidents", "0013", "-v0", env=old).returncode == 0
    assert manage("backup", str(tmp_path / "backup"), env=old).returncode == 0
    new = environment(POSTMORTEM_DATA_DIR=str(tmp_path / "new"), DATABASE_URL=f"sqlite:///{tmp_path}/new/db.sqlite3")
    result = manage("restore", str(tmp_path / "backup"), env=new)
    assert result.returncode == 0, result.stderr
    assert "incidents.0014_verbose_names" in result.stdout and f"incidents.{latest}" in result.stdout
    shown = manage("showmigrations", "incidents", env=new).stdout
    assert f"[X] {latest}" in shown and "[ ]" not in shown
