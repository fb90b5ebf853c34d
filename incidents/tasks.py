"""Background tasks. Each takes primary keys, re-reads the database, and is safe to run twice."""

import logging

from celery import shared_task
from django.utils import timezone

from . import github, search
from .models import GitHubReference, Incident

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
