"""Celery entry points. Each takes primary keys, calls one action (or the search index), is safe to run
twice, and owns its retry policy. Work is queued only through incidents.jobs, by these tasks' names."""

import logging

from celery import shared_task

from .actions import exports, github, housekeeping as sweeps
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


@shared_task(bind=True, max_retries=3)
def render_export(self, job_id):
    """Render and store an export job's file. A failure to store it is retried with backoff in a worker;
    in-process, or after the last retry, the job is marked failed."""
    last_try = self.request.is_eager or self.request.retries >= self.max_retries
    try:
        return exports.render_export(job_id, give_up_on_storage_error=last_try)
    except OSError as exc:
        raise self.retry(exc=exc, countdown=min(300, 10 * 2**self.request.retries)) from exc


@shared_task
def housekeeping():
    """Periodic (beat): queue again what a broker outage dropped (GitHub references never synced, export
    jobs still waiting), and remove expired export files and idempotency keys."""
    done = sweeps.sweep()
    log.info("housekeeping: %s", done)
    return done
