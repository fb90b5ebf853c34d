"""incidents.actions.pending_imports: an upload kept for its owner (its bytes back as sent, the old ones of
anyone removed), and taken once."""

import pytest

from incidents.actions.pending_imports import keep_upload, take_upload
from incidents.models import PendingImport

pytestmark = pytest.mark.django_db

FILES = [("障害報告.md", "# DNS が引けない\n".encode()), ("logs.zip", b"PK\x03\x04\x00\xff")]


def test_the_files_come_back_as_sent_with_the_choices(editor):
    pending = keep_upload(editor, FILES, status="published", time_zone="Asia/Tokyo")
    stored = PendingImport.objects.get(pk=pending.pk)
    assert stored.user == editor and stored.contents() == FILES
    assert (stored.status, stored.time_zone) == ("published", "Asia/Tokyo")
    assert stored.files[0] == {"name": "障害報告.md", "data": "IyBETlMg44GM5byV44GR44Gq44GECg=="}
    unset = keep_upload(editor, FILES[:1], status=None, time_zone=None)
    assert (unset.status, unset.time_zone) == ("", "")


def test_keeping_removes_the_expired_uploads_of_anyone(editor, viewer):
    old = keep_upload(viewer, FILES)
    recent = keep_upload(viewer, FILES)
    PendingImport.objects.filter(pk=old.pk).update(created_at=old.created_at - PendingImport.KEEP * 2)
    new = keep_upload(editor, FILES[:1])
    assert set(PendingImport.objects.values_list("pk", flat=True)) == {recent.pk, new.pk}


def test_an_upload_is_taken_once(editor):
    pending = keep_upload(editor, FILES)
    other = keep_upload(editor, FILES)
    assert take_upload(pending) is True
    assert take_upload(pending) is False
    assert list(PendingImport.objects.values_list("pk", flat=True)) == [other.pk]
    assert pending.contents() == FILES  # the taken upload's files are still at hand for the import
