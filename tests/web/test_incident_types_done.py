"""Issue #32's whole path through the entry points, on SQLite and PostgreSQL: an admin defines a ニアミス type with
two custom fields through the pages, an editor writes one through the form and another through the API; both show
in the list's facets, in search (``region:ap-northeast-1``, both engines), in the meeting pack, and a Markdown
export re-imports identically."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents import search
from incidents.models import Incident
from tests.factories import RetrospectiveFactory
from tests.web.test_incident_types import admin_client, near_miss, write_one  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_a_near_miss_type_from_the_pages_to_facets_search_pack_and_export(
        near_miss, editor, editor_client, api_as, engine, django_capture_on_commit_callbacks):  # noqa: F811
    by_form = write_one(editor_client)
    api = api_as(editor)
    answer = api.post("/api/v1/incidents/", {"title": "証明書の期限切れ寸前", "type": "near-miss", "status": "published",
                                             "fields": {"region": "ap-northeast-1", "affected_customers": 3}},
                      format="json")
    assert answer.status_code == 400  # an editor may not publish without a review: stored nothing
    answer = api.post("/api/v1/incidents/", {"title": "証明書の期限切れ寸前", "type": "near-miss",
                                             "fields": {"region": "ap-northeast-2"}}, format="json")
    assert answer.status_code == 400 and list(answer.json()["fields"]) == ["region"]
    answer = api.post("/api/v1/incidents/", {"title": "証明書の期限切れ寸前", "type": "near-miss",
                                             "summary": "証明書の**自動更新**が止まっていた",
                                             "fields": {"region": "ap-northeast-1", "affected_customers": 3}},
                      format="json")
    assert answer.status_code == 201, answer.json()
    assert (answer.json()["type"], answer.json()["fields"]) == ("near-miss", {"region": "ap-northeast-1",
                                                                              "affected_customers": 3})
    by_api = Incident.objects.get(pk=answer.json()["id"])

    listed = editor_client.get("/incidents/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "リージョン" in listed and "field=region%3Aap-northeast-1" in listed
    filtered = editor_client.get("/incidents/?field=region:ap-northeast-1").content.decode()
    assert by_form.reference in filtered and by_api.reference in filtered

    search.rebuild(procs=1)
    found = api.get("/api/v1/search/", {"q": "region:ap-northeast-1"}).json()
    assert sorted(hit["reference"] for hit in found["results"]) == sorted([by_form.reference, by_api.reference])

    meeting = RetrospectiveFactory()
    agenda = api.patch(f"/api/v1/retrospectives/{meeting.pk}/",
                       {"agenda": [{"incident": by_form.pk}, {"incident": by_api.pk}]}, format="json")
    assert agenda.status_code == 200, agenda.json()
    pack = api.get(f"/api/v1/retrospectives/{meeting.pk}/export/", {"format": "md"}).content.decode()
    assert pack.count("- Region: ap-northeast-1") == 2 and "- Affected customers: 12 社" in pack

    exported = api.get(f"/api/v1/incidents/{by_form.reference}/export/", {"format": "md"})
    assert exported.status_code == 200
    text = exported.content.decode()
    assert "type: near-miss" in text and "region: ap-northeast-1" in text
    before = {name: getattr(by_form, name) for name in ("title", "summary", "fields")}
    imported = api.post("/api/v1/imports/", {"file": SimpleUploadedFile("back.md", exported.content)},
                        format="multipart")
    assert imported.status_code == 200, imported.json()
    assert imported.json()["files"][0]["outcome"] == "unchanged", imported.json()
    again = Incident.objects.get(pk=by_form.pk)
    assert again.type.key == "near-miss" and {name: getattr(again, name) for name in before} == before
