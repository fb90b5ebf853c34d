"""The periodic sweep (Celery beat runs it through incidents.tasks.housekeeping): work that a broker
outage may have dropped is queued again (GitHub references whose sync is due, waiting export jobs), and what is kept only for a while is removed,
with the stored attachment files no row names (orphans left by a failure: actions.attachments.sweep)."""

import datetime
import logging

from django.utils import timezone

from incidents import jobs
from incidents.models import ExportJob, GitHubDelivery, GitHubReference, IdempotencyKey

from . import attachments, audit, searchlog, similarity
from .exports import remove_expired_exports

log = logging.getLogger(__name__)

STUCK_AFTER = datetime.timedelta(minutes=2)
DELIVERIES_KEPT = datetime.timedelta(days=30)


def sweep(now=None):
    """Returns what was done, for the log: {"github": n, "exports": n, "keys": n, "deliveries": n, "audit": n,
    "search_log": n, "similar": n, "attachments": n} (similar: incidents whose stored similar incidents were refreshed; webhook deliveries are kept 30 days, audit entries a year: audit.KEPT, the search log
    settings.SEARCH_LOG_DAYS; attachments: orphan files removed, None when the attachments storage could not be
    read, which is logged and tried again next time)."""
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
    done = {"github": due, "exports": len(waiting), "keys": keys, "deliveries": deliveries, "audit": audit.prune(now),
            "search_log": searchlog.prune(now), "similar": similarity.refresh(now=now)}
    try:
        done["attachments"] = attachments.sweep(now)
    except Exception:  # noqa: BLE001 - object storage unreachable: the rest of the sweep is done, and reported
        log.exception("housekeeping: the attachments storage could not be swept (orphan files are kept for now)")
        done["attachments"] = None
    return done
