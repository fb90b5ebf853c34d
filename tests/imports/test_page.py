"""The import page: editors upload, see a dry run, then import the files kept server-side; only the uploader
can confirm; every bad upload is a form error."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from incidents.models import Incident, PendingImport
from tests.factories import UserFactory

from .conftest import sre

pytestmark = pytest.mark.django_db

URL = "/incidents/import/"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def editor():
    return UserFactory(username="editor", role="editor")


def test_the_list_links_to_the_page_for_editors_only(editor):
    assert URL in client_for(editor).get("/incidents/").content.decode()
    assert URL not in client_for(UserFactory(role="viewer")).get("/incidents/").content.decode()
    assert client_for(UserFactory(role="viewer")).get(URL).status_code == 403
    assert Client().get(URL).status_code == 302  # to the sign-in page


def test_preview_then_import(editor, two_file_zip, sre_file):
    client = client_for(editor)
    assert client.get(URL).status_code == 200
    files = [SimpleUploadedFile("batch.zip", two_file_zip), SimpleUploadedFile("dns.md", sre_file)]
    response = client.post(URL, {"files": files, "status": "", "time_zone": "UTC"})
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

    response = client.post(confirm)
    page = response.content.decode()
    assert response.status_code == 200 and "2 imported, 0 updated, 0 unchanged, 1 failed." in page
    assert Incident.objects.count() == 2 and not PendingImport.objects.exists()
    for incident in Incident.objects.all():
        assert f'href="{incident.get_absolute_url()}"' in page
    assert client.post(confirm).status_code == 404  # once only


def test_nothing_to_import_keeps_nothing(editor, sre_file):
    client = client_for(editor)
    client.post(URL, {"files": [SimpleUploadedFile("dns.md", sre_file)]})
    client.post(reverse("incident-import-confirm", args=[PendingImport.objects.get().pk]))
    response = client.post(URL, {"files": [SimpleUploadedFile("dns.md", sre_file)]})
    assert "Nothing to import" in response.content.decode() and not PendingImport.objects.exists()


def test_someone_else_cannot_confirm_a_pending_import(editor, sre_file):
    client_for(editor).post(URL, {"files": [SimpleUploadedFile("dns.md", sre_file)]})
    pending = PendingImport.objects.get()
    other = client_for(UserFactory(username="other", role="editor"))
    assert other.post(reverse("incident-import-confirm", args=[pending.pk])).status_code == 404
    assert client_for(UserFactory(role="viewer")).post(reverse("incident-import-confirm", args=[pending.pk])).status_code == 403
    assert PendingImport.objects.exists() and not Incident.objects.exists()


def test_old_pending_imports_are_deleted_when_a_new_one_is_made(editor, sre_file):
    client = client_for(editor)
    client.post(URL, {"files": [SimpleUploadedFile("dns.md", sre_file)]})
    old = PendingImport.objects.get()
    PendingImport.objects.filter(pk=old.pk).update(created_at=old.created_at - PendingImport.KEEP * 2)
    client.post(URL, {"files": [SimpleUploadedFile("dns.md", sre_file)]})
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
def test_bad_uploads_are_form_errors(editor, files, data, message):
    response = client_for(editor).post(URL, {"files": files, **data})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="errorlist"' in page and message in page
    assert not PendingImport.objects.exists() and not Incident.objects.exists()


def test_an_editor_gets_a_draft_and_a_warning_for_a_published_write_up(editor):
    client = client_for(editor)
    client.post(URL, {"files": [SimpleUploadedFile("dns.md", sre("published"))]})
    response = client.post(reverse("incident-import-confirm", args=[PendingImport.objects.get().pk]))
    assert "not applied" in response.content.decode()
    assert Incident.objects.get().status == "draft"


def test_too_many_files_or_a_body_over_the_upload_limit_is_refused_not_a_500(editor, settings):
    client = client_for(editor)
    many = [SimpleUploadedFile(f"{n}.md", b"# x\n") for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    assert client.post(URL, {"files": many}).status_code == 400
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE, settings.POSTMORTEM_MAX_UPLOAD_BYTES = 1024, 4096
    assert client.post(URL, {"files": [SimpleUploadedFile("small.md", b"x" * 2000)]}).status_code == 200
    assert client.post(URL, {"files": [SimpleUploadedFile("big.md", b"x" * 5000)]}).status_code == 413
    assert not PendingImport.objects.exists()
