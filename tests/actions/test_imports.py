"""incidents.actions.imports: importing a write-up again keeps the rows it states as stored (their ids, and what
GitHub did to an action item), and a file breaking a rule of the document fails with problems naming it."""

import datetime

import pytest

from incidents.actions.github import apply
from incidents.actions.imports import import_sources
from incidents.imports.files import Source
from incidents.models import Incident
from tests.factories import ActionItemFactory, IncidentFactory, LessonFactory, TimelineEventFactory
from tests.imports.helpers import exported

pytestmark = pytest.mark.django_db
CLOSED_AT = datetime.datetime(2026, 11, 3, 16, 20, tzinfo=datetime.UTC)


def rows_of(incident):
    incident = Incident.objects.get(pk=incident.pk)
    return {key: sorted(getattr(incident, key).values_list("pk", flat=True))
            for key in ("timeline", "factors", "lessons", "action_items", "links")}


@pytest.fixture
def closed_item(editor):
    """An incident with a timeline, a lesson and an action item that GitHub closed (acme/api#42)."""
    incident = IncidentFactory(title="Checkout errors", summary="Checkout failed.")
    TimelineEventFactory(incident=incident, description="Config pushed")
    LessonFactory(incident=incident, kind="lucky", text="Office hours")
    item = ActionItemFactory(incident=incident, title="Add a retry budget", url="acme/api#42")
    apply.apply_state(item.github, title="Retry budget", state="closed", state_reason="completed", changed_at=CLOSED_AT)
    return Incident.objects.get(pk=incident.pk)


def reimport(incident, editor, change=lambda text: text):
    [(uid, data)] = exported([incident], editor).items()
    return import_sources([Source(f"{uid}.md", change(data.decode()).encode())])


def test_the_export_imported_again_is_unchanged_with_what_github_did(closed_item, editor):
    before = rows_of(closed_item)
    report = reimport(closed_item, editor)
    assert report.counts["unchanged"] == 1, report.as_dict()
    item = Incident.objects.get(pk=closed_item.pk).action_items.get()
    assert (item.status, item.link_event, item.link_event_at, item.closed_by_link) == ("done", "closed", CLOSED_AT, True)
    assert rows_of(closed_item) == before


def test_a_changed_file_updates_the_incident_and_keeps_its_rows_and_what_github_did(closed_item, editor):
    before = rows_of(closed_item)
    report = reimport(closed_item, editor, lambda text: text.replace("Checkout failed.", "Checkout failed for an hour.")
                      .replace("Add a retry budget", "Add a retry budget to the client"))
    assert report.counts["updated"] == 1, report.as_dict()
    incident = Incident.objects.get(pk=closed_item.pk)
    assert incident.summary == "Checkout failed for an hour." and rows_of(incident) == before
    item = incident.action_items.get()
    assert (item.title, item.status, item.link_event, item.closed_by_link) == (
        "Add a retry budget to the client", "done", "closed", True)


LINKED_TWICE = """---
title: Cache stampede
links:
  - url: acme/api#7
  - url: https://github.com/ACME/api/issues/7
---
The cache was emptied by a deploy.
"""


def test_a_file_linking_the_same_issue_twice_fails_naming_the_file_and_the_link():
    report = import_sources([Source("twice.md", LINKED_TWICE.encode())])
    assert report.counts["failed"] == 1
    assert report.files[0].problems == ["twice.md: links[1].url: The link https://github.com/ACME/api/issues/7 is listed twice."]
    assert not Incident.objects.exists()


def test_the_result_line_ends_with_the_languages_own_full_stop(closed_item, editor):
    from django.utils import translation
    report = reimport(closed_item, editor)
    assert report.summary() == "0 imported, 0 updated, 1 unchanged, 0 failed."
    with translation.override("ja"):
        assert report.summary() == "取り込み 0 件、更新 0 件、変更なし 1 件、失敗 0 件。"
