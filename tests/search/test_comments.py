"""Comments are searchable as part of their incident, on both engines: a word only in a comment finds the
incident (through the API and the page), an edit or a delete takes the old word out, drafts stay hidden
from viewers, and a rebuild and check hold comments too."""

import pytest
from rest_framework.test import APIClient

from incidents import search
from incidents.models import Comment
from incidents.search import documents
from tests.factories import IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def refs(results):
    return [hit.reference for hit in results.hits]


def test_a_word_only_in_a_comment_finds_the_incident_until_the_comment_goes(engine, committed, viewer):
    with committed():
        incident = IncidentFactory(title="Load balancer misconfigured", status="published")
        IncidentFactory(title="Unrelated", status="published")
    assert search.search("zookeeper", viewer).count == 0
    api = APIClient()
    api.force_authenticate(viewer)
    with committed():
        comment = api.post(f"/api/v1/incidents/{incident.pk}/comments/",
                           {"body": "Same as the **zookeeper** quorum loss; ログローテーション も確認"}, format="json").json()
    assert refs(search.search("zookeeper", viewer)) == [incident.reference]
    assert refs(search.search("ログローテーション", viewer)) == [incident.reference]
    assert api.get("/api/v1/search/", {"q": "zookeeper"}).json()["results"][0]["reference"] == incident.reference

    with committed():
        assert api.patch(f"/api/v1/incidents/{incident.pk}/comments/{comment['id']}/",
                         {"body": "etcd, not that"}, format="json").status_code == 200
    assert search.search("zookeeper", viewer).count == 0
    assert refs(search.search("etcd", viewer)) == [incident.reference]

    with committed():
        assert api.delete(f"/api/v1/incidents/{incident.pk}/comments/{comment['id']}/").status_code == 204
    assert search.search("etcd", viewer).count == 0
    assert refs(search.search("balancer", viewer)) == [incident.reference]  # the incident itself stays


def test_posting_and_deleting_on_the_page_update_the_search(engine, committed, client, editor, viewer):
    client.force_login(editor)
    with committed():
        incident = IncidentFactory(title="Disk full", status="draft")
    with committed():
        client.post(f"/incidents/{incident.reference}/comments/", {"body": "check the `fluentd` buffer"})
    assert refs(search.search("fluentd", editor)) == [incident.reference]
    page = client.get("/incidents/", {"q": "fluentd"}).content.decode()
    assert incident.title in page
    assert search.search("fluentd", viewer).count == 0  # a draft's comments stay as hidden as the draft
    with committed():
        client.post(f"/incidents/{incident.reference}/comments/{Comment.objects.get().pk}/delete/")
    assert search.search("fluentd", editor).count == 0


def test_rebuild_and_check_include_comments(engine, committed, editor):
    incident = IncidentFactory(title="Cache stampede", status="published")
    Comment.objects.create(incident=incident, author=editor, body="memcached の **thundering herd**")
    search.rebuild()
    assert refs(search.search("thundering", editor)) == [incident.reference]
    assert search.check() == ([], [], [])
    Comment.objects.filter(incident=incident).update(body="changed behind the index's back")
    assert search.check()[1] == [incident.pk]


def test_the_document_holds_comments_as_plain_text_and_their_link_urls():
    author = UserFactory(username="someone", role="viewer")
    incident = IncidentFactory(title="t")
    Comment.objects.create(incident=incident, author=author, body="See **[the runbook](https://wiki.example.com/rb)**")
    document = documents.document_for(documents.incidents_for_index().get(pk=incident.pk))
    assert "See the runbook" in document["body"] and "**" not in document["body"]
    assert "https://wiki.example.com/rb" in document["body"]
    assert documents.FORMAT >= 3  # raised to 3 when comments joined the body (an older index is rebuilt)
