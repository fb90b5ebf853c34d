"""The import page: editors upload, see a dry run, then import the files kept server-side; only the uploader
can confirm; every bad upload is a form error."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from incidents.models import Incident, PendingImport
from tests.imports.helpers import sre, two_files

pytestmark = pytest.mark.django_db

URL = "/incidents/import/"


def test_the_list_links_to_the_page_for_editors_only(editor_client, viewer_client, client):
    assert URL in editor_client.get("/incidents/").content.decode()
    assert URL not in viewer_client.get("/incidents/").content.decode()
    assert viewer_client.get(URL).status_code == 403
    assert client.get(URL).status_code == 302  # to the sign-in page


def test_preview_then_import(editor, editor_client):
    assert editor_client.get(URL).status_code == 200
    files = [SimpleUploadedFile("batch.zip", two_files()), SimpleUploadedFile("dns.md", sre())]
    response = editor_client.post(URL, {"files": files, "status": "", "time_zone": "UTC"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Dry run: 2 imported, 0 updated, 0 unchanged, 1 failed; nothing was written." in page
    assert "batch.zip/broken.md: line 3:" in page and "would be imported" in page
    assert Incident.objects.count() == 0
    pending = PendingImport.objects.get()
    assert pending.user == editor and [name for name, _ in pending.contents()] == [
        "batch.zip/broken.md", "batch.zip/good.md", "dns.md"]
    confirm = reverse("incident-import-confirm", args=[pending.pk])
    assert f'action="{confirm}"' in page

    response = editor_client.post(confirm)
    page = response.content.decode()
    assert response.status_code == 200 and "2 imported, 0 updated, 0 unchanged, 1 failed." in page
    assert Incident.objects.count() == 2 and not PendingImport.objects.exists()
    for incident in Incident.objects.all():
        assert f'href="{incident.get_absolute_url()}"' in page
    assert editor_client.post(confirm).status_code == 404  # once only


def test_nothing_to_import_keeps_nothing(editor_client):
    editor_client.post(URL, {"files": [SimpleUploadedFile("dns.md", sre())]})
    editor_client.post(reverse("incident-import-confirm", args=[PendingImport.objects.get().pk]))
    response = editor_client.post(URL, {"files": [SimpleUploadedFile("dns.md", sre())]})
    assert "Nothing to import" in response.content.decode() and not PendingImport.objects.exists()


def test_someone_else_cannot_confirm_a_pending_import(editor_client, viewer_client, user, client_as):
    editor_client.post(URL, {"files": [SimpleUploadedFile("dns.md", sre())]})
    pending = PendingImport.objects.get()
    other = client_as(user("editor", username="other"))
    assert other.post(reverse("incident-import-confirm", args=[pending.pk])).status_code == 404
    assert viewer_client.post(reverse("incident-import-confirm", args=[pending.pk])).status_code == 403
    assert PendingImport.objects.exists() and not Incident.objects.exists()


def test_old_pending_imports_are_deleted_when_a_new_one_is_made(editor_client):
    editor_client.post(URL, {"files": [SimpleUploadedFile("dns.md", sre())]})
    old = PendingImport.objects.get()
    PendingImport.objects.filter(pk=old.pk).update(created_at=old.created_at - PendingImport.KEEP * 2)
    editor_client.post(URL, {"files": [SimpleUploadedFile("dns.md", sre())]})
    assert list(PendingImport.objects.values_list("pk", flat=True)) != [old.pk]
    assert PendingImport.objects.count() == 1


@pytest.mark.parametrize("files, data, message", [
    ([SimpleUploadedFile("notes.txt", b"# hello")], {}, "notes.txt: only .md, .markdown and .zip files can be imported."),
    ([SimpleUploadedFile("batch.zip", b"not a zip")], {}, "batch.zip: not a readable zip file"),
    ([SimpleUploadedFile("huge.md", b"x" * (2 * 1024 * 1024 + 1))], {}, "huge.md: larger than 2 MB"),
    ([], {}, "Choose at least one file."),
    ([SimpleUploadedFile("dns.md", sre())], {"time_zone": "Mars/Olympus"}, "is not a known time zone"),
    ([SimpleUploadedFile("dns.md", sre())], {"status": "closed"}, "Select a valid choice."),
])
def test_bad_uploads_are_form_errors(files, data, message, editor_client):
    response = editor_client.post(URL, {"files": files, **data})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="errorlist"' in page and message in page
    assert not PendingImport.objects.exists() and not Incident.objects.exists()


def test_an_editor_gets_a_draft_and_a_warning_for_a_published_write_up(editor_client):
    editor_client.post(URL, {"files": [SimpleUploadedFile("dns.md", sre("published"))]})
    response = editor_client.post(reverse("incident-import-confirm", args=[PendingImport.objects.get().pk]))
    assert "not applied" in response.content.decode()
    assert Incident.objects.get().status == "draft"


def test_too_many_files_or_a_body_over_the_upload_limit_is_refused_not_a_500(settings, editor_client):
    many = [SimpleUploadedFile(f"{n}.md", b"# x\n") for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    assert editor_client.post(URL, {"files": many}).status_code == 400
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE, settings.POSTMORTEM_MAX_UPLOAD_BYTES = 1024, 4096
    assert editor_client.post(URL, {"files": [SimpleUploadedFile("small.md", b"x" * 2000)]}).status_code == 200
    assert editor_client.post(URL, {"files": [SimpleUploadedFile("big.md", b"x" * 5000)]}).status_code == 413
    assert not PendingImport.objects.exists()


def test_a_bundle_keeps_its_files_from_the_preview_to_the_import(editor, editor_client, editor_api):
    from incidents.actions.attachments import add_attachment
    from tests.factories import IncidentFactory

    incident = IncidentFactory(title="Worker fork storm")
    log = add_attachment(incident, b"worker 7 exited\n", name="worker.log", by=editor, alt="the log")
    incident.summary = f"See [the log](attachment:{log.pk})."
    incident.save()
    bundle = editor_api.get(f"/api/v1/incidents/{incident.pk}/export/?format=zip").content
    incident.delete()
    page = editor_client.post(URL, {"files": [SimpleUploadedFile("b.zip", bundle)]}).content.decode()
    assert "Dry run: 1 imported" in page
    page = editor_client.post(reverse("incident-import-confirm", args=[PendingImport.objects.get().pk])).content.decode()
    assert "1 imported, 0 updated, 0 unchanged, 0 failed." in page
    imported = Incident.objects.get()
    [attachment] = imported.attachments.all()
    assert (attachment.name, attachment.alt, attachment.file.read()) == ("worker.log", "the log", b"worker 7 exited\n")
    assert imported.summary == f"See [the log](attachment:{attachment.pk})."
