"""The change log that derived data follows. Every change that affects what the search index holds for an
incident appends an IndexChange in the same database transaction as the change itself, so a change that
is committed is never lost for the index, and a rolled-back one never reaches it. Each search index (one
per machine) keeps its place in the log as a cursor; IndexCursor mirrors those places in the database so
that old changes can be pruned once every index has passed them, and lag can be reported."""

from django.db import models
from django.utils import timezone

PRUNED = "(pruned)"  # the IndexCursor row that records how far changes were pruned (position and horizon)


class TransactionId(models.Func):
    """The id of the transaction that inserts the row, on PostgreSQL (epoch-extended, so it never wraps);
    NULL on other databases."""

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        if connection.vendor == "postgresql":
            return "pg_current_xact_id()::text::bigint", []
        return "NULL", []


class IndexChangeQuerySet(models.QuerySet):
    def after(self, position):
        return self.filter(pk__gt=position).order_by("pk")


class IndexChange(models.Model):
    """Incident ``incident_id`` changed (or was deleted): re-index it. Not a foreign key: deletions are
    logged too, and the log must not hold up deleting an incident."""

    incident_id = models.BigIntegerField(db_index=True)  # read per incident for its ETag (incidents.conditional)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # On PostgreSQL the id of the transaction that wrote it (pg_current_xact_id()): ids are assigned at
    # insert, not at commit, so the follower settles a change only once its transaction can no longer
    # commit (see search.cursor). NULL on SQLite, where writers are serialized, and for older rows.
    txid = models.BigIntegerField(null=True, blank=True, db_index=True)

    objects = IndexChangeQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"#{self.pk}: INC-{self.incident_id} at {self.created_at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args, **kwargs):
        stamped = self._state.adding and self.txid is None
        if stamped:
            self.txid = TransactionId()
        super().save(*args, **kwargs)
        if stamped:
            del self.txid  # read back from the database if asked for


class IndexCursor(models.Model):
    """How far one search index (named by machine and directory) has applied the change log: every change
    up to ``position`` whose transaction id is below ``horizon`` (PostgreSQL; 0 on SQLite)."""

    name = models.CharField(max_length=300, unique=True)
    position = models.BigIntegerField(default=0)
    horizon = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} at #{self.position}"
