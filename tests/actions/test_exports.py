"""incidents.actions.exports with a stand-in for the renderer (tests/web/test_exports.py renders real
PDFs): the job asked for, the file stored under its name in the requester's language, the job's outcome and
its message when storing or rendering fails, and the housekeeping of old jobs and files."""

import datetime
import os
import time

import pytest
from django.utils import timezone, translation

from incidents import export
from incidents.actions import exports
from incidents.export import ExportFile, UnknownFormat
from incidents.models import ExportJob
from tests.factories import RetrospectiveFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rendered(monkeypatch):
    """export.export_meeting replaced: records (meeting, user, format, language) and returns a small file."""
    calls = []

    def export_meeting(meeting, user, fmt):
        calls.append((meeting.pk, user.username, fmt, translation.get_language()))
        return ExportFile(content=b"%PDF-stand-in", content_type="application/pdf", filename=f"pack-{meeting.pk}.{fmt}")

    monkeypatch.setattr(export, "export_meeting", export_meeting)
    return calls


@pytest.fixture
def meeting():
    return RetrospectiveFactory()


@pytest.fixture
def tanaka():
    return UserFactory(username="tanaka")


def job_for(meeting, user, **fields):
    return ExportJob.objects.create(retrospective=meeting, requested_by=user, **fields)


def test_a_request_makes_a_job_that_is_done_at_once_without_a_broker(rendered, meeting, tanaka, export_dir, settings,
                                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = exports.request_export(meeting, tanaka, "pdf")
    job.refresh_from_db()
    assert (job.format, job.language, job.status, job.error) == ("pdf", settings.LANGUAGE_CODE, "done", "")
    assert rendered == [(meeting.pk, "tanaka", "pdf", settings.LANGUAGE_CODE)]
    assert job.filename == f"pack-{meeting.pk}.pdf" and job.finished_at is not None
    assert job.path == export_dir / f"{job.pk}-pack-{meeting.pk}.pdf" and job.path.read_bytes() == b"%PDF-stand-in"
    assert [path.name for path in export_dir.iterdir()] == [job.path.name]  # no temporary file left


def test_the_file_is_rendered_in_the_language_it_was_asked_in(rendered, meeting, tanaka,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = exports.request_export(meeting, tanaka, "md", language="ja")
    assert (ExportJob.objects.get(pk=job.pk).language, rendered[0][2:]) == ("ja", ("md", "ja"))


def test_an_unknown_format_is_refused_before_any_job(rendered, meeting, tanaka):
    with pytest.raises(UnknownFormat):
        exports.request_export(meeting, tanaka, "docx")
    assert not ExportJob.objects.exists() and rendered == []


def test_a_done_or_missing_job_is_not_rendered_again(rendered, meeting, tanaka):
    done = job_for(meeting, tanaka, status=ExportJob.Status.DONE, filename="kept.pdf")
    assert exports.render_export(done.pk) == "done"
    assert exports.render_export(done.pk + 1000) == "gone"
    assert rendered == [] and ExportJob.objects.get(pk=done.pk).filename == "kept.pdf"


def test_a_failed_job_can_be_rendered_again(rendered, meeting, tanaka):
    job = job_for(meeting, tanaka, status=ExportJob.Status.FAILED, error="earlier")
    assert exports.render_export(job.pk) == "done"
    job.refresh_from_db()
    assert (job.status, job.error) == ("done", "")


def test_the_export_directory_and_its_parents_are_made_when_missing(rendered, meeting, tanaka, settings, tmp_path):
    settings.EXPORT_DIR = tmp_path / "data" / "exports"
    first, second = job_for(meeting, tanaka), job_for(meeting, tanaka)
    assert (exports.render_export(first.pk), exports.render_export(second.pk)) == ("done", "done")
    assert sorted(path.name for path in settings.EXPORT_DIR.iterdir()) == [
        f"{first.pk}-pack-{meeting.pk}.pdf", f"{second.pk}-pack-{meeting.pk}.pdf"]


def test_a_storage_error_is_raised_for_a_retry_then_recorded_on_the_last_try(rendered, meeting, tanaka, settings,
                                                                                tmp_path, caplog):
    settings.EXPORT_DIR = tmp_path / "not-a-directory"
    settings.EXPORT_DIR.write_text("a file where the directory should be")
    job = job_for(meeting, tanaka)
    with pytest.raises(OSError):
        exports.render_export(job.pk)
    assert ExportJob.objects.get(pk=job.pk).status == "running"
    caplog.clear()
    assert exports.render_export(job.pk, give_up_on_storage_error=True) == "failed"
    assert [record.getMessage() for record in caplog.records] == [
        f"export job {job.pk} failed: [Errno 17] File exists: '{settings.EXPORT_DIR}'"]
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "The file could not be stored: File exists.")
    assert job.finished_at is not None


def test_a_rendering_bug_marks_the_job_failed_and_is_raised(monkeypatch, meeting, tanaka):
    def broken(meeting, user, fmt):
        raise KeyError("template")

    monkeypatch.setattr(export, "export_meeting", broken)
    job = job_for(meeting, tanaka)
    with pytest.raises(KeyError):
        exports.render_export(job.pk, give_up_on_storage_error=True)
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "Unexpected error (KeyError).")
    assert job.finished_at is not None


def test_a_long_failure_message_is_cut_to_300_characters(meeting, tanaka):
    job = job_for(meeting, tanaka)
    exports._export_failed(job, "x" * 400)
    assert ExportJob.objects.get(pk=job.pk).error == "x" * 300


def test_jobs_and_files_older_than_a_day_are_removed(meeting, tanaka, export_dir):
    now = timezone.now()
    old, recent = job_for(meeting, tanaka), job_for(meeting, tanaka)
    ExportJob.objects.filter(pk=old.pk).update(created_at=now - ExportJob.KEEP - datetime.timedelta(minutes=1))
    ExportJob.objects.filter(pk=recent.pk).update(created_at=now - ExportJob.KEEP + datetime.timedelta(minutes=1))
    export_dir.mkdir(parents=True, exist_ok=True)
    stale, fresh = export_dir / "stale.pdf", export_dir / "fresh.pdf"
    stale.write_bytes(b"old")
    fresh.write_bytes(b"new")
    (export_dir / "a-directory").mkdir()
    day_ago = time.time() - ExportJob.KEEP.total_seconds()
    os.utime(stale, (day_ago - 60, day_ago - 60))
    os.utime(fresh, (day_ago + 60, day_ago + 60))
    exports.remove_expired_exports()
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [recent.pk]
    assert sorted(path.name for path in export_dir.iterdir()) == ["a-directory", "fresh.pdf"]


def test_housekeeping_without_an_export_directory_does_nothing(settings, tmp_path):
    settings.EXPORT_DIR = tmp_path / "never-made"
    exports.remove_expired_exports()
    assert not settings.EXPORT_DIR.exists()


class Unreadable:
    """An export directory that exists but cannot be listed."""

    def is_dir(self):
        return True

    def iterdir(self):
        raise PermissionError(13, "Permission denied")

    def __str__(self):
        return "/srv/exports"


def test_housekeeping_that_cannot_read_the_directory_says_so_and_goes_on(settings, caplog):
    settings.EXPORT_DIR = Unreadable()
    exports.remove_expired_exports()
    assert [record.getMessage() for record in caplog.records] == [
        "could not clean up /srv/exports: [Errno 13] Permission denied"]
