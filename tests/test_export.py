"""Retrospective packs and single-incident exports: what a pack gathers, the Markdown (against a golden
file), self-contained HTML, and PDF text (through poppler's pdftotext) with Japanese from the demo data."""

import datetime
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from incidents import export
from incidents.models import Incident, Retrospective
from tests.factories import (
    ActionItemFactory,
    FactorFactory,
    IncidentFactory,
    LessonFactory,
    RetrospectiveFactory,
    TimelineEventFactory,
    UserFactory,
)

GOLDEN = Path(__file__).parent / "golden" / "retrospective.md"
TODAY = datetime.date(2024, 1, 15)


def at(text):
    """An aware datetime from ``YYYY-MM-DD HH:MM`` in the display time zone."""
    return timezone.make_aware(datetime.datetime.fromisoformat(text))


def tagged(incident, *names):
    from incidents.models import Tag

    incident.tags.set(Tag.objects.resolve(names))
    return incident


def fixture_meeting():
    """Three disk incidents: the first one's alert was never added, the next two come to the meeting."""
    first = tagged(IncidentFactory(
        title="Disk full on db-1", summary="The data volume of `db-1` filled up.", severity="sev2",
        started_at=at("2023-01-10 10:00"), detected_at=at("2023-01-10 10:20"), resolved_at=at("2023-01-10 12:00"),
    ), "storage", "postgres")
    FactorFactory(incident=first, category="resource-exhaustion", description="WAL files filled the data volume")
    ActionItemFactory(incident=first, title="Add a disk usage alert", kind="detect", owner="ito",
                      due_date=datetime.date(2023, 2, 1))
    ActionItemFactory(incident=first, title="Move WAL to its own volume", owner="ito", status="done")

    second = tagged(IncidentFactory(
        title="Disk full again | db-2", severity="sev1", status="in_review",
        summary="WAL archiving stopped after a **config change**, and the disk filled.\n\n```\ndf -h /var/lib/postgresql\n```",
        impact="Writes failed for 35 minutes.",
        started_at=at("2023-03-01 09:00"), detected_at=at("2023-03-01 09:05"),
        mitigated_at=at("2023-03-01 09:40"), resolved_at=at("2023-03-02 18:00"),
    ), "storage", "postgres", "postmortem")
    cause = FactorFactory(incident=second, category="change", description="archive_command was changed by hand")
    effect = FactorFactory(incident=second, category="resource-exhaustion", description="WAL files piled up on db-2")
    cause.leads_to.set([effect])
    TimelineEventFactory(incident=second, occurred_at=at("2023-03-01 09:05"), kind="detection",
                         description="Write errors alert", source="alert")
    TimelineEventFactory(incident=second, occurred_at=at("2023-03-01 09:40"), kind="mitigation",
                         description="Freed space by removing old WAL files")
    LessonFactory(incident=second, kind="went_well", text="The write error alert fired within minutes.")
    LessonFactory(incident=second, kind="went_wrong", text="Nobody watched disk usage:\n\n- db-1\n- db-2")
    ActionItemFactory(incident=second, title="Review config changes in pairs", kind="process", owner="",
                      due_date=datetime.date(2099, 1, 1))
    ActionItemFactory(incident=second, title="Restore archive_command", owner="sato", status="done",
                      url="example/infra#7")

    third = tagged(IncidentFactory(title="Replica disk full", started_at=at("2023-04-01 03:00")),
                   "storage", "postmortem")
    FactorFactory(incident=third, category="resource-exhaustion", description="Replica kept old WAL segments")

    meeting = RetrospectiveFactory(title="April storage review", date=datetime.date(2023, 4, 20), facilitator="tanaka",
                                   select_tag="postmortem")
    meeting.add_to_agenda(meeting.apply_selection())
    meeting.agenda.filter(incident=second).update(notes="Agreed to **buy disks**.", decisions="Publish after review.")
    return meeting, first, second, third


@pytest.fixture
def editor():
    return UserFactory(username="editor", role="editor")


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_markdown_pack_matches_the_golden_file(editor):
    meeting, *_ = fixture_meeting()  # transaction=True: each save is committed and indexed for similar incidents
    markdown = export.pack_markdown(export.meeting_pack(meeting, editor, today=TODAY))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(markdown, encoding="utf-8")
    assert markdown == GOLDEN.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_pack_gathers_durations_similar_earlier_incidents_and_prompts(editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meeting, first, second, third = fixture_meeting()
    pack = export.meeting_pack(meeting, editor, today=TODAY)
    assert [s.incident for s in pack.sections] == [second, third]
    b, c = pack.sections
    assert [(m.label, m.after) for m in b.milestones] == [
        ("Started", None), ("Detected", datetime.timedelta(minutes=5)),
        ("Mitigated", datetime.timedelta(minutes=35)), ("Resolved", datetime.timedelta(hours=32, minutes=20))]
    assert [row["effects"] for row in b.factors] == [[2], []]  # change → resource exhaustion
    assert b.notes == "Agreed to **buy disks**." and b.decisions == "Publish after review."
    assert [other.incident for other in b.earlier] == [first]  # similar, and started before
    assert {other.incident for other in c.earlier} == {first, second}
    assert "Still in review: can it be published after this meeting?" in b.prompts
    assert "1 action item has no owner." in b.prompts
    assert f"{first.reference} planned “Add a disk usage alert” by 2023-02-01; it is still “Open”." in b.prompts
    assert "No detection time recorded: when and how did we find out?" in c.prompts
    assert "No lessons recorded." in c.prompts and "No action items recorded: is nothing to be done?" in c.prompts
    assert f"Third resource-exhaustion incident in 180 days (earlier: {first.reference}, {second.reference})." in c.prompts
    assert not any("postmortem incident" in prompt for prompt in c.prompts)  # the tag that selected the agenda
    # The closing section: open items on the agenda by owner, "No owner" last.
    assert [(owner, [item.title for _i, item in rows]) for owner, rows in pack.open_items] == [
        ("No owner", ["Review config changes in pairs"])]


@pytest.mark.django_db
def test_markdown_keeps_incident_markdown_and_escapes_table_cells(editor):
    meeting, _first, second, _third = fixture_meeting()
    markdown = export.pack_markdown(export.meeting_pack(meeting, editor, today=TODAY))
    assert f"| 1 | {second.reference} | Disk full again \\| db-2 | SEV1 – critical |" in markdown
    assert "WAL archiving stopped after a **config change**" in markdown
    assert "```\ndf -h /var/lib/postgresql\n```" in markdown
    assert "- Nobody watched disk usage:\n\n  - db-1\n  - db-2" in markdown  # nested under its list item
    assert "[example/infra#7](https://github.com/example/infra/issues/7)" in markdown


@pytest.fixture
def demo(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")


@pytest.fixture
def demo_meeting(demo):
    meeting = Retrospective.objects.create(title="ポストモーテム定例", date=datetime.date(2026, 11, 22),
                                           facilitator="tanaka", select_tag="postmortem")
    meeting.add_to_agenda(meeting.apply_selection())
    return meeting


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
def test_html_pack_is_self_contained(demo_meeting):
    html = export.pack_html(export.meeting_pack(demo_meeting, UserFactory(role="editor")))
    assert "<script" not in html.lower()
    assert [url for url in resource_urls(html) if not url.startswith("#")] == []  # marker-end="url(#arrow-5)" is local
    assert resource_urls('<img src="https://x/a.png"><link href="http://x/s.css"><p style="background: url(http://x)">') == [
        "https://x/a.png", "http://x/s.css", "http://x"]  # the check itself finds resources
    assert "@media print" in html and "@page" in html
    assert html.count("<svg") == sum(1 for item in demo_meeting.agenda.all() if item.incident.factors.exists())
    assert "ゾンビプロセス" in html  # the text is there, not an image of it


def pdf_text(pdf, tmp_path):
    if not shutil.which("pdftotext"):
        message = "pdftotext (poppler-utils) is not installed"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    path = tmp_path / "export.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.django_db
def test_pdf_pack_has_japanese_text_and_the_overdue_marker(demo_meeting, tmp_path):
    file = export.export_meeting(demo_meeting, UserFactory(role="editor"), "pdf")
    assert file.content.startswith(b"%PDF-") and file.content_type == "application/pdf"
    text = pdf_text(file.content, tmp_path)
    assert "ポストモーテム定例" in text
    for words in ["ゾンビプロセス", "名前解決", "ブリッジネットワーク", "Open action items by owner", "No owner"]:
        assert words in text, words
    assert "overdue" in text  # INC pid alert due 2022-09-30 is still open


@pytest.mark.django_db
def test_pdf_in_japanese(demo_meeting, tmp_path):
    from django.utils import translation

    with translation.override("ja"):
        file = export.export_meeting(demo_meeting, UserFactory(role="editor"), "pdf")
    text = pdf_text(file.content, tmp_path)
    assert "ゾンビプロセス" in text and "期限切れ" in text


@pytest.mark.django_db
def test_single_incident_in_the_order_of_the_template(demo, tmp_path):
    eks = Incident.objects.get(title__contains="pid_max")
    editor = UserFactory(role="editor")
    file = export.export_incident(eks, editor, "md")
    markdown = file.content.decode()
    assert file.filename == f"{eks.reference}.md" and file.content_type == "text/markdown; charset=utf-8"
    headings = re.findall(r"^## (.+)$", markdown, re.M)
    assert headings == ["Summary", "Impact", "Timeline", "Contributing factors", "Analysis", "Resolution",
                        "Lessons learned", "Action items", "Links"]
    assert markdown.startswith(f"# {eks.reference} datadog-agent のゾンビプロセスで pid_max が枯渇")
    assert "2022-09-30 **overdue**" in markdown
    assert "[DataDog/datadog-agent#12997](https://github.com/DataDog/datadog-agent/issues/12997)" in markdown
    pdf = export.export_incident(eks, editor, "pdf")
    assert pdf.filename == f"{eks.reference}.pdf"
    text = pdf_text(pdf.content, tmp_path)
    assert "ゾンビプロセス" in text and "overdue" in text
    assert text.index("Summary") < text.index("Timeline") < text.index("Lessons learned") < text.index("Links")


@pytest.mark.django_db
def test_unknown_formats_are_refused(demo_meeting):
    editor = UserFactory(role="editor")
    with pytest.raises(export.UnknownFormat, match="use one of md, html, pdf"):
        export.export_meeting(demo_meeting, editor, "docx")
    with pytest.raises(export.UnknownFormat, match="use one of md, pdf"):
        export.export_incident(demo_meeting.agenda.first().incident, editor, "html")


@pytest.mark.django_db
def test_a_viewers_pack_leaves_out_what_they_may_not_see(demo_meeting):
    draft = Incident.objects.get(status="draft")
    demo_meeting.add_to_agenda([draft])
    in_review = Incident.objects.get(status="in_review")
    viewer = UserFactory(username="viewer", role="viewer")
    markdown = export.pack_markdown(export.meeting_pack(demo_meeting, viewer))
    assert draft.title not in markdown and in_review.title not in markdown
    assert "2 incidents on the agenda are not shown: you may not see them." in markdown
    editor_markdown = export.pack_markdown(export.meeting_pack(demo_meeting, UserFactory(role="editor")))
    assert draft.title in editor_markdown and "not shown" not in editor_markdown


@pytest.mark.django_db
def test_fifty_incidents_take_a_fixed_number_of_queries_each(editor, django_assert_max_num_queries,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # indexed, as saved incidents are
        incidents = [IncidentFactory(title=f"incident {n}", started_at=at("2023-01-01 00:00") + datetime.timedelta(days=n))
                     for n in range(50)]
        for incident in incidents:
            FactorFactory(incident=incident, category="capacity")
            ActionItemFactory(incident=incident, owner="ito", due_date=datetime.date(2023, 6, 1))
    meeting = RetrospectiveFactory()
    meeting.add_to_agenda(incidents)
    with django_assert_max_num_queries(50 * 5 + 20):  # a fixed number per incident, not per child
        markdown = export.pack_markdown(export.meeting_pack(meeting, editor, today=TODAY))
    closing = markdown.split("## Open action items by owner")[1]
    assert closing.count("**overdue**") == 50
