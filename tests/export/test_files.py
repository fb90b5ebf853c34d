"""Export files: self-contained HTML, PDF text (with Japanese from the demo data), one write-up in the
order of the SRE template, and unknown formats refused."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from incidents import export
from incidents.export import pack
from incidents.export.html import pack_html
from incidents.models import Incident
from incidents.templatetags.incidents import render_markdown
from tests.export.helpers import pdf_text


def resource_urls(html):
    """URLs a browser would fetch to show the page: src= of embedding elements, <link href>, url() and
    @import. Links (<a href>) are not resources: the pack keeps those to GitHub and to the incident's links."""
    embedding = r"img|script|iframe|source|video|audio|embed|object|input|track"
    return [
        *re.findall(rf"<(?:{embedding})\b[^>]*\b(?:src|data|poster)\s*=\s*[\"']?([^\"'\s>]+)", html, re.I),
        *re.findall(r"<(?:link|image|use)\b[^>]*\bhref\s*=\s*[\"']?([^\"'\s>]+)", html, re.I),
        *re.findall(r"url\(\s*[\"']?([^\"')]+)", html, re.I),
        *re.findall(r"@import\s+(?:url\()?[\"']?([^\"');]+)", html, re.I),
    ]


@pytest.mark.django_db
def test_html_pack_is_self_contained(demo_meeting, editor):
    html = pack_html(pack.meeting_pack(demo_meeting, editor))
    assert "<script" not in html.lower()
    assert [url for url in resource_urls(html) if not url.startswith("#")] == []  # marker-end="url(#arrow-5)" is local
    assert resource_urls('<img src="https://x/a.png"><link href="http://x/s.css"><p style="background: url(http://x)">') == [
        "https://x/a.png", "http://x/s.css", "http://x"]  # the check itself finds resources
    assert "@media print" in html and "@page" in html
    assert html.count("<svg") == sum(1 for item in demo_meeting.agenda.all() if item.incident.factors.exists())
    assert "ゾンビプロセス" in html  # the text is there, not an image of it


@pytest.mark.django_db
def test_html_pack_has_each_incidents_analysis_resolution_and_links(demo_meeting, editor):
    html = pack_html(pack.meeting_pack(demo_meeting, editor))
    incidents = [item.incident for item in demo_meeting.agenda.all()]
    assert incidents and html.count("<h3>Analysis</h3>") == html.count("<h3>Resolution</h3>") == len(incidents)
    assert html.count("<h3>Links</h3>") == len(incidents)
    for incident in incidents:
        section = html.split(f'id="incident-{incident.pk}"')[1].split('<section class="incident"')[0]
        assert render_markdown(incident.analysis) in section and render_markdown(incident.resolution) in section
        assert all(f'href="{link.url}"' in section for link in incident.links.all() if not link.github)


@pytest.mark.django_db
def test_pdf_pack_has_japanese_text_and_the_overdue_marker(demo_meeting, tmp_path, editor):
    file = export.export_meeting(demo_meeting, editor, "pdf")
    assert file.content.startswith(b"%PDF-") and file.content_type == "application/pdf"
    text = pdf_text(file.content, tmp_path)
    assert "ポストモーテム定例" in text
    for words in ["ゾンビプロセス", "名前解決", "ブリッジネットワーク", "Analysis", "Links", "Open action items by owner",
                  "No owner"]:
        assert words in text, words
    assert "overdue" in text  # INC pid alert due 2022-09-30 is still open


@pytest.mark.django_db
def test_pdf_in_japanese(demo_meeting, tmp_path, editor):
    from django.utils import translation

    with translation.override("ja"):
        file = export.export_meeting(demo_meeting, editor, "pdf")
    text = pdf_text(file.content, tmp_path)
    assert "ゾンビプロセス" in text and "期限切れ" in text


@pytest.mark.django_db
def test_single_incident_in_the_order_of_its_types_template(demo, tmp_path, editor):
    eks = Incident.objects.get(title__contains="pid_max")
    file = export.export_incident(eks, editor, "md")
    markdown = file.content.decode()
    assert file.filename == f"{eks.reference}.md" and file.content_type == "text/markdown; charset=utf-8"
    headings = re.findall(r"^## (.+)$", markdown, re.M)
    assert headings == ["Summary", "Impact", "Timeline", "Contributing factors", "Analysis", "Resolution",
                        "Lessons learned", "Action items", "Supporting information"]
    front, body = markdown.split("\n---\n\n", 1)
    assert front.startswith("---\n") and f"uuid: {eks.uid}" in front and "time_zone: Asia/Tokyo" in front
    assert body.startswith(f"# {eks.reference} datadog-agent のゾンビプロセスで pid_max が枯渇")
    assert "_Times in Asia/Tokyo_" in body
    assert "2022-09-30 **overdue**" in markdown
    assert "[DataDog/datadog-agent#12997](https://github.com/DataDog/datadog-agent/issues/12997)" in markdown
    pdf = export.export_incident(eks, editor, "pdf")
    assert pdf.filename == f"{eks.reference}.pdf"
    text = pdf_text(pdf.content, tmp_path)
    assert "ゾンビプロセス" in text and "overdue" in text
    assert (text.index("Summary") < text.index("Timeline") < text.index("Contributing factors")
            < text.index("Lessons learned") < text.index("Action items") < text.index("Supporting information"))


@pytest.mark.django_db
def test_single_incident_times_in_a_chosen_zone(demo, editor):
    eks = Incident.objects.get(title__contains="pid_max")
    tokyo = export.export_incident(eks, editor, "md").content.decode()
    utc = export.export_incident(eks, editor, "md", time_zone=export.time_zone_named("UTC")).content.decode()
    assert "_Times in UTC_" in utc and "time_zone: UTC" in utc
    started_tokyo = timezone.localtime(eks.started_at, ZoneInfo("Asia/Tokyo"))
    started_utc = eks.started_at.astimezone(datetime.UTC)
    assert f"started_at: '{started_tokyo.isoformat()}'" in tokyo and f"started_at: '{started_utc.isoformat()}'" in utc
    assert started_utc.strftime("%Y-%m-%d %H:%M") in utc
    with pytest.raises(export.UnknownTimeZone, match="Mars/Olympus"):
        export.time_zone_named("Mars/Olympus")
    with pytest.raises(export.UnknownTimeZone):
        export.time_zone_named("../../etc/passwd")


@pytest.mark.django_db
def test_unknown_formats_are_refused(demo_meeting, editor):
    with pytest.raises(export.UnknownFormat, match="use one of md, html, pdf"):
        export.export_meeting(demo_meeting, editor, "docx")
    with pytest.raises(export.UnknownFormat, match="use one of md, pdf"):
        export.export_incident(demo_meeting.agenda.first().incident, editor, "html")
