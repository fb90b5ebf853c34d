"""The broker goes away: every save still answers 201/200, nothing is lost, the search index keeps up
(it follows the change log, not the broker), a draft never shows to a viewer, and once the broker is
back beat (the sweep and the GitHub drain) syncs the references whose sync is due. A real worker with beat
runs over the test's own redis-server, which the test stops and starts."""

import pytest
from rest_framework.test import APIClient

from incidents import search
from incidents.models import GitHubReference, Incident
from tests.conftest import wait_for
from tests.factories import UserFactory
from tests.github_fake import FakeGitHub


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_saves_during_a_broker_outage_answer_success_and_nothing_is_lost(celery_worker, private_redis, settings, caplog):
    with FakeGitHub() as github:
        for number in range(1, 11):
            github.add("example", "infra", number, f"Upstream bug {number}")
        settings.GITHUB_SYNC, settings.GITHUB_API_URL = True, github.url
        worker = celery_worker(broker_url=private_redis.url, beat=True, GITHUB_SYNC="1", GITHUB_API_URL=github.url,
                               HOUSEKEEPING_SECONDS="2", SEARCH_FOLLOWER="0")
        editor, viewer = UserFactory(role="admin"), UserFactory(role="viewer")  # admin: publishes without a review
        second = UserFactory(role="editor")  # reviews what the admin takes back (a step needs a reviewer)
        api = APIClient()
        api.force_authenticate(editor)
        published = api.post("/api/v1/incidents/", {"title": "停電前に公開した障害", "status": "published"},
                             format="json").json()
        private_redis.stop()

        answers = []
        for number in range(1, 11):
            response = api.post("/api/v1/incidents/", {
                "title": f"ブローカー停止中の保存 {number}",
                "links": [{"url": f"example/infra#{number}", "relation": "cause"}],
            }, format="json")
            answers.append(response.status_code)
        unpublished = api.patch(f"/api/v1/incidents/{published['id']}/",  # back to review (never straight to draft)
                                {"status": "in_review", "reviewers": [second.username]}, format="json")
        assert answers == [201] * 10 and unpublished.status_code == 200
        assert "could not queue incidents.tasks.drain_github" in caplog.text
        assert Incident.objects.filter(title__startswith="ブローカー停止中の保存").count() == 10
        assert search.search("ブローカー停止中", editor).count == 10  # the index did not wait for the broker
        assert search.search("公開した障害", viewer).count == 0  # back in review: hidden at once
        assert GitHubReference.objects.filter(synced_at__isnull=True).count() == 10

        private_redis.start()
        assert wait_for(lambda: not GitHubReference.objects.filter(synced_at__isnull=True).exists(), 60), \
            "the sweep did not queue the refreshes the outage dropped"
        assert set(GitHubReference.objects.values_list("title", flat=True)) == {f"Upstream bug {n}" for n in range(1, 11)}
        # The refreshed titles are searchable too (logged as changes by the worker, applied in-process).
        assert wait_for(lambda: search.search('"Upstream bug 7"', editor).count == 1, 30)
        assert worker.poll() is None
