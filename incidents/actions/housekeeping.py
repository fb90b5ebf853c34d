"""The periodic sweep (Celery beat runs it through incidents.tasks.housekeeping): work that a broker
outage may have dropped is queued again (GitHub references whose sync is due, waiting export jobs), and what is kept only for a while is removed."""

import datetime

from django.utils import timezone

from incidents import jobs
from incidents.models import ExportJob, GitHubDelivery, GitHubReference, IdempotencyKey

from . import audit, searchlog, similarity
from .exports import remove_expired_exports

STUCK_AFTER = datetime.timedelta(minutes=2)
DELIVERIES_KEPT = datetime.timedelta(days=30)


def sweep(now=None):
    """Returns what was done, for the log: {"github": n, "exports": n, "keys": n, "deliveries": n, "audit": n,
    "search_log": n, "similar": n} (similar: incidents whose stored similar incidents were refreshed; webhook deliveries are kept 30 days, audit entries a year: audit.KEPT, the search log
    settings.SEARCH_LOG_DAYS)."""
    now = now or timezone.now()
    due = GitHubReference.objects.due(now).count()
    if due:
        jobs.queue(jobs.DRAIN_GITHUB)
    waiting = list(ExportJob.objects.filter(status=ExportJob.Status.PENDING, created_at__lt=now - STUCK_AFTER)
                   .values_list("pk", flat=True))
    for pk in waiting:
        jobs.queue(jobs.RENDER_EXPORT, pk)
    remove_expired_exports()
    keys, _ = IdempotencyKey.objects.expired(now).delete()
    deliveries, _ = GitHubDelivery.objects.filter(received_at__lt=now - DELIVERIES_KEPT).delete()
    return {"github": due, "exports": len(waiting), "keys": keys, "deliveries": deliveries, "audit": audit.prune(now),
            "search_log": searchlog.prune(now), "similar": similarity.refresh(now=now)}
