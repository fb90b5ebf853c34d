"""The importer's acceptance tests: the write-up export read back into the same incidents (demo data, awkward
text, every round-trip field, UTC), importing again changes nothing, and how a file names its incident."""

import datetime

import pytest

from incidents.imports.files import Source
from incidents.actions.imports import import_sources
from incidents.models import Incident, IncidentRevision, Service, Tag
from tests.export.helpers import at
from tests.export.test_markdown import awkward_meeting
from tests.factories import (
    ActionItemFactory,
    FactorFactory,
    IncidentFactory,
    LessonFactory,
    LinkFactory,
    TimelineEventFactory,
    UserFactory,
)
from tests.imports.helpers import UTC, document, exported, import_files, reimported, with_reference


@pytest.mark.django_db
def test_every_demo_incident_exported_and_imported_into_an_empty_database_exports_byte_for_byte_the_same(
        demo, editor):
    incidents = list(Incident.objects.all())
    assert len(incidents) >= 8
    references = {str(incident.uid): incident.reference for incident in incidents}
    for uid, (first, incident) in reimported(incidents, editor).items():
        again = exported([incident], editor)[uid]
        assert with_reference(again, incident.reference, references[uid]) == first, uid
    assert Incident.objects.count() == len(incidents)


@pytest.mark.django_db
def test_importing_the_export_over_the_same_incidents_is_unchanged_and_writes_no_revision(demo, editor):
    incidents = list(Incident.objects.all())
    files = exported(incidents, editor)
    versions = dict(Incident.objects.values_list("uid", "version"))
    revisions = IncidentRevision.objects.count()
    documents = {str(incident.uid): document(incident) for incident in incidents}

    report = import_files(files)

    assert report.counts == {"imported": 0, "updated": 0, "unchanged": len(files), "failed": 0}, report.as_dict()
    assert {file.reference for file in report.files} == {incident.reference for incident in incidents}
    assert dict(Incident.objects.values_list("uid", "version")) == versions
    assert IncidentRevision.objects.count() == revisions
    assert {str(incident.uid): document(incident) for incident in Incident.objects.all()} == documents


@pytest.mark.django_db
def test_awkward_text_round_trips_exactly(editor):
    """Pipes, blank lines, template syntax, <script>, a title with a newline come back as they were. The
    factory also leaves spaces at the ends of an event's description and an owner, which the app never
    stores (its forms and the API strip the ends of every field): those are stripped first, as it would."""
    _meeting, incident = awkward_meeting()
    incident.timeline.update(description="Latency alert\n\n\nsecond line {{ x }}")
    incident.action_items.update(owner="")
    reference = incident.reference
    [(uid, (first, imported))] = reimported([incident], editor).items()
    assert with_reference(exported([imported], editor)[uid], imported.reference, reference) == first
    assert imported.summary == "First paragraph.\n\n\nAfter three newlines: <script>alert(1)</script>"
    assert imported.impact == "Rendered as written: {{ braces }} and {% tags %} and {# a comment #}"
    assert imported.title == "Cache | stampede\non  api"


def every_round_trip_field():
    """An incident using every field the front matter carries back: a cause → effect chain, action items with
    tracker text, kind "other", a due date and a GitHub OWNER/REPO#N URL, authors with and without an account,
    the postmortem date, a 150-character service name, an intranet monitoring link with a query."""
    author = UserFactory(username="tanaka")
    incident = IncidentFactory(
        title="Checkout errors after a config push", severity="sev1", status="published",
        summary="Checkout failed for 40 minutes.", impact="About 12% of orders failed.",
        analysis="The push removed a pool limit.", resolution="Rolled back.",
        started_at=at("2024-03-04 09:00"), detected_at=at("2024-03-04 09:05"),
        mitigated_at=at("2024-03-04 09:30"), resolved_at=at("2024-03-04 09:40"),
        postmortem_date=datetime.date(2024, 3, 8), author_names=["Jennifer (SRE)", "山田"])
    incident.authors.set([author])
    incident.tags.set(Tag.objects.resolve(["config", "checkout"]))
    incident.services.set([Service.objects.create(name="s" * 150), Service.objects.create(name="checkout-api")])
    TimelineEventFactory(incident=incident, occurred_at=at("2024-03-04 09:00"), kind="trigger", source="deploy",
                         description="Config pushed")
    TimelineEventFactory(incident=incident, occurred_at=at("2024-03-04 09:05"), kind="detection", source="",
                         description="Error rate alert")
    change = FactorFactory(incident=incident, category="change", description="A config push removed the limit")
    exhaustion = FactorFactory(incident=incident, category="resource-exhaustion", description="The pool ran dry")
    change.leads_to.add(exhaustion)
    LessonFactory(incident=incident, kind="lucky", text="It happened in office hours")
    ActionItemFactory(incident=incident, title="Freeze config pushes until the review", kind="other",
                      status="done", owner="docbrown", tracker="Bug 5554823")
    ActionItemFactory(incident=incident, title="Validate pool limits", kind="prevent", owner="tanaka",
                      due_date=datetime.date(2024, 4, 1), url="example/shop#12")
    LinkFactory(incident=incident, url="https://monitor/dash?x=1", relation="related", title="Checkout dashboard")
    return incident


@pytest.mark.django_db
def test_every_round_trip_field_comes_back_in_the_api_document(editor):
    incident = every_round_trip_field()
    before = document(incident)
    [(_uid, (_first, imported))] = reimported([incident], editor).items()
    after = document(imported)
    assert after == before
    assert after["author_names"] == ["Jennifer (SRE)", "山田"] and after["authors"] == ["tanaka"]
    assert [item["tracker"] for item in after["action_items"]] == ["Bug 5554823", ""]
    assert len(after["factors"]) == 2 and after["factors"][0]["leads_to"] == [after["factors"][1]["ref"]]


@pytest.mark.django_db
def test_an_export_in_utc_comes_back_at_the_same_instants(editor, demo):
    demo_incidents = list(Incident.objects.order_by("pk")[:3])
    incidents = [every_round_trip_field(), *demo_incidents]
    before = {str(incident.uid): document(incident) for incident in incidents}
    files = exported(incidents, editor, time_zone=UTC)
    assert all(b"time_zone: UTC\n" in data and b"+00:00'" in data for data in files.values())
    imported = reimported(incidents, editor, time_zone=UTC)
    assert {uid: document(incident) for uid, (_data, incident) in imported.items()} == before


def source(name, text):
    return Source(name, text.encode())


ICCO_SHAPED = """---
title: Search went down
url: https://example.com/blog/search-outage
---

Search was down for an hour after a bad deploy.
"""


@pytest.mark.django_db
def test_a_file_without_uuid_is_the_incident_of_its_url_on_every_import():
    first = import_sources([source("a.md", ICCO_SHAPED)])
    changed = ICCO_SHAPED.replace("an hour", "two hours")
    again = import_sources([source("renamed.md", changed)])
    assert [file.outcome for file in first.files + again.files] == ["imported", "updated"]
    assert first.files[0].reference == again.files[0].reference
    incident = Incident.objects.get()
    assert "two hours" in incident.analysis


NO_IDENTITY = """# Disk full on the build server

## Summary

The build server's disk filled up with old artifacts.

## Impact

Builds failed for two hours.
"""


@pytest.mark.django_db
def test_a_file_with_neither_uuid_nor_url_is_keyed_by_its_content_so_a_changed_copy_is_a_new_incident():
    """Without a uuid or source URL a file has nothing but its text to be known by: the same text again is
    the same incident (unchanged), a changed text is another write-up, so a new incident."""
    first = import_sources([source("disk.md", NO_IDENTITY)])
    same = import_sources([source("copy-of-disk.md", NO_IDENTITY.replace("\n", "\r\n") + "\n\n")])
    changed = import_sources([source("disk.md", NO_IDENTITY.replace("two hours", "three hours"))])
    assert [file.outcome for file in first.files + same.files + changed.files] == ["imported", "unchanged", "imported"]
    assert first.files[0].reference == same.files[0].reference != changed.files[0].reference
    assert Incident.objects.count() == 2
