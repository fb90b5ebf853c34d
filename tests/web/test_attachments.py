"""Attachments on the pages (issue #28): files added without JavaScript from the edit page (a refused one is a
form error naming it, the others are kept), images shown in the incident's text at a limited width linking to
the full size, files as download links, the Attachments section, deleting, who may do what, and a reference to
a missing attachment shown as the text written with a note (in English and Japanese)."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from PIL import Image

from incidents.actions.attachments import add_attachment
from incidents.models import Attachment
from tests.factories import IncidentFactory, LessonFactory, TimelineEventFactory
from tests.web.test_incidents_edit import page_data

pytestmark = pytest.mark.django_db

HTML_REFUSED = "HTML and SVG files are not accepted (they could run script); attach a screenshot or a PDF."


def png(size=(64, 48)):
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture
def incident():
    return IncidentFactory(status="published", title="DNS outage")


def add_url(incident):
    return f"/incidents/{incident.reference}/attachments/"


def test_the_edit_page_adds_a_file_without_javascript_and_the_incident_page_shows_it(editor_client, editor, incident):
    edit = editor_client.get(f"/incidents/{incident.reference}/edit/").content.decode()
    assert f'action="{add_url(incident)}" enctype="multipart/form-data"' in edit
    assert f'data-attach-url="/api/v1/incidents/{incident.pk}/attachments/"' in edit
    assert 'src="/static/js/attachments.js"' in edit and "<script>" not in edit

    response = editor_client.post(add_url(incident), {"files": [upload("p99 spike.png", png((1200, 600)))], "alt": ""})
    assert response.status_code == 302 and response["Location"] == f"/incidents/{incident.reference}/edit/#attachments"
    attachment = Attachment.objects.get()
    assert (attachment.name, attachment.alt, attachment.width) == ("p99 spike.png", "p99 spike", 1200)
    edit = editor_client.get(response["Location"]).content.decode()
    assert f"Added p99 spike.png: write ![p99 spike](attachment:{attachment.pk}) where it belongs." in edit
    assert f'<code class="attachment-markdown" title="Markdown">![p99 spike](attachment:{attachment.pk})</code>' in edit

    incident.summary = f"The graph:\n\n![p99 spike](attachment:{attachment.pk})"
    incident.save()
    TimelineEventFactory(incident=incident, description=f"[the graph](attachment:{attachment.pk})")
    page = editor_client.get(f"/incidents/{incident.reference}/").content.decode()
    full = f"/incidents/{incident.reference}/attachments/{attachment.pk}/p99%20spike.png"
    summary = re.search(r'<section id="summary">.*?</section>', page, re.S).group(0)
    assert (f'<a class="attachment-image" href="{full}"><img src="{full}?size=thumbnail" alt="p99 spike" '
            f'width="1200" height="600" loading="lazy"></a>') in summary
    assert f'<a href="{full}" rel="noopener noreferrer nofollow">the graph</a>' in page  # a link to an image
    section = re.search(r'<section id="attachments".*?</section>', page, re.S).group(0)
    assert f'<img src="{full}?size=thumbnail" alt="p99 spike" class="attachment-thumb"' in section
    assert "p99 spike.png</a> <span class=\"attachment-size\">(" in section
    assert 'href="/static/css/attachments.css"' in page
    assert editor_client.get(full).status_code == 200


def test_a_text_file_shows_as_a_download_link_with_its_name_and_size(editor_client, editor, incident):
    log = add_attachment(incident, b"fork: Resource temporarily unavailable\n" * 40, name="app.log", by=editor)
    LessonFactory(incident=incident, text=f"See [the log](attachment:{log.pk}).")
    page = editor_client.get(f"/incidents/{incident.reference}/").content.decode()
    href = f"/incidents/{incident.reference}/attachments/{log.pk}/app.log"
    assert (f'<a class="attachment-file" href="{href}" download="app.log">the log</a> '
            f'<span class="attachment-size">(app.log, 1.5 KB)</span>') in page
    section = re.search(r'<section id="attachments".*?</section>', page, re.S).group(0)
    assert 'download="app.log" class="attachment-file">app.log</a> <span class="attachment-size">(1.5 KB)</span>' in section


def test_no_attachments_section_without_attachments(viewer_client, incident):
    assert 'id="attachments"' not in viewer_client.get(f"/incidents/{incident.reference}/").content.decode()


def test_a_refused_file_is_a_form_error_naming_it_and_the_others_are_kept(editor_client, incident):
    response = editor_client.post(add_url(incident), {
        "files": [upload("graph.png", b"<!doctype html><script>alert(1)</script>"), upload("ok.png", png())]})
    assert response.status_code == 400
    page = response.content.decode()
    assert f"graph.png: {HTML_REFUSED}" in page
    assert "Some files were not added. See below why." in page
    kept = Attachment.objects.get()
    assert kept.name == "ok.png" and f"![ok](attachment:{kept.pk})" in page  # listed, and said to be added

    japanese = editor_client.post(add_url(incident), {"files": [upload("graph.png", b"<svg onload=alert(1)>")]},
                                  HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "graph.png：HTML と SVG のファイルは受け付けません（スクリプトを実行できるため）。" in japanese
    assert Attachment.objects.count() == 1


def test_no_file_and_a_file_over_the_limit_are_form_errors(editor_client, incident, settings):
    assert "Choose a file first." in editor_client.post(add_url(incident), {"alt": "x"}).content.decode()
    settings.POSTMORTEM_MAX_ATTACHMENT_BYTES = 2048
    page = editor_client.post(add_url(incident), {"files": [upload("big.log", b"x" * 5000)]}).content.decode()
    assert "big.log: The file is 5000 bytes; the limit is 2048 bytes." in page
    assert not Attachment.objects.exists()


def test_viewers_may_not_add_or_delete_and_hidden_incidents_answer_as_missing(viewer_client, editor_client, editor,
                                                                               incident, user, client_as):
    attachment = add_attachment(incident, png(), name="a.png", by=editor)
    assert viewer_client.post(add_url(incident), {"files": [upload("b.png", png())]}).status_code == 403
    delete = f"/incidents/{incident.reference}/attachments/{attachment.pk}/delete/"
    assert viewer_client.post(delete).status_code == 403
    assert viewer_client.get(add_url(incident)).status_code == 403
    secret = IncidentFactory(status="published", visibility="restricted")
    outsider = client_as(user("editor", username="outsider"))
    assert outsider.post(add_url(secret), {"files": [upload("b.png", png())]}).status_code == 404
    assert outsider.get(f"/incidents/{secret.reference}/edit/").status_code == 404
    assert editor_client.post(f"/incidents/{secret.reference}/attachments/{attachment.pk}/delete/").status_code == 404
    other = IncidentFactory(status="published")
    assert editor_client.post(f"/incidents/{other.reference}/attachments/{attachment.pk}/delete/").status_code == 404
    assert Attachment.objects.count() == 1


def test_deleting_an_attachment_removes_it_and_its_file(editor_client, editor, incident, attachment_dir):
    attachment = add_attachment(incident, png(), name="a.png", by=editor)
    path = attachment_dir / attachment.file.name
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = editor_client.post(f"/incidents/{incident.reference}/attachments/{attachment.pk}/delete/")
    assert response.status_code == 302 and response["Location"].endswith("/edit/#attachments")
    assert "Deleted a.png." in editor_client.get(response["Location"]).content.decode()
    assert not Attachment.objects.exists() and not path.exists()


def test_a_reference_to_a_missing_attachment_is_the_text_with_a_note(viewer_client, incident):
    incident.summary = "Before ![the graph](attachment:999) after, and [the log](attachment:998)."
    incident.save()
    page = viewer_client.get(f"/incidents/{incident.reference}/").content.decode()
    assert '<span class="attachment-missing">the graph <em>(attachment 999 is missing)</em></span>' in page
    assert '<span class="attachment-missing">the log <em>(attachment 998 is missing)</em></span>' in page
    japanese = viewer_client.get(f"/incidents/{incident.reference}/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert '<span class="attachment-missing">the graph <em>(添付ファイル 999 がありません)</em></span>' in japanese


def test_another_incidents_attachment_shows_as_missing(viewer_client, editor, incident):
    other = IncidentFactory(status="published")
    theirs = add_attachment(other, png(), name="theirs.png", by=editor)
    incident.summary = f"![x](attachment:{theirs.pk})"
    incident.save()
    page = viewer_client.get(f"/incidents/{incident.reference}/").content.decode()
    assert f"(attachment {theirs.pk} is missing)" in page and "theirs.png" not in page


def test_the_edit_preview_shows_the_incidents_images(editor_client, editor, incident):
    attachment = add_attachment(incident, png(), name="g.png", by=editor, alt="graph")
    edit = editor_client.get(f"/incidents/{incident.reference}/edit/")
    data = page_data(edit)
    data["summary"] = f"![graph](attachment:{attachment.pk})"
    data["action"] = "preview"
    page = editor_client.post(f"/incidents/{incident.reference}/edit/", data).content.decode()
    preview = re.search(r'<div class="preview prose"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert f'<img src="/incidents/{incident.reference}/attachments/{attachment.pk}/g.png" alt="graph"' in preview


def test_a_new_incident_says_to_save_first(editor_client):
    page = editor_client.get("/incidents/new/").content.decode()
    assert "Save the incident first to add files." in page and "data-attach-url" not in page
    japanese = editor_client.get("/incidents/new/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "ファイルを添付するには、まず障害を保存してください。" in japanese


def test_the_api_takes_a_session_upload_only_with_the_csrf_token(editor, incident):
    """What static/js/attachments.js relies on: the page's session signs the API request in, and DRF's
    SessionAuthentication asks for the CSRF token (sent as X-CSRFToken)."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    edit = browser.get(f"/incidents/{incident.reference}/edit/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', edit).group(1)
    url = f"/api/v1/incidents/{incident.pk}/attachments/"
    refused = browser.post(url, {"file": upload("a.png", png())})
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    answer = browser.post(url, {"file": upload("a.png", png()), "alt": "a"}, HTTP_X_CSRFTOKEN=token)
    assert answer.status_code == 201 and answer.json()["markdown"] == f"![a](attachment:{Attachment.objects.get().pk})"
