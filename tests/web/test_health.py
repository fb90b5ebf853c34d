"""GET /healthz for the load balancer: the database, the broker and this node's index, 200 or 503."""

import shutil

import pytest
from celery import current_app

from incidents.models import IndexChange
from tests.conftest import use_broker

pytestmark = pytest.mark.django_db


def test_a_healthy_node(client):
    response = client.get("/healthz", HTTP_HOST="10.0.0.7")  # a probe's Host need not be in ALLOWED_HOSTS
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["status"] == "ok" and body["database"]["ok"] and body["search_index"]["ok"]
    assert body["broker"] == {"ok": True, "mode": "in-process (no CELERY_BROKER_URL)"}


def test_no_index_yet_is_503(client, search_index):
    shutil.rmtree(search_index)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["search_index"]["error"] == "there is no index yet"


def test_an_index_far_behind_the_log_is_503(client, settings):
    from django.utils import timezone

    settings.SEARCH_STALE_SECONDS = 60
    IndexChange.objects.create(incident_id=1, created_at=timezone.now() - timezone.timedelta(minutes=5))
    body = client.get("/healthz").json()
    assert body["status"] == "failing" and "not applied" in body["search_index"]["error"]


def test_a_broker_that_does_not_answer_is_503(client, settings):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CELERY_TASK_ALWAYS_EAGER = False
    previous = current_app.conf.broker_url
    use_broker(f"redis://127.0.0.1:{port}/0")
    try:
        response = client.get("/healthz")
    finally:
        use_broker(previous)
    assert response.status_code == 503
    broker = response.json()["broker"]
    assert broker["ok"] is False and "Error" in broker["error"]


def test_the_attachments_directory_counts_as_storage_object_storage_does_not(client, settings):
    settings.POSTMORTEM_MIN_FREE_MB = 1 << 40  # more than any disk: every place measured is full
    storage = client.get("/healthz").json()["storage"]
    assert set(storage["free_mb"]) - {"database"} == {"search_index", "uploads", "exports", "attachments"}
    assert "attachments" in storage["full"] and storage["error"].endswith(", exports, attachments")
    settings.STORAGES = {**settings.STORAGES, "attachments": {"BACKEND": "storages.backends.s3.S3Storage",
                                                              "OPTIONS": {"bucket_name": "postmortem"}}}
    storage = client.get("/healthz").json()["storage"]
    assert set(storage["free_mb"]) - {"database"} == {"search_index", "uploads", "exports"}


def test_only_get(client):
    assert client.post("/healthz").status_code == 405


def test_slack_messages_retrying_and_given_up_are_reported_not_failed(client, db, settings):
    from django.utils import timezone

    from incidents.models import SlackMessage

    assert client.get("/healthz").json()["slack"] == {"ok": True, "configured": False}
    settings.SLACK = {"bot_token": "xoxb-1", "signing_secret": "s", "api_url": "http://127.0.0.1:9/api/",
                      "default_channel": ""}
    now = timezone.now()
    SlackMessage.objects.create(kind="published", channel="#gone", state="failed", attempts=1, due_at=now,
                                error_code="channel_not_found")
    SlackMessage.objects.create(kind="published", channel="#ops", attempts=2, due_at=now)
    SlackMessage.objects.create(kind="published", channel="#ops", state="sent", attempts=1, due_at=now)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["slack"] == {"ok": True, "configured": True, "retrying": 1, "failed": 1}
