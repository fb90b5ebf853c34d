"""Background tasks. Each takes primary keys, re-reads the database, and is safe to run twice."""

import logging
import os
import time

from celery import shared_task
from django.conf import settings
from django.utils import timezone, translation

from . import export, github, search
from .models import ExportJob, GitHubReference, Incident

log = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(github.GitHubUnavailable,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
)
def sync_github_reference(self, reference_id):
    """Copy the title and state of one GitHub issue or pull request from GitHub."""
    reference = GitHubReference.objects.filter(pk=reference_id).first()
    if reference is None:
        return "gone"
    try:
        remote = github.fetch(reference.owner, reference.repo, reference.number)
    except github.GitHubNotFound as exc:
        _record_failure(reference, f"not found on GitHub ({exc})")
        return "not-found"
    except github.GitHubUnavailable as exc:
        if self.request.is_eager:
            # In-process (no broker): do not block the request retrying; `manage.py sync_github` tries again.
            _record_failure(reference, f"GitHub unavailable ({exc})")
            return "unavailable"
        raise
    changed = (reference.title, reference.state) != (remote["title"], remote["state"])
    GitHubReference.objects.filter(pk=reference.pk).update(
        title=remote["title"], state=remote["state"], kind=remote["kind"],
        synced_at=timezone.now(), sync_error="",
    )
    if changed:  # the issue title is part of what search finds for the incidents linking it
        from .services import queue_reindex  # services imports this module

        for incident_id in Incident.objects.linking([reference]).values_list("pk", flat=True):
            queue_reindex(incident_id)
    return remote["state"]


def _record_failure(reference, message):
    log.warning("GitHub sync of %s failed: %s", reference.short, message)
    GitHubReference.objects.filter(pk=reference.pk).update(sync_error=message[:300], synced_at=timezone.now())


@shared_task(bind=True, max_retries=10)
def update_search_index(self, incident_id):
    """Re-index one incident from the database (or drop it from the index if it is gone)."""
    try:
        search.index_incident(incident_id)
    except Exception as exc:
        if self.request.is_eager:
            # In-process: never fail the request that saved the data; check_search_index reports the gap.
            log.exception("search index update of incident %s failed", incident_id)
            return "failed"
        raise self.retry(exc=exc, countdown=min(300, 5 * 2**self.request.retries)) from exc
    return "indexed"


@shared_task(bind=True, max_retries=3)
def render_export(self, job_id):
    """Render an export job's file as its requester may see the meeting, and store it under EXPORT_DIR.
    A failure to store the file (OSError) is retried with backoff in a worker; in-process, or after the
    last retry, or on any other error, the job is marked failed with a short message."""
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
        if self.request.is_eager or self.request.retries >= self.max_retries:
            log.warning("export job %s failed: %s", job.pk, exc)
            _export_failed(job, f"The file could not be stored: {exc.strerror or exc.__class__.__name__}.")
            return "failed"
        raise self.retry(exc=exc, countdown=min(300, 10 * 2**self.request.retries)) from exc
    except Exception as exc:
        # A bug, not something a retry fixes: say so on the job, and let Celery (or the test) see the error.
        _export_failed(job, f"Unexpected error ({exc.__class__.__name__}).")
        raise
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.DONE, filename=job.filename, error="",
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
