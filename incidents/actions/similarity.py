"""Keeping every incident's similar incidents in the database (models.SimilarIds), for the recurrence rate and
the "recurred" filter. The periodic sweep (actions.housekeeping) calls ``refresh``: the incidents without a row
first, then those changed since their row, then the oldest rows; at most ``limit`` per call, so a sweep stays
short and a large installation is covered over a few sweeps. Idempotent: a row is replaced whole."""

import datetime
import logging

from django.conf import settings
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from incidents import search
from incidents.models import Incident, SimilarIds

log = logging.getLogger(__name__)
LIMIT = 200  # incidents per sweep (a similarity search takes some 20-30 ms)


def stale(now=None):
    """The dated incidents whose row is missing, older than their version, or older than
    POSTMORTEM_RECURRENCE_CACHE_SECONDS; missing first, then by age."""
    now = now or timezone.now()
    rows = SimilarIds.objects.filter(incident=OuterRef("pk"))
    oldest = now - datetime.timedelta(seconds=settings.POSTMORTEM_RECURRENCE_CACHE_SECONDS)
    dated = Incident.objects.filter(started_at__isnull=False).annotate(
        row_version=Subquery(rows.values("version")), row_at=Subquery(rows.values("computed_at")))
    missing = dated.filter(row_version__isnull=True)
    changed = dated.exclude(row_version__isnull=True).exclude(row_version=F("version"))
    old = dated.filter(row_version=F("version"), row_at__lt=oldest).order_by("row_at")
    return missing, changed, old


def refresh(limit=LIMIT, now=None):
    """Compute the rows of up to ``limit`` stale incidents; how many were written (0 without an index)."""
    now = now or timezone.now()
    written = 0
    for queryset in stale(now):
        for incident in queryset.only("pk", "version", "started_at")[:limit - written]:
            try:
                ids = search.similar_ids(incident, fresh=True)
            except search.SearchUnavailable as error:
                log.info("similar incidents not refreshed: %s", error.reason)
                return written
            SimilarIds.objects.update_or_create(incident_id=incident.pk, defaults={
                "version": incident.version, "ids": ids, "computed_at": now})
            written += 1
        if written >= limit:
            break
    return written
