"""incidents.actions.attachments.sweep, run by the periodic housekeeping: stored files no attachment names
(left by a process that died between storing and committing) go once older than ORPHAN_GRACE; a younger one
(an upload in progress) and every file a row names stay. A data directory with no attachments/ yet is fine.
(The same sweep over S3-compatible storage: tests/processes/test_attachments_s3.py.)"""

import datetime
import io
import logging
import os
import time

import pytest
from PIL import Image

from incidents.actions import attachments, housekeeping
from incidents.actions.attachments import ORPHAN_GRACE, add_attachment
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def png():
    out = io.BytesIO()
    Image.new("RGB", (1200, 10), (200, 20, 20)).save(out, format="PNG")  # wider than THUMBNAIL_WIDTH
    return out.getvalue()


def aged(path, age):
    then = time.time() - age.total_seconds()
    os.utime(path, (then, then))
    return path


@pytest.fixture
def stored(editor, attachment_dir):
    """An attachment (its file and thumbnail), an orphan past the grace and a young one, all in its folder."""
    incident = IncidentFactory(status="published")
    attachment = add_attachment(incident, png(), name="graph.png", by=editor)
    grace_and_more = ORPHAN_GRACE + datetime.timedelta(minutes=1)
    for name in attachment.stored_names:
        aged(attachment_dir / name, grace_and_more)  # old, but named by a row
    folder = attachment_dir / str(incident.pk)
    old = folder / "0123456789abcdef.png"
    old.write_bytes(b"left by a crash")
    aged(old, grace_and_more)
    young = folder / "fedcba9876543210.png"
    young.write_bytes(b"being added right now")
    aged(young, ORPHAN_GRACE - datetime.timedelta(minutes=1))
    return attachment, old, young


def test_an_old_orphan_goes_a_young_one_and_the_named_files_stay(stored, attachment_dir):
    attachment, old, young = stored
    assert len(attachment.stored_names) == 2  # the image and its thumbnail
    assert attachments.sweep() == 1
    assert not old.exists() and young.exists()
    assert all((attachment_dir / name).is_file() for name in attachment.stored_names)
    assert attachments.sweep() == 0


def test_housekeeping_runs_it_and_reports_how_many_went(stored):
    _attachment, old, _young = stored
    assert housekeeping.sweep()["attachments"] == 1
    assert not old.exists()


def test_no_attachments_directory_yet_is_nothing_to_do(attachment_dir):
    assert not attachment_dir.exists()
    assert attachments.sweep() == 0
    assert housekeeping.sweep()["attachments"] == 0


def test_a_storage_that_cannot_be_read_is_logged_and_the_rest_is_done(monkeypatch, caplog):
    def unreachable(now=None):
        raise ConnectionError("Could not connect to the endpoint URL")

    monkeypatch.setattr(attachments, "sweep", unreachable)
    with caplog.at_level(logging.ERROR, logger="incidents.actions.housekeeping"):
        done = housekeeping.sweep()
    assert done["attachments"] is None and done["keys"] == 0
    assert caplog.messages == ["housekeeping: the attachments storage could not be swept (orphan files are kept for now)"]
