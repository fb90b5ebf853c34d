"""`/healthz` tells the truth across a prune of the change log (issue #24): in `manage.py serve` the gunicorn
workers never write the index (SEARCH_FOLLOWER=0); the follower process prunes changes every index has
passed. A worker that kept its own copy of the index's cursor from its first request took the prune for
"changes it has not applied were pruned from the log" and answered 503 while search worked. Workers read
the cursor the follower stores with the index, so every answer stays 200."""

import os
import pytest
from rest_framework.authtoken.models import Token

from incidents.models import IndexChange, IndexCursor
from incidents.models.changes import PRUNED
from tests.conftest import _database_url_for_worker, wait_for
from tests.factories import UserFactory
from tests.processes.test_serve import PRODUCTION, Node, call


@pytest.mark.django_db(transaction=True)
def test_every_worker_answers_200_after_the_follower_prunes_the_log(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "CELERY_BROKER_URL"}  # tasks in-process
    env.update(PRODUCTION, DATABASE_URL=_database_url_for_worker(), WEB_CONCURRENCY="3", GITHUB_SYNC="0",
               SEARCH_POLL_SECONDS="1", SEARCH_REPAIR_SECONDS="1")
    editor = Token.objects.create(user=UserFactory(username="lead", role="admin")).key
    # /healthz and the API need no static files: skip collectstatic (slow) by "copying" an empty set
    (tmp_path / "none").mkdir()
    node = Node("node", tmp_path, env).start(static_from=tmp_path / "none")
    try:
        assert wait_for(node.healthy, 90), "the node did not become healthy"
        for _ in range(15):  # every worker has answered at least once (and read the index's cursor then)
            assert call(f"{node.url}/healthz")[0] == 200
        for n in range(6):
            status, created, _ = call(f"{node.url}/api/v1/incidents/", editor, "POST",
                                      {"title": f"pruned later {n}", "status": "published"})
            assert status == 201, created
        last = IndexChange.objects.order_by("pk").last().pk

        def pruned():
            row = IndexCursor.objects.filter(name=PRUNED).first()
            return row is not None and row.position >= last and not IndexChange.objects.exists()

        assert wait_for(pruned, 60), "the follower did not prune the log"  # polls every second; slow on a loaded machine
        answers = [call(f"{node.url}/healthz") for _ in range(30)]
        assert [status for status, _body, _headers in answers] == [200] * 30, \
            [body["search_index"] for status, body, _headers in answers if status != 200][:1]
        body = answers[-1][1]
        assert body["status"] == "ok" and body["search_index"]["position"] >= last
        assert body["search_index"]["behind"] == 0 and "error" not in body["search_index"]
        status, results, _ = call(f"{node.url}/api/v1/search/?q=pruned", editor)
        assert status == 200 and results["count"] == 6, results
    finally:
        node.stop()
