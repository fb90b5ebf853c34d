"""Concurrent writers queue or get 409, never 500: 20 threads at once, each with its own connection, on
whichever database the suite runs on (PostgreSQL in CI, then SQLite, the embedded default)."""

import threading

import pytest
from django.db import connections

from incidents import search
from incidents.models import GitHubReference, Incident, Service, Tag
from tests.factories import IncidentFactory

WRITERS = 20


def at_once(count, request):
    """Run ``request(n)`` in ``count`` threads released together; the status codes, in order."""
    barrier, codes = threading.Barrier(count), [None] * count

    def run(n):
        try:
            barrier.wait()
            codes[n] = request(n)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return codes


@pytest.mark.django_db(transaction=True)
def test_creates_naming_the_same_new_labels_all_succeed(editor, api_as):
    api_as(editor)  # its token is made once, before the threads read it
    codes = at_once(WRITERS, lambda n: api_as(editor).post("/api/v1/incidents/", {
        "title": f"同時作成 {n}", "tags": ["Brand-New-Tag"], "services": ["new-service"],
        "links": [{"url": "example/infra#42"}], "action_items": [{"title": "fix", "url": "example/infra#42"}],
    }, format="json").status_code)
    assert codes == [201] * WRITERS
    assert Incident.objects.count() == WRITERS
    assert list(Tag.objects.values_list("name", flat=True)) == ["brand-new-tag"]
    assert list(Service.objects.values_list("name", flat=True)) == ["new-service"]
    assert GitHubReference.objects.count() == 1
    assert search.search("tag:brand-new-tag", editor).count == WRITERS


@pytest.mark.django_db(transaction=True)
def test_edits_of_many_incidents_at_once_all_succeed(editor, api_as):
    api_as(editor)  # its token is made once, before the threads read it
    incidents = [IncidentFactory(title=f"before {n}") for n in range(WRITERS)]
    codes = at_once(WRITERS, lambda n: api_as(editor).patch(
        f"/api/v1/incidents/{incidents[n].pk}/", {"summary": f"edited {n}", "tags": ["edited"]}, format="json").status_code)
    assert codes == [200] * WRITERS
    assert sorted(Incident.objects.values_list("summary", flat=True)) == sorted(f"edited {n}" for n in range(WRITERS))


@pytest.mark.django_db(transaction=True)
def test_edits_of_one_incident_at_once_succeed_or_conflict(editor, api_as):
    api_as(editor)  # its token is made once, before the threads read it
    incident = IncidentFactory(title="one")
    version = incident.version
    codes = at_once(WRITERS, lambda n: api_as(editor).patch(
        f"/api/v1/incidents/{incident.pk}/", {"summary": f"writer {n}", "version": version}, format="json").status_code)
    assert sorted(set(codes)) == [200, 409] and codes.count(200) == 1, codes
    blind = at_once(WRITERS, lambda n: api_as(editor).patch(
        f"/api/v1/incidents/{incident.pk}/", {"summary": f"blind {n}"}, format="json").status_code)
    assert blind == [200] * WRITERS  # without a version, writes queue and the last one wins
    incident.refresh_from_db()
    assert incident.version == version + 1 + WRITERS
