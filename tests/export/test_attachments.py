"""Attachments in the exports (#28): the HTML and PDF exports and the meeting pack embed the images as data:
URIs (nothing fetched, the PDF holds the image sized to the page); the Markdown export keeps the references as
written; the zip bundle holds the Markdown with relative paths and the files, for those who may see the
incident, restricted ones audited."""

import base64
import io
import re
import shutil
import subprocess
import zipfile

import pytest
from PIL import Image

from incidents import export
from incidents.actions.attachments import add_attachment
from incidents.actions.retrospectives import add_to_agenda
from incidents.export import pack
from incidents.export.html import incident_html, pack_html
from incidents.models import AuditEntry, Retrospective
from tests.export.helpers import TODAY, pdf_text
from tests.export.test_files import resource_urls
from tests.factories import IncidentFactory, LessonFactory

pytestmark = pytest.mark.django_db
LOG = "fork: Resource temporarily unavailable\nworker 7 exited\n".encode()


def png(size=(1600, 400), colour=(10, 120, 200)):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def illustrated(editor):
    """A published incident with a wide graph (a thumbnail is made) and a log file, both referenced."""
    incident = IncidentFactory(status="published", title="Worker fork storm")
    graph = add_attachment(incident, png(), name="spike (p99).png", by=editor, alt="p99 の急上昇")
    log = add_attachment(incident, LOG, name="worker.log", by=editor)
    incident.summary = f"The graph:\n\n![p99 の急上昇]({'attachment:%d' % graph.pk} \"p99\")\n\nThe [log](attachment:{log.pk})."
    incident.analysis = "Another incident's file: ![x](attachment:999999)"
    incident.save()
    LessonFactory(incident=incident, kind="went_wrong", text=f"![lesson graph](attachment:{graph.pk})")
    return incident, graph, log


def test_the_html_export_embeds_images_as_data_uris_and_fetches_nothing(illustrated, editor):
    incident, graph, log = illustrated
    section = pack.incident_section(incident, editor, incident.__class__.objects.visible_to(editor), TODAY,
                                    for_meeting=False)
    html = incident_html(section, TODAY)
    sources = re.findall(r'<img src="([^"]+)"', html)
    assert len(sources) == 2 and all(src.startswith("data:image/png;base64,") for src in sources)
    embedded = Image.open(io.BytesIO(base64.b64decode(sources[0].partition(",")[2])))
    assert embedded.size == (960, 240)  # the smaller copy, linking to the full size
    assert 'alt="p99 の急上昇"' in html and 'title="p99"' in html
    assert [url for url in resource_urls(html) if not url.startswith(("#", "data:"))] == []
    assert re.search(rf'<a [^>]*href="https?://[^"]*/incidents/{incident.reference}/attachments/{log.pk}/worker.log"'
                     rf'[^>]*>log</a> <span class="attachment-size">\(worker.log, 55 bytes\)</span>', html)
    assert "attachment 999999 is missing" in html  # another incident's (or no) attachment: never shown
    assert "max-width: 100%" in html


def test_the_meeting_pack_embeds_them_too(illustrated, editor):
    incident = illustrated[0]
    incident.tags.set(__import__("incidents.models", fromlist=["Tag"]).Tag.objects.resolve(["pack"]))
    meeting = Retrospective.objects.create(title="Review", date=TODAY, select_tag="pack")
    add_to_agenda(meeting, meeting.apply_selection())
    html = pack_html(pack.meeting_pack(meeting, editor))
    assert html.count('<img src="data:image/png;base64,') == 2


def test_the_pdf_holds_the_image_sized_to_the_page(illustrated, editor, tmp_path):
    if not shutil.which("pdfimages"):
        pytest.skip("pdfimages (poppler-utils) is not installed")
    file = export.export_incident(illustrated[0], editor, "pdf")
    path = tmp_path / "incident.pdf"
    path.write_bytes(file.content)
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    images = [line.split() for line in listing.splitlines()[2:]]
    assert [(row[3], row[4]) for row in images] == [("960", "240"), ("960", "240")]  # width, height in pixels
    page_width_points = 595 - 2 * 14 / 25.4 * 72  # A4 less the margins
    for row in images:  # x-ppi: pixels per inch as placed; 960 px at that density fits the page width
        assert 960 / int(row[12]) * 72 <= page_width_points + 1
    text = pdf_text(file.content, tmp_path)
    assert "Worker fork storm" in text and "The graph:" in text and "The log (worker.log, 55 bytes)." in text


def test_the_markdown_export_keeps_the_references_as_written(illustrated, editor):
    incident, graph, log = illustrated
    text = export.export_incident(incident, editor, "md").content.decode()
    assert f'![p99 の急上昇](attachment:{graph.pk} "p99")' in text and f"[log](attachment:{log.pk})" in text
    assert "attachments:" not in text  # the front matter lists files only in a bundle


def test_the_zip_bundle_has_the_markdown_with_relative_paths_and_the_files(illustrated, editor_api):
    incident, graph, log = illustrated
    response = editor_api.get(f"/api/v1/incidents/{incident.pk}/export/?format=zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="{incident.reference}.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    graph_path, log_path = f"attachments/{graph.pk}-spike (p99).png", f"attachments/{log.pk}-worker.log"
    assert sorted(archive.namelist()) == sorted([f"{incident.reference}.md", graph_path, log_path])
    assert archive.read(graph_path) == graph.file.open("rb").read() and archive.read(log_path) == LOG
    text = archive.read(f"{incident.reference}.md").decode()
    assert f'![p99 の急上昇](attachments/{graph.pk}-spike%20%28p99%29.png "p99")' in text
    assert f"[log](attachments/{log.pk}-worker.log)" in text and "attachment:999999" in text
    assert f"- ![lesson graph](attachments/{graph.pk}-spike%20%28p99%29.png)" in text
    assert f"file: {graph_path}" in text and "alt: p99 の急上昇" in text
    markdown_only = editor_api.get(f"/api/v1/incidents/{incident.pk}/export/?format=md")
    assert markdown_only["Content-Type"] == "text/markdown; charset=utf-8"


def test_the_zip_follows_visibility_and_restricted_ones_are_audited(illustrated, editor, viewer_api, client_as):
    incident = illustrated[0]
    incident.visibility, incident.status = "restricted", "published"
    incident.save()
    incident.members.set([editor])
    assert viewer_api.get(f"/api/v1/incidents/{incident.pk}/export/?format=zip").status_code == 404
    page = client_as(editor).get(f"/incidents/{incident.reference}/export.zip")
    assert page.status_code == 200 and page["Content-Type"] == "application/zip"
    entry = AuditEntry.objects.filter(incident=incident).latest("pk")
    assert (entry.details.get("format"), entry.details.get("via")) == ("zip", "page")


def test_the_incident_page_links_the_bundle(illustrated, editor_client):
    incident = illustrated[0]
    html = editor_client.get(incident.get_absolute_url()).content.decode()
    assert f'href="/incidents/{incident.reference}/export.zip">Markdown with attachments (zip)</a>' in html


def test_making_a_pdf_does_not_make_uploads_accept_truncated_images(illustrated, editor):
    from incidents import uploads

    export.export_incident(illustrated[0], editor, "pdf")  # imports WeasyPrint, which relaxes Pillow globally
    with pytest.raises(uploads.Refused, match="damaged|could not be read"):
        uploads.prepare(png()[:60], max_pixels=50_000_000)
