"""incidents.actions.deletions: an incident deleted with what belongs to it (and only that), the search index
told, the deletion logged with who did it; a meeting deleted with its agenda, its incidents kept."""

import logging

import pytest

from incidents.actions.comments import post_comment
from incidents.actions.deletions import delete_incident, delete_meeting
from incidents.actions.incidents import save_incident
from incidents.models import (
    ActionItem,
    AgendaItem,
    Comment,
    ContributingFactor,
    Incident,
    IncidentRevision,
    Retrospective,
    Tag,
)
from incidents.models.changes import IndexChange
from tests.factories import RetrospectiveFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(make_incident, editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # as committed: the deletion logs its own change
        kept = make_incident(title="残る障害", tags=["dns"], categories=["defect"])
        gone = make_incident(title="消える障害", tags=["dns"], categories=["defect", "process"])
        save_incident(gone, {"action_items": [{"title": "Add a retry budget", "status": "open"}]},
                      sync_github=False, user=editor)
        post_comment(gone, editor, "要らない")
    return kept, gone


def test_an_incident_goes_with_what_belongs_to_it(two, editor, caplog, django_capture_on_commit_callbacks):
    kept, gone = two
    meeting = RetrospectiveFactory()
    AgendaItem.objects.create(retrospective=meeting, incident=gone, position=1)
    AgendaItem.objects.create(retrospective=meeting, incident=kept, position=2)
    IndexChange.objects.all().delete()
    with caplog.at_level(logging.INFO, logger="incidents.actions.deletions"), \
            django_capture_on_commit_callbacks(execute=True):
        assert delete_incident(gone, by=editor) is True
    assert list(Incident.objects.values_list("title", flat=True)) == ["残る障害"]
    for model in (ContributingFactor, ActionItem, Comment, IncidentRevision):
        assert not model.objects.filter(incident_id=gone.pk).exists(), model
    assert ContributingFactor.objects.filter(incident=kept).count() == 1
    assert list(AgendaItem.objects.values_list("incident_id", flat=True)) == [kept.pk]
    assert Tag.objects.filter(name="dns").exists() and kept.tags.get().name == "dns"
    assert set(IndexChange.objects.values_list("incident_id", flat=True)) == {gone.pk}
    assert caplog.messages == [f"{gone.reference} (消える障害) deleted by editor"]


def test_deleting_it_again_changes_nothing(two, editor):
    kept, gone = two
    delete_incident(gone, by=editor)
    assert delete_incident(gone, by=editor) is False
    assert Incident.objects.get() == kept


def test_a_meeting_goes_with_its_agenda_and_its_incidents_stay(two, editor, caplog):
    kept, gone = two
    meeting, other = RetrospectiveFactory(title="Q3 振り返り"), RetrospectiveFactory()
    AgendaItem.objects.create(retrospective=meeting, incident=kept, position=1)
    AgendaItem.objects.create(retrospective=other, incident=kept, position=1)
    with caplog.at_level(logging.INFO, logger="incidents.actions.deletions"):
        assert delete_meeting(meeting, by=editor) is True
    assert list(Retrospective.objects.all()) == [other]
    assert list(AgendaItem.objects.values_list("retrospective_id", flat=True)) == [other.pk]
    assert Incident.objects.count() == 2
    assert caplog.messages == [f"retrospective {meeting.pk} (Q3 振り返り) deleted by editor"]
    assert delete_meeting(meeting, by=editor) is False
