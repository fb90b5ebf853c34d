"""Export files and who took them: a file made in the request (one incident, a meeting's pack, a selection)
through ``incident_file`` / ``meeting_file`` / ``selection_file``, which record in the audit log each
restricted incident in it (actions.audit EXPORTED, one entry per incident; internal ones are not audited);
files prepared in the background (export jobs): asking for one, rendering and storing it (with the
restricted incidents it holds), each download audited the same way (``downloaded``: DOWNLOADED), and the
housekeeping that removes them after ExportJob.KEEP."""

import logging
import os
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from incidents import jobs
from incidents import export
from incidents.models import ExportJob, Incident

from . import audit

log = logging.getLogger(__name__)


@transaction.atomic
def exported(user, file, *, via, meeting=None):
    """Record that ``user`` took ``file`` (an export.ExportFile) ``via`` "page", "api" or "command": one
    audit entry per restricted incident in it. Returns the file."""
    where = {"retrospective": meeting.pk} if meeting is not None else {}
    for incident in file.restricted():
        audit.record(user, audit.EXPORTED, incident=incident, format=file.format, via=via, **where)
    return file


def incident_file(incident, user, fmt, *, via, time_zone=None):
    """One incident's write-up (export.export_incident), audited when it is restricted."""
    return exported(user, export.export_incident(incident, user, fmt, time_zone=time_zone), via=via)


def meeting_file(meeting, user, fmt, *, via):
    """A meeting's pack as ``user`` may see it (export.export_meeting), its restricted incidents audited."""
    return exported(user, export.export_meeting(meeting, user, fmt), via=via, meeting=meeting)


def selection_file(incidents, user, fmt, *, via, **pack_options):
    """A pack of these incidents (export.export_selection), its restricted incidents audited."""
    return exported(user, export.export_selection(incidents, user, fmt, **pack_options), via=via)


@transaction.atomic
def downloaded(job, user):
    """Record that ``user`` downloaded ``job``'s finished file: one entry per restricted incident it holds
    (those deleted since are left out: nothing would name them)."""
    for incident in Incident.objects.filter(pk__in=job.restricted).order_by("pk"):
        audit.record(user, audit.DOWNLOADED, incident=incident, format=job.format,
                     retrospective=job.retrospective_id, job=job.pk)


def request_export(meeting, user, fmt, language=None):
    """Queue the preparation of ``meeting``'s pack in ``fmt`` as ``user`` may see it (once the current
    transaction commits; in-process without a broker, so the job is done when this returns outside one)."""
    export.check_format(fmt, export.PACK_FORMATS)
    job = ExportJob.objects.create(retrospective=meeting, requested_by=user, format=fmt,
                                   language=language or settings.LANGUAGE_CODE)
    jobs.render_export(job.pk)
    return job


def render_export(job_id, *, give_up_on_storage_error=False):
    """Render an export job's file as its requester may see the meeting, and store it under EXPORT_DIR.
    Returns the outcome (``done``, ``gone``, ``failed``). A failure to store the file (OSError) is raised
    for a retry, unless ``give_up_on_storage_error``; then, as on any other error, the job is marked
    failed with a short message (any other error is raised too: it is a bug, not something a retry fixes)."""
    remove_expired_exports()
    job = ExportJob.objects.select_related("retrospective", "requested_by").filter(pk=job_id).first()
    if job is None or job.status == ExportJob.Status.DONE:
        return "gone" if job is None else "done"
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING)
    try:
        with translation.override(job.language):
            file = export.export_meeting(job.retrospective, job.requested_by, job.format)
        job.filename = file.filename
        settings.EXPORT_DIR.mkdir(parents=True, exist_ok=True)
        tmp = job.path.with_name(f".{job.path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(file.content)
        os.replace(tmp, job.path)  # readers never see half a file
    except OSError as exc:
        if not give_up_on_storage_error:
            raise
        log.warning("export job %s failed: %s", job.pk, exc)
        _export_failed(job, f"The file could not be stored: {exc.strerror or exc.__class__.__name__}.")
        return "failed"
    except Exception as exc:
        # A bug, not something a retry fixes: say so on the job, and let Celery (or the test) see the error.
        _export_failed(job, f"Unexpected error ({exc.__class__.__name__}).")
        raise
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.DONE, filename=job.filename, error="",
                                               restricted=[incident.pk for incident in file.restricted()],
                                               finished_at=timezone.now())
    return "done"


def _export_failed(job, message):
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, error=message[:300],
                                               finished_at=timezone.now())


def remove_expired_exports():
    """Housekeeping: drop jobs older than ExportJob.KEEP, and files under EXPORT_DIR older than that
    (which includes files of jobs deleted with their meeting and leftovers of interrupted writes)."""
    ExportJob.objects.expired().delete()
    cutoff = time.time() - ExportJob.KEEP.total_seconds()
    try:
        if not settings.EXPORT_DIR.is_dir():
            return
        for path in settings.EXPORT_DIR.iterdir():
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
    except OSError as exc:  # never stops the export itself
        log.warning("could not clean up %s: %s", settings.EXPORT_DIR, exc)
