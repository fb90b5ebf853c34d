"""Attachments through the API (issue #28): editors add files to an incident they may see, the type comes from
the bytes, images lose their metadata, the bytes are served only to those who may see the incident (a draft or
a restricted incident answers as a missing one), with nosniff, private caching and ETag; bad files are a 400
naming the problem, a file over the limit a 413; deleting an attachment deletes its stored file."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from PIL import Image

from incidents.models import Attachment
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def png(size=(64, 48), exif=False):
    out = io.BytesIO()
    extra = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SpyCam"
        extra["exif"] = data.tobytes()
    Image.new("RGB", size, (10, 120, 200)).save(out, format="PNG", **extra)
    return out.getvalue()


def upload(api, incident, data, name="graph.png", **fields):
    return api.post(f"/api/v1/incidents/{incident.pk}/attachments/",
                    {"file": SimpleUploadedFile(name, data, content_type="application/octet-stream"), **fields},
                    format="multipart")


@pytest.fixture
def published():
    return IncidentFactory(status="published")


def test_an_editor_attaches_a_screenshot_and_gets_its_markdown(editor_api, published, attachment_dir):
    answer = upload(editor_api, published, png(exif=True), name="spike.png", alt="p99 の急上昇")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert {key: body[key] for key in ("name", "content_type", "width", "height", "alt")} == {
        "name": "spike.png", "content_type": "image/png", "width": 64, "height": 48, "alt": "p99 の急上昇"}
    assert body["markdown"] == f"![p99 の急上昇](attachment:{body['id']})"
    assert body["url"] == f"http://testserver/incidents/{published.reference}/attachments/{body['id']}/spike.png"
    stored = Attachment.objects.get(pk=body["id"])
    assert b"SpyCam" not in stored.file.read() and (attachment_dir / stored.file.name).is_file()
    listed = editor_api.get(f"/api/v1/incidents/{published.pk}/attachments/").json()
    assert [item["id"] for item in listed] == [body["id"]]


def test_the_bytes_are_served_with_their_type_nosniff_and_etag(editor_api, viewer_client, published):
    body = upload(editor_api, published, png()).json()
    response = viewer_client.get(body["url"])
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff" and response["Cache-Control"].startswith("private")
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    again = viewer_client.get(body["url"], HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_a_text_file_downloads_as_text(editor_api, viewer_client, published):
    body = upload(editor_api, published, "fork: Resource temporarily unavailable\n".encode(), name="app.log").json()
    assert (body["content_type"], body["markdown"]) == ("text/plain", f"[app.log](attachment:{body['id']})")
    response = viewer_client.get(body["url"])
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")


def test_html_renamed_png_and_a_bomb_are_a_400_naming_the_problem(editor_api, published):
    answer = upload(editor_api, published, b"<!doctype html><script>alert(1)</script>", name="graph.png")
    assert answer.status_code == 400
    assert answer.json()["file"] == ["HTML and SVG files are not accepted (they could run script); attach a "
                                     "screenshot or a PDF."]
    bomb = upload(editor_api, published, png(size=(10_000, 5_000)))
    assert bomb.status_code == 400 and "50 megapixels" in bomb.json()["file"][0]
    assert not Attachment.objects.exists()


def test_a_file_over_the_limit_is_a_413(editor_api, published, settings):
    settings.POSTMORTEM_MAX_ATTACHMENT_BYTES = 2048
    answer = upload(editor_api, published, b"x" * 5000, name="big.log")
    assert answer.status_code == 413 and "the limit is 2048 bytes" in answer.json()["detail"]


def test_viewers_read_but_do_not_write_and_drafts_answer_as_missing(editor_api, viewer_api, published, viewer_client):
    body = upload(editor_api, published, png()).json()
    assert upload(viewer_api, published, png()).status_code == 403
    detail = f"/api/v1/incidents/{published.pk}/attachments/{body['id']}/"
    assert viewer_api.patch(detail, {"alt": "x"}, format="json").status_code == 403
    assert viewer_api.delete(detail).status_code == 403
    draft = IncidentFactory(status="draft")
    hidden = upload(editor_api, draft, png()).json()
    assert viewer_api.get(f"/api/v1/incidents/{draft.pk}/attachments/").status_code == 404
    assert viewer_client.get(hidden["url"]).status_code == 404
    assert viewer_client.get(hidden["url"].replace(f"/{hidden['id']}/", "/99999/")).status_code == 404


def test_a_restricted_incidents_files_answer_as_missing(editor_api, user, api_as, client_as):
    secret = IncidentFactory(status="published", visibility="restricted")
    body = upload(api_as(user("admin")), secret, png()).json()
    assert client_as(user("viewer", username="outsider")).get(body["url"]).status_code == 404
    assert upload(editor_api, secret, png()).status_code == 404  # an editor who is not a member


def test_alt_text_changes_and_deleting_removes_the_file(editor_api, published, attachment_dir):
    body = upload(editor_api, published, png()).json()
    detail = f"/api/v1/incidents/{published.pk}/attachments/{body['id']}/"
    changed = editor_api.patch(detail, {"alt": "DNS 応答時間のグラフ", "name": "dns.png"}, format="json").json()
    assert (changed["alt"], changed["name"]) == ("DNS 応答時間のグラフ", "dns.png")
    path = attachment_dir / Attachment.objects.get(pk=body["id"]).file.name
    assert path.is_file()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert editor_api.delete(detail).status_code == 204
    assert not path.exists() and not Attachment.objects.exists()


def test_a_comment_shows_the_incidents_attachment_and_not_another_incidents(editor_api, published):
    body = upload(editor_api, published, png(), alt="graph").json()
    other = IncidentFactory(status="published")
    foreign = upload(editor_api, other, png()).json()
    comment = editor_api.post(f"/api/v1/incidents/{published.pk}/comments/",
                              {"body": f"Same as ![graph](attachment:{body['id']}) and ![x](attachment:{foreign['id']})"},
                              format="json").json()
    html = comment["body_html"]
    assert f'href="/incidents/{published.reference}/attachments/{body["id"]}/graph.png"' in html
    assert f"attachment {foreign['id']} is missing" in html and other.reference not in html


def test_a_file_larger_than_other_requests_may_be_is_accepted_up_to_the_attachment_limit(editor_api, published, settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < 1_500_000 < settings.POSTMORTEM_MAX_ATTACHMENT_BYTES
    log = b"2024-03-01T10:00:00Z fork: Resource temporarily unavailable\n" * 25_000  # 1.5 MB
    answer = upload(editor_api, published, log, name="dmesg.log")
    assert answer.status_code == 201 and answer.json()["size"] == len(log)


def test_a_script_fetches_the_url_with_its_api_token(editor_api, viewer_api, published, client):
    body = upload(editor_api, published, png()).json()
    response = viewer_api.get(body["url"])
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"\x89PNG")
    signed_out = client.get(body["url"])
    assert signed_out.status_code == 302 and signed_out["Location"].startswith("/accounts/login/")
    bad = client.get(body["url"], HTTP_AUTHORIZATION="Token nope")
    assert bad.status_code == 302
