"""GitHub references are refreshed by a Celery task that talks to GitHub's REST API (here a local fake)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection

from incidents import services
from incidents.models import GitHubReference, Incident
from incidents.serializers import IncidentSerializer
from postmortem.celery import app as celery_app
from tests.conftest import TEST_BROKER_URL
from tests.github_fake import FakeGitHub

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = {
    "title": "EKS ノードが NotReady",
    "links": [
        {"url": "https://github.com/DataDog/datadog-agent/issues/12997", "relation": "cause"},
        {"url": "DataDog/datadog-agent#13019", "relation": "fix"},
    ],
}


@pytest.fixture
def fake_github(settings):
    with FakeGitHub() as fake:
        fake.add("DataDog", "datadog-agent", 12997, "Zombie processes with process agent", state="closed")
        fake.add("DataDog", "datadog-agent", 13019, "Reap zombie processes", state="closed", pull=True, merged=True)
        settings.GITHUB_SYNC = True
        settings.GITHUB_API_URL = fake.url
        settings.GITHUB_TOKEN = "t0ken"
        yield fake


def save_document(document=DOCUMENT):
    serializer = IncidentSerializer(data=document)
    serializer.is_valid(raise_exception=True)
    return serializer.save()


def states():
    return {ref.short: (ref.state, ref.kind, ref.title) for ref in GitHubReference.objects.all()}


@pytest.mark.django_db(transaction=True)
def test_saving_links_syncs_their_state_in_process(fake_github):
    save_document()
    assert states() == {
        "DataDog/datadog-agent#12997": ("closed", "issue", "Zombie processes with process agent"),
        "DataDog/datadog-agent#13019": ("merged", "pull", "Reap zombie processes"),
    }
    assert all(auth == "Bearer t0ken" for _, auth in fake_github.requests)


@pytest.mark.django_db(transaction=True)
def test_sync_happens_after_commit_only(fake_github):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        save_document()
        raise RuntimeError("the request failed after saving")
    assert fake_github.requests == []
    assert not Incident.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_unknown_issue_and_github_outage_keep_the_user_data(fake_github):
    fake_github.failures = [502]
    save_document({"title": "x", "links": [{"url": "o/r#1"}, {"url": "DataDog/datadog-agent#12997"}]})
    errors = dict(GitHubReference.objects.values_list("number", "sync_error"))
    assert errors[1].startswith("GitHub unavailable") or errors[1].startswith("not found")
    assert Incident.objects.get().links.count() == 2
    # A later sync run picks up what failed.
    fake_github.failures = []
    services.queue_github_sync(GitHubReference.objects.all())
    assert states()["DataDog/datadog-agent#12997"][0] == "closed"
    assert GitHubReference.objects.get(number=1).sync_error.startswith("not found")


def test_task_is_a_no_op_for_a_deleted_reference(db, fake_github):
    from incidents.tasks import sync_github_reference

    assert sync_github_reference.delay(999999).get() == "gone"


def _redis_available(url):
    host, port = url.split("//")[1].split("/")[0].split(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
        return True
    except OSError:
        return False


def _database_url_for_worker():
    db = connection.settings_dict  # inside a test this names the test database
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker_process(fake_github):
    broker = TEST_BROKER_URL
    if not _redis_available(broker):
        message = f"Redis is not reachable at {broker}"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    # The test broker database is the tests' own: start from an empty queue.
    redis.Redis.from_url(broker).flushdb()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url_for_worker(),
        "CELERY_BROKER_URL": broker,
        "GITHUB_API_URL": fake_github.url,
        "POSTMORTEM_DATA_DIR": str(django_settings.DATA_DIR),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "postmortem", "worker", "--pool=solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    previously_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield worker
    finally:
        celery_app.conf.task_always_eager = previously_eager
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
        print(output[-5000:])


def wait_for(predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_syncs_over_redis(celery_worker_process, fake_github):
    save_document()
    # Nothing ran in this process: the worker process picks the tasks from Redis.
    assert wait_for(lambda: GitHubReference.objects.filter(synced_at__isnull=False).count() == 2), (
        "the worker did not sync both references within 60 s"
    )
    assert celery_worker_process.poll() is None
    assert states()["DataDog/datadog-agent#13019"] == ("merged", "pull", "Reap zombie processes")
