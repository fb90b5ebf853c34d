"""Attachments in the revision history (#28): adding, renaming, re-describing and deleting one is a revision
that lists "attachments" among what changed, with each attachment's name, alt text, type and size (never its
bytes); the history page shows them by name; restoring an old revision leaves the attachments as they are."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from incidents.models import Attachment, IncidentRevision, record_revision
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def png():
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def upload(api, incident, data, name, alt=""):
    return api.post(f"/api/v1/incidents/{incident.pk}/attachments/",
                    {"file": SimpleUploadedFile(name, data), "alt": alt}, format="multipart").json()


def written(**fields):
    incident = IncidentFactory(status="published", **fields)
    record_revision(incident, source="api")  # its creation
    return incident


def latest(incident):
    return IncidentRevision.objects.of(incident).first()


def test_each_attachment_change_is_a_revision_listing_attachments(editor_api, editor_client):
    incident = written()
    added = upload(editor_api, incident, png(), "graph.png", alt="p99")
    revision = latest(incident)
    assert (revision.changed, revision.source) == (["attachments"], "api")
    assert revision.document()["attachments"] == [
        {"id": added["id"], "name": "graph.png", "alt": "p99", "content_type": "image/png", "size": added["size"]}]
    detail = f"/api/v1/incidents/{incident.pk}/attachments/{added['id']}/"
    editor_api.patch(detail, {"name": "latency.png"}, format="json")
    assert latest(incident).changed == ["attachments"]
    editor_api.patch(detail, {"alt": "p99 の急上昇"}, format="json")
    assert latest(incident).changed == ["attachments"]
    answer = editor_api.get(f"/api/v1/incidents/{incident.pk}/revisions/{latest(incident).number}/").json()
    assert answer["diff"]["attachments"]["to"][0]["alt"] == "p99 の急上昇" and "bytes" not in str(answer["document"])
    page = editor_client.get(f"/incidents/{incident.reference}/history/").content.decode()
    assert "<dt>Attachments</dt>" in page and "<ins>latency.png (p99 の急上昇)</ins>" in page
    editor_api.delete(detail)
    assert (latest(incident).changed, latest(incident).document()["attachments"]) == (["attachments"], [])


def test_restoring_an_old_revision_leaves_the_attachments_alone(editor_api):
    incident = written(summary="first")
    first = upload(editor_api, incident, png(), "first.png")
    number = latest(incident).number  # the revision that had first.png
    second = upload(editor_api, incident, b"worker 7 exited\n", "worker.log")
    editor_api.delete(f"/api/v1/incidents/{incident.pk}/attachments/{first['id']}/")
    incident.refresh_from_db()
    response = editor_api.post(f"/api/v1/incidents/{incident.pk}/revisions/{number}/restore/",
                               {"version": incident.version}, format="json")
    assert response.status_code == 200, response.content
    assert list(Attachment.objects.filter(incident=incident).values_list("pk", flat=True)) == [second["id"]]
    restored = latest(incident)
    assert restored.source == "restore" and "attachments" not in restored.changed
    assert [item["name"] for item in restored.document()["attachments"]] == ["worker.log"]
