"""Data the export tests share: a three-incident storage meeting built in code (its Markdown is the golden
file), and reading a PDF back as text through poppler's pdftotext."""

import datetime
import os
import shutil
import subprocess

import pytest
from django.utils import timezone

from incidents.actions.retrospectives import add_to_agenda
from incidents.models import Tag
from tests.factories import (
    ActionItemFactory,
    FactorFactory,
    IncidentFactory,
    LessonFactory,
    LinkFactory,
    RetrospectiveFactory,
    TimelineEventFactory,
)

TODAY = datetime.date(2024, 1, 15)


def at(text):
    """An aware datetime from ``YYYY-MM-DD HH:MM`` in the display time zone."""
    return timezone.make_aware(datetime.datetime.fromisoformat(text))


def tagged(incident, *names):
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
        analysis="No alert watched disk usage, so the full disk went unseen.",
        resolution="Restored `archive_command`; old WAL files removed.",
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
    LinkFactory(incident=second, relation="fix", title="Disk full runbook", url="https://wiki.example.com/disk-full")

    third = tagged(IncidentFactory(title="Replica disk full", started_at=at("2023-04-01 03:00")),
                   "storage", "postmortem")
    FactorFactory(incident=third, category="resource-exhaustion", description="Replica kept old WAL segments")

    meeting = RetrospectiveFactory(title="April storage review", date=datetime.date(2023, 4, 20), facilitator="tanaka",
                                   select_tag="postmortem")
    add_to_agenda(meeting, meeting.apply_selection())
    meeting.agenda.filter(incident=second).update(notes="Agreed to **buy disks**.", decisions="Publish after review.")
    return meeting, first, second, third


def pdf_text(pdf, tmp_path):
    if not shutil.which("pdftotext"):
        message = "pdftotext (poppler-utils) is not installed"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    path = tmp_path / "export.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True).stdout
