"""The periodic sweep (Celery beat runs it through incidents.tasks.housekeeping): work that a broker
outage may have dropped is queued again, and what is kept only for a while is removed."""

import datetime

from django.utils import timezone

from incidents import jobs
from incidents.models import ExportJob, GitHubReference, IdempotencyKey

from .exports import remove_expired_exports
from .github import queue_github_sync

STUCK_AFTER = datetime.timedelta(minutes=2)


def sweep(now=None):
    """Returns what was done, for the log: {"github": n, "exports": n, "keys": n}."""
    now = now or timezone.now()
    never_synced = GitHubReference.objects.filter(synced_at__isnull=True)
    queue_github_sync(never_synced)
    waiting = ExportJob.objects.filter(status=ExportJob.Status.PENDING, created_at__lt=now - STUCK_AFTER)
    for pk in waiting.values_list("pk", flat=True):
        jobs.queue(jobs.RENDER_EXPORT, pk)
    remove_expired_exports()
    keys, _ = IdempotencyKey.objects.expired(now).delete()
    return {"github": never_synced.count(), "exports": waiting.count(), "keys": keys}
