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
    never_synced = list(GitHubReference.objects.filter(synced_at__isnull=True).values_list("pk", flat=True))
    queue_github_sync(GitHubReference.objects.filter(pk__in=never_synced))
    waiting = list(ExportJob.objects.filter(status=ExportJob.Status.PENDING, created_at__lt=now - STUCK_AFTER)
                   .values_list("pk", flat=True))
    for pk in waiting:
        jobs.queue(jobs.RENDER_EXPORT, pk)
    remove_expired_exports()
    keys, _ = IdempotencyKey.objects.expired(now).delete()
    return {"github": len(never_synced), "exports": len(waiting), "keys": keys}
