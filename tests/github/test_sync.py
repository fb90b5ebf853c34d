"""GitHub references are refreshed by a Celery task that talks to GitHub's REST API (here a local fake)."""


import pytest

from incidents.actions.github import queue_github_sync
from incidents.models import GitHubReference, Incident
from incidents.api.serializers import IncidentSerializer
from tests.conftest import wait_for
from tests.github_fake import FakeGitHub

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
    queue_github_sync(GitHubReference.objects.all())
    assert states()["DataDog/datadog-agent#12997"][0] == "closed"
    assert GitHubReference.objects.get(number=1).sync_error.startswith("not found")


def test_task_is_a_no_op_for_a_deleted_reference(db, fake_github):
    from incidents.tasks import sync_github_reference

    assert sync_github_reference.delay(999999).get() == "gone"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_syncs_over_redis(fake_github, celery_worker):
    worker = celery_worker(GITHUB_API_URL=fake_github.url)
    save_document()
    # Nothing ran in this process: the worker process picks the tasks from Redis.
    assert wait_for(lambda: GitHubReference.objects.filter(synced_at__isnull=False).count() == 2), (
        "the worker did not sync both references within 60 s"
    )
    assert worker.poll() is None
    assert states()["DataDog/datadog-agent#13019"] == ("merged", "pull", "Reap zombie processes")
