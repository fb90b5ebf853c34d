"""Attachments are searchable as part of their incident, on both engines (#28): a word only in an image's alt
text, in a file's name or in a text file's content (a log) finds the incident; deleting the file takes its
words out; a draft's attachments stay as hidden as the draft."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from incidents import search
from incidents.models import Incident
from incidents.search import documents
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def png():
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def refs(results):
    return [hit.reference for hit in results.hits]


def upload(api, incident, data, name, alt=""):
    return api.post(f"/api/v1/incidents/{incident.pk}/attachments/",
                    {"file": SimpleUploadedFile(name, data), "alt": alt}, format="multipart").json()


def test_alt_text_names_and_log_content_find_the_incident(engine, committed, editor_api, viewer):
    with committed():
        incident = IncidentFactory(title="Load balancer misconfigured", status="published")
        IncidentFactory(title="Unrelated", status="published")
    assert search.search("memcached", viewer).count == 0
    with committed():
        upload(editor_api, incident, png(), "graph.png", alt="memcached の退避グラフ")
        log = upload(editor_api, incident, "ERROR oomkiller reaped haproxy-7\n".encode(), "haproxy-crash.log")
    assert refs(search.search("memcached", viewer)) == [incident.reference]
    assert refs(search.search("oomkiller", viewer)) == [incident.reference]  # only in the log file's text
    assert refs(search.search("退避グラフ", viewer)) == [incident.reference]
    with committed():
        editor_api.delete(f"/api/v1/incidents/{incident.pk}/attachments/{log['id']}/")
    assert search.search("oomkiller", viewer).count == 0
    assert documents.FORMAT >= 6  # raised when attachments joined the body (an older index is rebuilt)


def test_a_drafts_attachments_stay_hidden(engine, committed, editor_api, viewer, editor):
    with committed():
        draft = IncidentFactory(title="Disk full", status="draft")
    with committed():
        upload(editor_api, draft, b"fluentbit buffer overflow\n", "fluent.log")
    assert refs(search.search("fluentbit", editor)) == [draft.reference]
    assert search.search("fluentbit", viewer).count == 0


def test_a_reference_to_an_attachment_is_not_indexed_as_text(editor_api):
    incident = IncidentFactory(status="published")
    body = upload(editor_api, incident, png(), "graph.png", alt="p99 latency")
    incident.analysis = f"See ![p99 latency]({body['markdown'].split('(')[1]}"
    incident.save()
    document = documents.document_for(Incident.objects.for_document().prefetch_related("attachments").get(pk=incident.pk))
    assert "attachment:" not in document["body"] and "p99 latency" in document["body"]
