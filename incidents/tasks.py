"""Celery entry points. Each takes primary keys, calls one action (or the search index), is safe to run
twice, and owns its retry policy. Work is queued only through incidents.jobs, by these tasks' names."""

import logging

from celery import shared_task

from . import search
from .actions import exports, github
from .github.client import GitHubUnavailable

log = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(GitHubUnavailable,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
)
def sync_github_reference(self, reference_id):
    """Copy the title and state of one GitHub issue or pull request from GitHub. In-process (no broker)
    an unavailable GitHub is recorded, not retried: the request must not wait; `manage.py sync_github`
    tries again."""
    return github.refresh_reference(reference_id, give_up_when_unavailable=self.request.is_eager)


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
    """Render and store an export job's file. A failure to store it is retried with backoff in a worker;
    in-process, or after the last retry, the job is marked failed."""
    last_try = self.request.is_eager or self.request.retries >= self.max_retries
    try:
        return exports.render_export(job_id, give_up_on_storage_error=last_try)
    except OSError as exc:
        raise self.retry(exc=exc, countdown=min(300, 10 * 2**self.request.retries)) from exc
