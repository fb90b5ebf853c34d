"""incidents.actions.housekeeping.sweep, the periodic sweep: what it queues again (one GitHub drain when
references are due, each export job waiting for more than two minutes), what it removes (idempotency keys
after a day, webhook deliveries after thirty), and the counts it returns for the log."""

import datetime

import pytest
from django.utils import timezone

from incidents import jobs
from incidents.actions import housekeeping
from incidents.models import ExportJob, GitHubDelivery, GitHubReference, IdempotencyKey
from tests.factories import RetrospectiveFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def queued(monkeypatch):
    """The tasks the sweep hands to Celery, instead of running them."""
    calls = []
    monkeypatch.setattr(jobs, "queue", lambda name, *args: calls.append((name, *args)) or True)
    return calls


def test_nothing_to_do(queued):
    assert housekeeping.sweep() == {"github": 0, "exports": 0, "keys": 0, "deliveries": 0, "audit": 0, "search_log": 0, "similar": 0, "attachments": 0}
    assert queued == []


def test_one_drain_for_all_the_references_that_are_due(queued):
    for number, due_at in enumerate([NOW - MINUTE, NOW, NOW + MINUTE, None], start=1):
        GitHubReference.objects.create(owner="acme", repo="api", number=number, kind="issue", due_at=due_at)
    assert housekeeping.sweep(NOW) == {"github": 2, "exports": 0, "keys": 0, "deliveries": 0, "audit": 0, "search_log": 0, "similar": 0, "attachments": 0}
    assert queued == [(jobs.DRAIN_GITHUB,)]


def export_job(status, age):
    job = ExportJob.objects.create(retrospective=RetrospectiveFactory(), requested_by=UserFactory(), status=status)
    ExportJob.objects.filter(pk=job.pk).update(created_at=NOW - age)
    return job


def test_export_jobs_waiting_more_than_two_minutes_are_queued_again(queued):
    stuck = export_job(ExportJob.Status.PENDING, 3 * MINUTE)
    also_stuck = export_job(ExportJob.Status.PENDING, 2 * MINUTE + datetime.timedelta(seconds=1))
    export_job(ExportJob.Status.PENDING, 2 * MINUTE)  # just asked for: its own task may still come
    export_job(ExportJob.Status.RUNNING, 3 * MINUTE)
    export_job(ExportJob.Status.FAILED, 3 * MINUTE)
    assert housekeeping.sweep(NOW) == {"github": 0, "exports": 2, "keys": 0, "deliveries": 0, "audit": 0, "search_log": 0, "similar": 0, "attachments": 0}
    assert sorted(queued) == sorted([(jobs.RENDER_EXPORT, stuck.pk), (jobs.RENDER_EXPORT, also_stuck.pk)])


def test_expired_idempotency_keys_and_old_deliveries_are_removed(queued):
    user = UserFactory()
    for key, age in [("expired", datetime.timedelta(hours=25)), ("live", datetime.timedelta(hours=23))]:
        IdempotencyKey.objects.create(user=user, key=key, method="POST", path="/api/incidents/", fingerprint="f",
                                      created_at=NOW - age)
    for delivery, days in [("old", 31), ("thirty", 30), ("recent", 29)]:
        GitHubDelivery.objects.create(delivery_id=delivery, event="ping",
                                      received_at=NOW - datetime.timedelta(days=days))
    assert housekeeping.sweep(NOW) == {"github": 0, "exports": 0, "keys": 1, "deliveries": 1, "audit": 0, "search_log": 0, "similar": 0, "attachments": 0}
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["live"]
    assert sorted(GitHubDelivery.objects.values_list("delivery_id", flat=True)) == ["recent", "thirty"]
    assert queued == []


def test_keys_expire_by_the_time_the_sweep_is_given(queued):
    IdempotencyKey.objects.create(user=UserFactory(), key="k", method="POST", path="/api/incidents/", fingerprint="f",
                                  created_at=NOW - datetime.timedelta(hours=23))
    assert housekeeping.sweep(NOW + datetime.timedelta(hours=2))["keys"] == 1
