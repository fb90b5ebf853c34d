"""Recording changes for the index: ``record_change(incident_id)`` appends to the change log in the current
transaction (once per incident per transaction) and, once it commits, wakes this machine's follower
(in-process; other processes find the change by polling, or by NOTIFY on PostgreSQL)."""

from django.db import connection, transaction

from incidents.models import IndexChange

from . import follower
from .follower import NOTIFY_CHANNEL


class _WakeFollower:
    """The on-commit callback of one recorded change; equal ones compare equal, so a transaction that
    touches an incident fifty times logs it once."""

    def __init__(self, pk):
        self.pk = pk
        self.fired = False  # tests run on-commit callbacks inside a transaction that goes on
        self.__qualname__ = f"wake the search index follower for incident {pk}"  # robust on_commit logs it

    def __call__(self):
        self.fired = True
        follower.wake()

    def __eq__(self, other):
        return isinstance(other, _WakeFollower) and other.pk == self.pk

    def __hash__(self):
        return hash(self.pk)


def _notify():
    """Wake the followers listening on PostgreSQL; delivered when (and only if) the transaction commits."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {NOTIFY_CHANNEL}")


def record_change(pk):
    """Log that incident ``pk`` changed, in the current transaction (or at once outside one)."""
    callback = _WakeFollower(pk)
    current = transaction.get_connection()
    if not current.in_atomic_block:
        IndexChange.objects.create(incident_id=pk)
        _notify()
        callback()
        return
    pending = [entry[1] for entry in current.run_on_commit
               if isinstance(entry[1], _WakeFollower) and not entry[1].fired]
    if callback in pending:
        return
    IndexChange.objects.create(incident_id=pk)
    if not pending:  # one NOTIFY per transaction is enough
        _notify()
    transaction.on_commit(callback, robust=True)
