"""incidents.actions.deletions: an incident deleted with what belongs to it (and only that), the search index
told, the deletion logged with who did it, its stored attachment files deleted once the deletion commits; a
meeting deleted with its agenda, its incidents kept."""

import io
import logging

import pytest
from PIL import Image

from incidents.actions.attachments import add_attachment
from incidents.actions.comments import post_comment
from incidents.actions.deletions import delete_incident, delete_meeting
from incidents.actions.incidents import save_incident
from incidents.models import (
    ActionItem,
    AgendaItem,
    Attachment,
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


def test_its_stored_files_go_once_the_deletion_commits(two, editor, attachment_dir,
                                                      django_capture_on_commit_callbacks):
    kept, gone = two
    image = io.BytesIO()
    Image.new("RGB", (1000, 20), (0, 90, 200)).save(image, format="PNG")  # wider: a thumbnail too
    screenshot = add_attachment(gone, image.getvalue(), name="spike.png", by=editor)
    log = add_attachment(gone, b"12:00 resolver timeout\n", name="resolver.log", by=editor)
    survivor = add_attachment(kept, b"kept\n", name="kept.txt", by=editor)
    files = [attachment_dir / name for name in screenshot.stored_names + log.stored_names]
    assert len(files) == 3 and all(file.is_file() for file in files)  # the image, its thumbnail, the log
    with django_capture_on_commit_callbacks() as after_commit:
        assert delete_incident(gone, by=editor) is True
        assert all(file.is_file() for file in files)  # not before the commit: a rollback keeps them
    assert list(Attachment.objects.values_list("name", flat=True)) == ["kept.txt"]
    for callback in after_commit:
        callback()
    assert not any(file.exists() for file in files)
    assert (attachment_dir / survivor.file.name).read_bytes() == b"kept\n"


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
