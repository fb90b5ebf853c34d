"""A meeting's PDF in the browser (incidents/web/exports.py) is prepared in the background (an export job) and
downloaded when ready: in-process in the embedded default, by a real worker over Redis otherwise."""

import datetime
import os

import pytest
from django.core.management import call_command
from django.utils import timezone

from incidents.actions.retrospectives import add_to_agenda
from incidents import tasks
from incidents.models import ExportJob, Incident
from tests.conftest import wait_for
from tests.factories import RetrospectiveFactory
from tests.export.helpers import pdf_text

FILENAME = "retrospective-{pk}-2026-11-22.pdf"


@pytest.fixture
def meeting(demo):
    return agenda_meeting()


@pytest.fixture
def short_meeting(demo):
    """One demo incident on the agenda: a PDF of a page or two, for tests about the job rather than the pack
    (the whole agenda's pack is about thirty pages: ~10 s of layout for each render)."""
    meeting = RetrospectiveFactory(title="ポストモーテム定例", date=datetime.date(2026, 11, 22))
    add_to_agenda(meeting, [Incident.objects.get(title__contains="pid_max")])
    return meeting


def agenda_meeting():
    """The postmortem-tagged demo incidents and the demo's draft on one agenda."""
    meeting = RetrospectiveFactory(title="ポストモーテム定例", date=datetime.date(2026, 11, 22), select_tag="postmortem")
    add_to_agenda(meeting, meeting.apply_selection())
    add_to_agenda(meeting, [Incident.objects.get(status="draft")])
    return meeting


def prepare(client, meeting, capture, **headers):
    """Press "Prepare PDF"; in-process the task runs when the request's transaction commits."""
    with capture(execute=True):
        response = client.post(f"/retrospectives/{meeting.pk}/exports/", {"format": "pdf"}, **headers)
    assert response.status_code == 302
    job = ExportJob.objects.latest("pk")
    assert response["Location"] == f"/exports/{job.pk}/"
    return job


def download(client, job):
    response = client.get(f"/exports/{job.pk}/download/")
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


@pytest.mark.django_db
def test_editor_prepares_a_pdf_in_process(meeting, django_capture_on_commit_callbacks, export_dir, editor_client):
    page = editor_client.get(f"/retrospectives/{meeting.pk}/").content.decode()
    assert f'action="/retrospectives/{meeting.pk}/exports/"' in page and "Prepare PDF" in page
    assert f'href="/retrospectives/{meeting.pk}/export.md"' in page and f'href="/retrospectives/{meeting.pk}/export.html"' in page
    assert f'href="/retrospectives/{meeting.pk}/export.pdf"' not in page

    job = prepare(editor_client, meeting, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert (job.status, job.format, job.requested_by.username, job.error) == ("done", "pdf", "editor", "")
    assert job.filename == FILENAME.format(pk=meeting.pk) and job.finished_at is not None
    assert job.path == export_dir / f"{job.pk}-{job.filename}" and job.path.is_file()
    assert [p.name for p in export_dir.iterdir()] == [job.path.name]  # no temporary file left behind

    page = editor_client.get(f"/exports/{job.pk}/").content.decode()
    assert 'http-equiv="refresh"' not in page and f'href="/exports/{job.pk}/download/"' in page
    response, body = download(editor_client, job)
    assert response["Content-Type"] == "application/pdf" and body.startswith(b"%PDF-")
    assert response["Content-Disposition"] == f'attachment; filename="{job.filename}"'

    # Running the task again changes nothing; the direct download still works, synchronously.
    before = job.path.stat().st_mtime_ns
    assert tasks.render_export.delay(job.pk).get() == "done" and job.path.stat().st_mtime_ns == before
    assert tasks.render_export.delay(999999).get() == "gone"
    direct = editor_client.get(f"/retrospectives/{meeting.pk}/export.pdf")
    assert direct["Content-Type"] == "application/pdf" and direct.content.startswith(b"%PDF-")


@pytest.mark.django_db
def test_a_waiting_job_reloads_itself_and_has_nothing_to_download(meeting, editor, editor_client):
    job = ExportJob.objects.create(retrospective=meeting, requested_by=editor)
    page = editor_client.get(f"/exports/{job.pk}/").content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page and "/download/" not in page
    assert "waiting to be prepared" in page
    assert editor_client.get(f"/exports/{job.pk}/download/").status_code == 404


@pytest.mark.django_db
def test_only_the_requester_sees_the_job(meeting, django_capture_on_commit_callbacks, tmp_path, client, viewer_client,
                                         editor_client, user, client_as):
    job = prepare(viewer_client, meeting, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == "done" and job.requested_by.username == "viewer"
    # The pack is rendered as the viewer may see it: the draft is left out.
    _response, body = download(viewer_client, job)
    text = pdf_text(body, tmp_path)
    words = "".join(text.split())  # long titles wrap
    assert "".join(Incident.objects.get(title__contains="pid_max").title.split()) in words
    assert "".join(Incident.objects.get(status="draft").title.split()) not in words
    assert "2incidentsontheagendaarenotshown" in words  # the draft and the one in review

    for other in [editor_client, client_as(user("admin"))]:
        assert other.get(f"/exports/{job.pk}/").status_code == 404
        assert other.get(f"/exports/{job.pk}/download/").status_code == 404
    for url in [f"/exports/{job.pk}/", f"/exports/{job.pk}/download/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post(f"/retrospectives/{meeting.pk}/exports/", {"format": "pdf"}).status_code == 302
    superuser = client_as(user(username="root", is_superuser=True))
    assert superuser.get(f"/exports/{job.pk}/download/").status_code == 200
    assert viewer_client.get(f"/exports/{job.pk}/", HTTP_ACCEPT_LANGUAGE="ja").status_code == 200
    assert viewer_client.get("/exports/999999/").status_code == 404
    assert viewer_client.post(f"/retrospectives/{meeting.pk}/exports/", {"format": "docx"}).status_code == 404
    assert viewer_client.get(f"/retrospectives/{meeting.pk}/exports/").status_code == 405
    assert ExportJob.objects.count() == 1


@pytest.mark.django_db
def test_a_failing_render_marks_the_job_failed_and_loses_nothing(short_meeting, django_capture_on_commit_callbacks,
                                                                  settings, tmp_path, editor_client):
    meeting = short_meeting
    (tmp_path / "a-file").write_text("not a directory")
    settings.EXPORT_DIR = tmp_path / "a-file" / "exports"  # mkdir fails: a real OSError
    item = meeting.agenda.first()
    item.notes = "pid の監視を追加"
    item.save()
    job = prepare(editor_client, meeting, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None
    assert job.error == "The file could not be stored: Not a directory."
    page = editor_client.get(f"/exports/{job.pk}/").content.decode()
    assert "The file could not be prepared." in page and job.error in page
    assert 'http-equiv="refresh"' not in page and "/download/" not in page
    assert f'action="/retrospectives/{meeting.pk}/exports/"' in page and "Try again" in page
    assert editor_client.get(f"/exports/{job.pk}/download/").status_code == 404
    meeting.refresh_from_db()
    assert meeting.agenda.count() == 1 and meeting.agenda.first().notes == "pid の監視を追加"

    # Once the directory can be written, trying again works.
    settings.EXPORT_DIR = tmp_path / "exports"
    again = prepare(editor_client, meeting, django_capture_on_commit_callbacks)
    again.refresh_from_db()
    assert again.status == "done" and again.pk != job.pk
    assert download(editor_client, again)[1].startswith(b"%PDF-")


@pytest.mark.django_db
def test_jobs_and_files_older_than_a_day_are_removed(short_meeting, django_capture_on_commit_callbacks, export_dir,
                                                     editor_client):
    meeting = short_meeting
    old = prepare(editor_client, meeting, django_capture_on_commit_callbacks)
    old.refresh_from_db()
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=1, minutes=1))
    stray = export_dir / "1-orphan.pdf"  # e.g. a job deleted with its meeting
    stray.write_bytes(b"%PDF-")
    two_days_ago = (timezone.now() - datetime.timedelta(days=2)).timestamp()
    for path in (old.path, stray):
        os.utime(path, (two_days_ago, two_days_ago))
    assert list(ExportJob.objects.expired()) == [old]

    new = prepare(editor_client, meeting, django_capture_on_commit_callbacks)
    assert list(ExportJob.objects.all()) == [new]
    assert [p.name for p in export_dir.iterdir()] == [new.path.name]
    assert editor_client.get(f"/exports/{old.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_pdf_is_in_the_language_of_the_page(short_meeting, django_capture_on_commit_callbacks, editor_client):
    meeting = short_meeting
    editor_client.cookies["django_language"] = "ja"
    job = prepare(editor_client, meeting, django_capture_on_commit_callbacks)
    assert job.language == "ja"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_prepares_the_pdf_over_redis(celery_worker, editor_client):
    call_command("load_demo")  # committed (the module's demo data are not for transactional tests)
    meeting = agenda_meeting()
    worker = celery_worker()
    response = editor_client.post(f"/retrospectives/{meeting.pk}/exports/", {"format": "pdf"})
    job = ExportJob.objects.get()
    assert response["Location"] == f"/exports/{job.pk}/"
    # Nothing ran in this process: the page waits for the worker, which takes seconds to lay out the PDF.
    page = editor_client.get(response["Location"]).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page and "/download/" not in page
    assert wait_for(lambda: ExportJob.objects.get(pk=job.pk).status in ("done", "failed"), seconds=120), (
        "the worker did not render the PDF within 120 s"
    )
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert worker.poll() is None
    page = editor_client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in page and f'href="/exports/{job.pk}/download/"' in page
    response, body = download(editor_client, job)
    assert body.startswith(b"%PDF-") and response["Content-Disposition"] == f'attachment; filename="{job.filename}"'


@pytest.mark.django_db
def test_in_process_the_pdf_is_made_by_the_background_thread_not_the_request(short_meeting, editor_client,
                                                                             django_capture_on_commit_callbacks,
                                                                             export_dir):
    """Without a broker, "Prepare PDF" answers at once with the waiting page; the app's background thread
    (incidents.background) renders the file, as it sends notifications."""
    from incidents import jobs

    class Runner:
        submitted = []

        def submit(self, name, *args):
            self.submitted.append((name, args))

    runner = Runner()
    jobs.set_background(runner)
    try:
        job = prepare(editor_client, short_meeting, django_capture_on_commit_callbacks)
    finally:
        jobs.set_background(None)
    job.refresh_from_db()
    assert job.status == "pending" and runner.submitted == [(jobs.RENDER_EXPORT, (job.pk,))]
    assert '<meta http-equiv="refresh" content="2">' in editor_client.get(f"/exports/{job.pk}/").content.decode()
    jobs.queue(*runner.submitted[0][:1], *runner.submitted[0][1])  # what the thread does
    job.refresh_from_db()
    assert job.status == "done" and job.path.is_file()
