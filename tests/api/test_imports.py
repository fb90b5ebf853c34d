"""POST /api/v1/imports/: uploads of .md and .zip files, a per-file report, the review gate, roles and bad input."""

import base64
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from incidents.models import Incident
from tests.imports.helpers import sre, two_files, zipped

pytestmark = pytest.mark.django_db

URL = "/api/v1/imports/"


def upload(name, data):
    return SimpleUploadedFile(name, data)


def test_an_sre_write_up_is_imported_and_again_is_unchanged(editor_api):
    response = editor_api.post(URL, {"file": upload("dns.md", sre())}, format="multipart")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["dry_run"] is False and body["counts"] == {"imported": 1, "updated": 0, "unchanged": 0, "failed": 0}
    [file] = body["files"]
    assert (file["name"], file["outcome"], file["format"]) == ("dns.md", "imported", "sre")
    incident = Incident.objects.by_reference(file["reference"])
    assert (incident.title, incident.severity, incident.status) == ("DNS resolver outage", "sev2", "draft")
    again = editor_api.post(URL, {"file": upload("dns.md", sre())}, format="multipart").json()
    assert again["counts"]["unchanged"] == 1 and again["files"][0]["reference"] == file["reference"]
    assert Incident.objects.count() == 1


def test_a_zip_reports_each_file(editor_api):
    response = editor_api.post(URL, {"file": [upload("batch.zip", two_files()), upload("dns.markdown", sre())]},
                               format="multipart")
    assert response.status_code == 200
    files = {file["name"]: file for file in response.json()["files"]}
    assert response.json()["counts"] == {"imported": 2, "updated": 0, "unchanged": 0, "failed": 1}
    broken = files["batch.zip/broken.md"]
    assert broken["outcome"] == "failed" and broken["reference"] is None
    assert broken["problems"][0].startswith("batch.zip/broken.md: line 3:")
    assert files["batch.zip/good.md"]["outcome"] == "imported"
    assert files["dns.markdown"]["outcome"] == "imported"
    assert Incident.objects.count() == 2


def test_a_dry_run_writes_nothing(editor_api):
    response = editor_api.post(URL, {"file": upload("batch.zip", two_files()), "dry_run": "true"}, format="multipart")
    assert response.status_code == 200
    assert response.json()["dry_run"] is True and response.json()["counts"]["imported"] == 1
    assert Incident.objects.count() == 0
    imported = next(file for file in response.json()["files"] if file["outcome"] == "imported")
    assert imported["reference"] is None  # no reference for an incident that does not exist yet


def test_publishing_needs_a_review_so_an_editor_gets_a_draft_with_a_warning(editor_api):
    response = editor_api.post(URL, {"file": upload("dns.md", sre("published"))}, format="multipart")
    [file] = response.json()["files"]
    assert file["outcome"] == "imported"
    assert Incident.objects.by_reference(file["reference"]).status == "draft"
    assert any("“published” not applied" in warning for warning in file["warnings"])
    response = editor_api.post(URL, {"file": upload("other.md", sre().replace(b"DNS", b"NTP")), "status": "published"},
                               format="multipart")
    assert Incident.objects.by_reference(response.json()["files"][0]["reference"]).status == "draft"


def test_status_and_time_zone_options_for_an_admin_who_may_publish(user, api_as):
    text = sre().replace(b" UTC ", b" ")  # times without a zone
    response = api_as(user("admin")).post(URL, {"file": upload("dns.md", text), "status": "published",
                                                "time_zone": "Asia/Tokyo"}, format="multipart")
    incident = Incident.objects.by_reference(response.json()["files"][0]["reference"])
    assert incident.status == "published"
    assert incident.timeline.order_by("occurred_at").first().occurred_at.isoformat() == "2024-03-05T01:00:00+00:00"


@pytest.mark.parametrize("role, code", [(None, 401), ("viewer", 403)])
def test_only_editors_import(role, code, user, api_as):
    client = api_as(user(role)) if role else APIClient()
    assert client.post(URL, {"file": upload("dns.md", sre())}, format="multipart").status_code == code
    assert not Incident.objects.exists()


@pytest.mark.parametrize("data, field, message", [
    ({}, "file", "required"),
    ({"file": upload("notes.txt", b"# hello\n")}, "file", "notes.txt: only .md, .markdown and .zip"),
    ({"file": upload("batch.zip", b"PK\x03\x04 not really")}, "file", "batch.zip: not a readable zip file"),
    ({"file": upload("empty.zip", zipped({"readme.txt": "x"}))}, "file", "no .md or .markdown file"),
    ({"file": upload("huge.md", b"x" * (2 * 1024 * 1024 + 1))}, "file", "larger than 2 MB"),
    ({"file": upload("dns.md", sre()), "time_zone": "Mars/Olympus"}, "time_zone", "not a known time zone"),
    ({"file": upload("dns.md", sre()), "status": "closed"}, "status", "not a valid choice"),
])
def test_bad_uploads_are_400_naming_the_field(editor_api, data, field, message):
    response = editor_api.post(URL, data, format="multipart")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not Incident.objects.exists()


def test_json_is_not_an_upload(editor_api):
    response = editor_api.post(URL, {"file": "dns.md"}, format="json")
    assert (response.status_code, response.json()) == (415, {"detail": 'Unsupported media type "application/json" in request.'})


def test_a_zip_of_a_few_megabytes_is_accepted_but_not_more_than_the_upload_limit(editor_api, settings):
    # random text does not compress: three write-ups of almost 2 MB make a zip of over 4 MB
    members = {f"write-up-{n}.md": f"# Outage {n}\n\n## Summary\n\n" + base64.b64encode(os.urandom(1_400_000)).decode()
               for n in range(3)}
    data = zipped(members)
    assert len(data) > 4 * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = editor_api.post(URL, {"file": upload("many.zip", data), "dry_run": "1"}, format="multipart")
    assert response.status_code == 200 and response.json()["counts"]["imported"] == 3
    settings.POSTMORTEM_MAX_UPLOAD_BYTES = len(data) // 2
    assert editor_api.post(URL, {"file": upload("many.zip", data)}, format="multipart").status_code == 413
    # elsewhere the smaller limit stays
    assert editor_api.post("/api/v1/incidents/", {"title": "x" * len(data)}, format="json").status_code == 413


def test_the_schema_documents_every_answer():
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    operation = schema["paths"][URL]["post"]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "413"}
    assert set(operation["requestBody"]["content"]) == {"multipart/form-data"}


def test_too_many_files_is_400_and_huge_form_fields_413(editor_api, settings):
    many = [upload(f"{n}.md", b"# x\n") for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    response = editor_api.post(URL, {"file": many}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()
    response = editor_api.post(URL, {"file": upload("dns.md", sre()), "time_zone": "x" * (2 * 1024 * 1024)},
                               format="multipart")
    assert response.status_code == 413
    assert not Incident.objects.exists()
