"""The periodic reconcile: the follower's safety net under the change log.

Every SEARCH_RECONCILE_SECONDS the follower compares what the index holds for each incident with the
database, cheaply: each indexed document carries the ``stamp`` of the incident version it was built from
(documents.stamp: the version and the time of the last save), read from the index's stored fields, against
one query of (id, version, updated_at) over the incidents table; no document is rebuilt to compare. Incidents
missing from the index, indexed from another version, or indexed but gone from the database are
re-indexed or removed, and logged. Those with a change in the log that the follower has not settled yet
are its ordinary work, not drift: they are re-indexed too, but not counted. Re-indexing is idempotent, so an
incident that changes while the pass runs costs one more write, never a wrong entry.

What it cannot see: a change that moves no incident's version or save time (a tag renamed, a comment
added) and that the log missed too. `manage.py check_search_index` compares whole documents.
What it found last is kept in the index directory (generations.read_reconcile) for /healthz and
check_search_index.
"""

import logging
import time

from django.utils import timezone

from ..models import Incident
from . import backends, cursor, generations
from .documents import stamp

log = logging.getLogger(__name__)
NAMED = 50  # incidents named in the stored report (the count is always complete)


def differences(directory):
    """(missing, stale, orphans): ids of incidents not in the index, indexed from another version than the
    database's, and in the index but not in the database."""
    indexed = backends.current().stamps(directory)
    stored = {pk: stamp(version, updated_at)
              for pk, version, updated_at in Incident.objects.values_list("pk", "version", "updated_at").iterator()}
    missing = sorted(pk for pk in stored if str(pk) not in indexed)
    stale = sorted(pk for pk, value in stored.items() if str(pk) in indexed and indexed[str(pk)] != value)
    orphans = sorted(int(pk) for pk in indexed if pk.isdigit() and int(pk) not in stored)
    return missing, stale, orphans


def reconcile(directory, place, reindex):
    """Compare generation ``directory`` (at ``place`` in the log) with the database and fix what differs with
    ``reindex(directory, ids)``. Returns the report it stores: {"at", "seconds", "drift", "missing", "stale",
    "orphans"} (drift: how many differed without an unsettled change to explain it; the lists name up to
    NAMED of those each)."""
    started = time.monotonic()
    found = differences(directory)
    differing = sorted({pk for ids in found for pk in ids})
    if differing:
        reindex(directory, differing)
        unsettled = set(cursor.pending(place).filter(incident_id__in=differing).values_list("incident_id", flat=True))
        found = [[pk for pk in ids if pk not in unsettled] for ids in found]
    missing, stale, orphans = found
    drift = len(missing) + len(stale) + len(orphans)
    if drift:
        log.warning("search index reconcile: fixed %d incident(s) that differed from the database "
                    "(missing: %s; stale: %s; not in the database: %s)", drift, _named(missing),
                    _named(stale), _named(orphans))
    report = {"at": timezone.now().isoformat(), "seconds": round(time.monotonic() - started, 3),
              "drift": drift, "missing": missing[:NAMED], "stale": stale[:NAMED], "orphans": orphans[:NAMED]}
    generations.write_reconcile(report)
    return report


def _named(ids):
    return ", ".join(f"INC-{pk}" for pk in ids[:NAMED]) + (f" and {len(ids) - NAMED} more" if len(ids) > NAMED else "") \
        if ids else "none"
