"""Where an index is in the change log, and which changes are settled (can be passed over for good).

Change ids are assigned at insert, not at commit: a transaction that stays open (a bulk import, a slow
migration, a stuck admin action) can commit a change with a lower id than changes already applied. So an
index's place is two numbers, (position, horizon):

- PostgreSQL records the writing transaction's id with each change (IndexChange.txid). Every committed
  change with ``pk <= position`` and ``txid < horizon`` is applied. The horizon is the oldest transaction
  that may still commit (``pg_snapshot_xmin(pg_current_snapshot())``), taken BEFORE the log is read:
  every transaction below it had ended, so each read after it sees all of their changes. A pass reads the
  changes with ``pk > position OR txid >= horizon``, applies those it has not applied yet, and advances to
  (the highest id read, the horizon it took). A change whose transaction is still open has a txid at or
  above the new horizon, so it is read again on every pass until it commits, however long that takes.
- SQLite serializes writers: a write transaction holds the database's write lock from its first write
  (from BEGIN, with the settings' "transaction_mode": "IMMEDIATE") until it ends, and takes its ids under
  it, so ids become visible in order: every change up to the highest visible id is settled and the horizon
  stays 0 (tests/processes/test_long_transactions.py shows a second writer waiting for the first's commit).

Nothing here depends on time; SEARCH_RESCAN_SECONDS is gone.
"""

from dataclasses import dataclass

from django.db import IntegrityError, connection
from django.db.models import Max, Q
from django.utils import timezone

from ..models import IndexChange, IndexCursor
from ..models.changes import PRUNED


@dataclass(frozen=True)
class Place:
    position: int = 0
    horizon: int = 0

    def covers(self, other):
        """Whether every change ``other`` has passed is also passed here."""
        return self.position >= other.position and self.horizon >= other.horizon


def horizon():
    """The oldest transaction id that may still commit (PostgreSQL); 0 on SQLite. Take it before reading
    the log: changes of transactions below it are all visible to any later read."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        return cursor.fetchone()[0]


def pending(place):
    """The changes an index at ``place`` may not have applied (some of them it has: see follower.catch_up)."""
    after = Q(pk__gt=place.position)
    if connection.vendor == "postgresql":
        after |= Q(txid__gte=place.horizon)
    return IndexChange.objects.filter(after)


def now():
    """The place of a build that starts reading the database now: every change up to the highest id is
    settled if its transaction is below the horizon (taken first). Past what was pruned, too: the database
    already holds what the pruned changes changed."""
    limit = horizon()
    last = IndexChange.objects.aggregate(last=Max("pk"))["last"] or 0
    pruned = pruned_place()
    return Place(max(last, pruned.position), max(limit, pruned.horizon))


def pruned_place():
    row = IndexCursor.objects.filter(name=PRUNED).values_list("position", "horizon").first()
    return Place(*row) if row else Place()


def publish(name, place):
    """Mirror an index's place in the database (for pruning and for check_search_index)."""
    values = {"position": place.position, "horizon": place.horizon, "updated_at": timezone.now()}
    if not IndexCursor.objects.filter(name=name).update(**values):
        try:
            IndexCursor.objects.create(name=name, position=place.position, horizon=place.horizon)
        except IntegrityError:
            IndexCursor.objects.filter(name=name).update(**values)


def prunable(floor):
    """The changes every index at or past ``floor`` has applied."""
    done = IndexChange.objects.filter(pk__lte=floor.position)
    if connection.vendor == "postgresql":
        done = done.filter(Q(txid__isnull=True) | Q(txid__lt=floor.horizon))
    return done


def record_pruned(place):
    record, _created = IndexCursor.objects.get_or_create(name=PRUNED)
    IndexCursor.objects.filter(pk=record.pk).update(position=max(record.position, place.position),
                                                    horizon=max(record.horizon, place.horizon))
