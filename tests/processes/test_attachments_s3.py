"""Attachments in S3-compatible object storage (ATTACHMENT_STORAGE=s3, docs/operations.md), against a real
S3-compatible server process: moto in server mode, started by this module on a free port, with a private
bucket. Two `manage.py serve` nodes share the database and the bucket but each has its own data directory: a
screenshot uploaded through node A's API downloads through node B, byte for byte, with its type and nosniff;
it is in the bucket and in neither data directory. The housekeeping sweep lists the bucket (orphans past the
grace go, named and young files stay); a backup reads the bucket and a restore fills another one."""

import hashlib
import importlib.util
import io
import json
import os
import signal
import subprocess
import sys
from urllib.parse import urlsplit

import boto3
import pytest
import requests
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image
from rest_framework.authtoken.models import Token

from incidents.actions import attachments
from incidents.actions.attachments import ORPHAN_GRACE, add_attachment
from incidents.models import Attachment
from postmortem.storage import attachments as storage_from_environment
from tests.conftest import _database_url_for_worker, wait_for
from tests.factories import IncidentFactory, UserFactory
from tests.processes.test_backup import environment, manage
from tests.processes.test_serve import PRODUCTION, Node, free_port

if importlib.util.find_spec("moto") is None or importlib.util.find_spec("flask") is None:
    message = "moto[server] is not installed (requirements.txt, Tests): pip install -r requirements.txt"
    pytest.fail(message, pytrace=False) if os.environ.get("CI") else pytest.skip(message, allow_module_level=True)

BUCKET = "postmortem-attachments"
LOCAL = {"NO_PROXY": "127.0.0.1,localhost"}  # a proxy configured on the machine never sees the test's S3
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_S3_REGION_NAME": "us-east-1"}


class S3Server:
    """A moto server process on a free port (its state lives in memory, gone when it stops)."""

    def __init__(self, log):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.client = boto3.client("s3", endpoint_url=self.url, region_name="us-east-1",
                                   aws_access_key_id="testing", aws_secret_access_key="testing")

    def answers(self):
        try:
            self.client.list_buckets()
            return True
        except Exception:  # noqa: BLE001 - not listening yet
            return False

    def keys(self, bucket=BUCKET):
        return sorted(item["Key"] for item in self.client.list_objects_v2(Bucket=bucket).get("Contents", []))

    def read(self, key, bucket=BUCKET):
        return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()

    def environment(self, bucket=BUCKET):
        """The variables a node needs to keep its attachments in ``bucket`` of this server."""
        return {"ATTACHMENT_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": bucket, "AWS_S3_ENDPOINT_URL": self.url,
                **CREDENTIALS}

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(10)


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    with open(tmp_path_factory.mktemp("moto") / "moto.log", "w") as log:
        server = S3Server(log)
    try:
        assert wait_for(server.answers, 30), "the moto server did not start"
        server.client.create_bucket(Bucket=BUCKET)  # private: no policy, no public ACL
        yield server
    finally:
        server.stop()


@pytest.fixture
def in_s3(s3, settings, monkeypatch):
    """This process keeps its attachments in the bucket too, configured from the variables as a node is."""
    for name, value in {**s3.environment(), **LOCAL}.items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {**settings.STORAGES, "attachments": storage_from_environment(django_settings.DATA_DIR)}
    return s3


def png(size):
    out = io.BytesIO()
    Image.new("RGB", size, (220, 60, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_an_upload_through_one_node_downloads_through_another(in_s3, tmp_path, settings):
    s3 = in_s3
    settings.SECRET_KEY = PRODUCTION["SECRET_KEY"]  # the nodes' key: they accept the session signed in below
    editor = UserFactory(username="editor", role="editor")
    token = Token.objects.create(user=editor).key
    browser = Client()
    browser.force_login(editor)  # a session in the shared database, as the sign-in page would make
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value
    incident = IncidentFactory(status="published")
    env = {**environment(DATABASE_URL=_database_url_for_worker()), **PRODUCTION, **s3.environment(),
           "WEB_CONCURRENCY": "1", **LOCAL}
    (tmp_path / "no-static").mkdir()  # only the API and downloads are asked for: no collected static files needed
    a = Node("a", tmp_path, env).start(static_from=tmp_path / "no-static")
    b = Node("b", tmp_path, env).start(static_from=tmp_path / "no-static")
    try:
        assert wait_for(lambda: a.healthy() and b.healthy(), 90), (tmp_path / "a.log").read_text()[-2000:]

        original = png((1280, 200))
        answer = requests.post(f"{a.url}/api/v1/incidents/{incident.pk}/attachments/",
                               headers={"Authorization": f"Token {token}"}, data={"alt": "p99 の急上昇"},
                               files={"file": ("spike.png", original, "application/octet-stream")}, timeout=30)
        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert (body["name"], body["content_type"], body["alt"]) == ("spike.png", "image/png", "p99 の急上昇")

        download = requests.get(f"{b.url}{urlsplit(body['url']).path}", cookies={settings.SESSION_COOKIE_NAME: session},
                                timeout=30)
        assert download.status_code == 200, download.text[:500]
        assert download.headers["Content-Type"] == "image/png"
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        stored = Attachment.objects.get(pk=body["id"])
        assert download.content == s3.read(f"attachments/{stored.file.name}")
        assert hashlib.sha256(download.content).hexdigest() == stored.sha256
        thumbnail = requests.get(f"{b.url}{urlsplit(body['url']).path}?size=thumbnail",
                                 cookies={settings.SESSION_COOKIE_NAME: session}, timeout=30)
        assert thumbnail.status_code == 200 and Image.open(io.BytesIO(thumbnail.content)).width == 960
        anonymous = requests.get(f"{b.url}{urlsplit(body['url']).path}", allow_redirects=False, timeout=30)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.headers["Location"]
    finally:
        a.stop()
        b.stop()

    assert s3.keys() == sorted(f"attachments/{name}" for name in stored.stored_names)
    for node in (a, b):
        assert not (node.data / "attachments").exists() or not any((node.data / "attachments").rglob("*"))

    # The housekeeping sweep lists the bucket: an orphan goes only once older than the grace.
    orphan = f"attachments/{incident.pk}/0123456789abcdef.png"
    s3.client.put_object(Bucket=BUCKET, Key=orphan, Body=b"left by a crash")
    assert attachments.sweep() == 0  # young: perhaps an upload whose row is not committed yet
    assert attachments.sweep(timezone.now() + ORPHAN_GRACE) == 1
    assert s3.keys() == sorted(f"attachments/{name}" for name in stored.stored_names)


@pytest.mark.django_db(transaction=True)
def test_a_backup_reads_the_bucket_and_a_restore_fills_another(in_s3, tmp_path, editor, fresh_database):
    s3 = in_s3
    incident = IncidentFactory(status="published")
    graph = add_attachment(incident, png((1100, 100)), name="graph.png", by=editor)
    log = add_attachment(incident, b"resolver timeout\n", name="resolver.log", by=editor)
    names = graph.stored_names + log.stored_names
    backup_dir = tmp_path / "backup"
    call_command("backup", str(backup_dir))
    listed = {entry["path"]: entry["sha256"] for entry in json.loads((backup_dir / "manifest.json").read_text())["files"]}
    for name in names:
        assert listed[f"attachments/{name}"] == hashlib.sha256(s3.read(f"attachments/{name}")).hexdigest()

    s3.client.create_bucket(Bucket="restored")
    restored = {**environment(DATABASE_URL=fresh_database, POSTMORTEM_DATA_DIR=str(tmp_path / "restored")),
                **s3.environment(bucket="restored"), **LOCAL}
    result = manage("restore", str(backup_dir), env=restored)
    assert result.returncode == 0, result.stderr
    assert s3.keys("restored") == sorted(f"attachments/{name}" for name in names)
    assert all(s3.read(f"attachments/{name}", "restored") == s3.read(f"attachments/{name}") for name in names)
    assert not (tmp_path / "restored" / "attachments").exists()
