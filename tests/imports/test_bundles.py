"""Zip bundles read back (#28): an exported bundle imported through the API or the command gives an incident
with the same write-up and files (names, alt texts, bytes), its references rewritten to the new attachments;
importing it again changes nothing; a refused file fails its write-up, naming the file, and stores nothing."""

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from incidents.actions.attachments import add_attachment
from incidents.models import Attachment, Incident, IncidentRevision
from tests.factories import IncidentFactory, LessonFactory

pytestmark = pytest.mark.django_db
LOG = "fork: Resource temporarily unavailable\nworker 7 exited\n".encode()


def png():
    out = io.BytesIO()
    Image.new("RGB", (1200, 300), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def illustrated(editor):
    incident = IncidentFactory(title="Worker fork storm", status="draft")
    graph = add_attachment(incident, png(), name="spike (p99).png", by=editor, alt="p99 の急上昇")
    log = add_attachment(incident, LOG, name="worker.log", by=editor, alt="ワーカーのログ")
    incident.summary = f'The graph:\n\n![p99 が跳ねた](attachment:{graph.pk} "p99")\n\nThe [log](attachment:{log.pk}).'
    incident.save()
    LessonFactory(incident=incident, kind="went_wrong", text=f"See ![the graph](attachment:{graph.pk}).")
    return incident


def bundle_of(api, incident):
    response = api.get(f"/api/v1/incidents/{incident.pk}/export/?format=zip")
    assert response.status_code == 200
    return response.content


def contents(bundle):
    """(Markdown with its ids normalized, {file name less its id: bytes}) of a bundle. "Identical" is: the same
    text once the incident's reference (INC-n) and each attachment's id (in attachments/<id>-…) are replaced by
    placeholders, the same files by name with the same bytes; names and alt texts are in the text's front matter."""
    archive = zipfile.ZipFile(io.BytesIO(bundle))
    [markdown] = [name for name in archive.namelist() if name.endswith(".md")]
    text = re.sub(r"\bINC-\d+\b", "INC-#", archive.read(markdown).decode())
    text = re.sub(r"attachments/\d+-", "attachments/#-", text)
    files = {re.sub(r"^attachments/\d+-", "", name): archive.read(name) for name in archive.namelist() if name != markdown}
    return text, files


def test_a_bundle_round_trip_is_identical_but_for_the_ids(illustrated, editor_api):
    first = bundle_of(editor_api, illustrated)
    old_ids = set(illustrated.attachments.values_list("pk", flat=True))
    illustrated.delete()
    response = editor_api.post("/api/v1/imports/", {"file": SimpleUploadedFile("INC-1.zip", first)}, format="multipart")
    body = response.json()
    assert body["counts"]["imported"] == 1, body
    imported = Incident.objects.by_reference(body["files"][0]["reference"])
    attachments = list(imported.attachments.all())
    assert [(a.name, a.alt, a.content_type) for a in attachments] == [
        ("spike (p99).png", "p99 の急上昇", "image/png"), ("worker.log", "ワーカーのログ", "text/plain")]
    assert not old_ids & {a.pk for a in attachments}  # new rows, new ids
    graph, log = attachments
    assert imported.summary == f'The graph:\n\n![p99 が跳ねた](attachment:{graph.pk} "p99")\n\nThe [log](attachment:{log.pk}).'
    assert imported.lessons.get().text == f"See ![the graph](attachment:{graph.pk})."
    second = bundle_of(editor_api, imported)
    assert contents(second) == contents(first)
    text = zipfile.ZipFile(io.BytesIO(second)).read(f"{imported.reference}.md").decode()
    assert f'![p99 が跳ねた](attachments/{graph.pk}-spike%20%28p99%29.png "p99")' in text
    assert IncidentRevision.objects.of(imported).first().changed[-1] == "attachments"


def test_importing_the_same_bundle_again_changes_nothing(illustrated, editor_api):
    bundle = bundle_of(editor_api, illustrated)
    before = list(illustrated.attachments.values_list("pk", "sha256"))
    body = editor_api.post("/api/v1/imports/", {"file": SimpleUploadedFile("b.zip", bundle)}, format="multipart").json()
    assert body["counts"]["unchanged"] == 1, body
    assert list(illustrated.attachments.values_list("pk", "sha256")) == before


def test_a_refused_file_fails_its_write_up_naming_it_and_stores_nothing(illustrated, editor_api, attachment_dir):
    bundle = bundle_of(editor_api, illustrated)
    graph, reference = illustrated.attachments.first(), illustrated.reference
    illustrated.delete()
    Attachment.forget_stored([name for a in Attachment.objects.all() for name in a.stored_names])
    stored_before = sorted(p for p in attachment_dir.rglob("*") if p.is_file())
    tampered = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bundle)) as source, zipfile.ZipFile(tampered, "w") as out:
        for name in source.namelist():
            out.writestr(name, b"<!doctype html><script>alert(1)</script>" if name.endswith(".png") else source.read(name))
    body = editor_api.post("/api/v1/imports/", {"file": SimpleUploadedFile("b.zip", tampered.getvalue())},
                           format="multipart").json()
    [file] = body["files"]
    assert file["outcome"] == "failed" and file["problems"] == [
        f"b.zip/{reference}.md: attachments/{graph.pk}-spike (p99).png: HTML and SVG files are not "
        "accepted (they could run script); attach a screenshot or a PDF."]
    assert Incident.objects.count() == 0 and Attachment.objects.count() == 0
    assert sorted(p for p in attachment_dir.rglob("*") if p.is_file()) == stored_before


def test_the_command_reads_a_bundle_and_an_unpacked_one(illustrated, editor_api, tmp_path):
    bundle = bundle_of(editor_api, illustrated)
    reference = illustrated.reference
    illustrated.delete()
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle)
    call_command("import_postmortems", str(path), stdout=io.StringIO())
    incident = Incident.objects.get(title="Worker fork storm")
    assert [a.name for a in incident.attachments.all()] == ["spike (p99).png", "worker.log"]
    assert incident.attachments.get(name="worker.log").uploaded_by is None  # the command: an automatic change
    incident.delete()
    folder = tmp_path / "unpacked"
    zipfile.ZipFile(path).extractall(folder)
    call_command("import_postmortems", str(folder / f"{reference}.md"), stdout=io.StringIO())
    again = Incident.objects.get(title="Worker fork storm")
    assert [(a.name, a.alt) for a in again.attachments.all()] == [("spike (p99).png", "p99 の急上昇"),
                                                                 ("worker.log", "ワーカーのログ")]
