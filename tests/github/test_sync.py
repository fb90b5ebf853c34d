"""Saving links asks for their sync (an outbox mark in the same transaction); the drain asks GitHub after
the commit — in-process where no background thread or worker runs (tests, commands), else there."""

import pytest
from django.db import transaction

from incidents.actions.github.poll import queue_github_sync
from incidents.api.serializers import IncidentSerializer
from incidents.models import GitHubReference, Incident
from tests.conftest import wait_for

DOCUMENT = {
    "title": "EKS ノードが NotReady",
    "links": [
        {"url": "https://github.com/DataDog/datadog-agent/issues/12997", "relation": "cause"},
        {"url": "DataDog/datadog-agent#13019", "relation": "fix"},
    ],
}


def save_document(document=DOCUMENT):
    serializer = IncidentSerializer(data=document)
    serializer.is_valid(raise_exception=True)
    return serializer.save()


def states():
    return {ref.short: (ref.state, ref.kind, ref.title) for ref in GitHubReference.objects.all()}


@pytest.mark.django_db(transaction=True)
def test_saving_links_syncs_their_state_after_commit(fake_github):
    save_document()
    assert states() == {
        "DataDog/datadog-agent#12997": ("closed", "issue", "Zombie processes with process agent"),
        "DataDog/datadog-agent#13019": ("merged", "pull", "Reap zombie processes"),
    }
    assert all(auth == "Bearer t0ken" for _, _, auth, _ in fake_github.requests)
    assert not GitHubReference.objects.filter(due_at__isnull=False).exists()
    assert GitHubReference.objects.get(number=12997).state_reason == "completed"


@pytest.mark.django_db(transaction=True)
def test_sync_happens_after_commit_only(fake_github):
    with pytest.raises(RuntimeError), transaction.atomic():
        save_document()
        raise RuntimeError("the request failed after saving")
    assert fake_github.requests == []
    assert not Incident.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_unknown_issue_and_github_outage_keep_the_user_data(fake_github):
    fake_github.failures = [502]
    save_document({"title": "x", "links": [{"url": "o/r#1"}, {"url": "DataDog/datadog-agent#12997"}]})
    retrying = GitHubReference.objects.get(sync_error__startswith="GitHub unavailable, try 1 of 8")
    assert retrying.due_at is not None and retrying.attempts == 1  # asked again after the backoff
    assert Incident.objects.get().links.count() == 2
    # A later run picks up what failed; what is gone is not asked again.
    GitHubReference.objects.update(due_at=None)
    queue_github_sync(GitHubReference.objects.all())
    refs = {ref.number: ref for ref in GitHubReference.objects.all()}
    assert refs[1].gone and refs[1].sync_error.startswith("not found")
    assert (refs[12997].state, refs[12997].sync_error, refs[12997].attempts) == ("closed", "", 0)
    fake_github.requests.clear()
    queue_github_sync(GitHubReference.objects.all())
    assert [path for _, path, _, _ in fake_github.requests] == ["/repos/DataDog/datadog-agent/issues/12997"]


def test_old_task_name_asks_for_a_sync(db, fake_github):
    from incidents.tasks import sync_github_reference

    assert sync_github_reference.delay(999999).get() == 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_syncs_over_redis(fake_github, celery_worker):
    worker = celery_worker(GITHUB_API_URL=fake_github.url)
    save_document()
    # Nothing ran in this process: the worker process picks the drain from Redis.
    assert wait_for(lambda: GitHubReference.objects.filter(synced_at__isnull=False).count() == 2), (
        "the worker did not sync both references within 60 s"
    )
    assert worker.poll() is None
    assert states()["DataDog/datadog-agent#13019"] == ("merged", "pull", "Reap zombie processes")
