"""Backups include attachments (docs/operations.md "Backups and restore"): every file and thumbnail the
backed-up database names is in ``attachments/`` with its checksum in the manifest, read from the attachments
storage; a restore into a new data directory puts them back into that node's storage, and the restored app
serves them again, byte for byte. A file missing while its attachment still names it stops the backup.
(Backups of S3-compatible storage: tests/processes/test_attachments_s3.py.)"""

import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from incidents.actions.attachments import add_attachment
from tests.factories import IncidentFactory
from tests.processes.test_backup import environment, manage

# In the restored app: each attachment downloaded by an editor as a browser would, with its checksum.
DOWNLOAD = """
import hashlib, json
from django.contrib.auth.models import User
from django.test import Client
from django.test.utils import setup_test_environment
from incidents.embeds import download_url
from incidents.models import Attachment
setup_test_environment()
client = Client()
client.force_login(User.objects.get(username="editor"))
answers = {}
for attachment in Attachment.objects.all():
    for thumbnail in (False, True):
        response = client.get(download_url(attachment, thumbnail=thumbnail))
        answers[f"{attachment.name}{'?thumbnail' if thumbnail else ''}"] = [
            response.status_code, response["Content-Type"], hashlib.sha256(b"".join(response)).hexdigest()]
print(json.dumps(answers))
"""


def sha(data):
    return hashlib.sha256(data).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_a_backup_holds_every_attachment_and_a_restore_serves_them(tmp_path, fresh_database, editor, attachment_dir):
    incident = IncidentFactory(status="published")
    image = io.BytesIO()
    Image.new("RGB", (1200, 300), (30, 140, 90)).save(image, format="PNG")  # wider than a thumbnail
    graph = add_attachment(incident, image.getvalue(), name="p99.png", by=editor, alt="p99 の急上昇")
    log = add_attachment(incident, "resolver timeout 名前解決\n".encode(), name="resolver.log", by=editor)
    stored = {name: (attachment_dir / name).read_bytes() for name in graph.stored_names + log.stored_names}
    assert len(stored) == 3  # the image, its thumbnail, the log

    backup_dir = tmp_path / "backup"
    call_command("backup", str(backup_dir))
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    listed = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    assert {path: digest for path, digest in listed.items() if path.startswith("attachments/")} == {
        f"attachments/{name}": sha(data) for name, data in stored.items()}
    assert manifest["counts"]["attachments"] == 2

    restored_dir = tmp_path / "restored"
    restored = environment(DATABASE_URL=fresh_database, POSTMORTEM_DATA_DIR=str(restored_dir))
    result = manage("restore", str(backup_dir), env=restored)
    assert result.returncode == 0, result.stderr
    assert ", 2 attachment(s); every file and row count matches the manifest" in result.stdout
    for name, data in stored.items():
        assert (restored_dir / "attachments" / name).read_bytes() == data

    result = manage("shell", "-c", DOWNLOAD, env=restored)
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers == {
        "p99.png": [200, "image/png", sha(stored[graph.file.name])],
        "p99.png?thumbnail": [200, "image/png", sha(stored[graph.thumbnail.name])],
        "resolver.log": [200, "text/plain; charset=utf-8", sha(stored[log.file.name])],
        "resolver.log?thumbnail": [200, "text/plain; charset=utf-8", sha(stored[log.file.name])],
    }

    (attachment_dir / log.file.name).unlink()  # lost from the storage while its row still names it
    with pytest.raises(CommandError) as refused:
        call_command("backup", str(tmp_path / "incomplete"))
    assert str(refused.value) == (f"backup: {attachment_dir}/{log.file.name}: missing from the attachments storage "
                                  "though an attachment names it (1 file(s) missing); no backup was written")
    assert not [path for path in tmp_path.iterdir() if "incomplete" in path.name]
