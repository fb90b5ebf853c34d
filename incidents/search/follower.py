"""The follower: the one writer of this machine's index, which applies the change log to it.

It runs as a thread in the app process (``make run``, ``make serve``; started from postmortem/wsgi.py) or
as ``manage.py follow_search_index``. Whoever holds the machine's follower lock writes; every other
process only reads. It is woken right after a commit (in-process, and by NOTIFY on PostgreSQL) and polls
every SEARCH_POLL_SECONDS besides, so a lost wake-up costs a second, never an update. Every
SEARCH_REPAIR_SECONDS it checks that the index is readable and rebuilds a new generation when it is
missing (copying a peer's first: ``join``), damaged or too far behind the pruned log, and prunes changes
every index has passed; every SEARCH_RECONCILE_SECONDS it compares the index with the database and fixes
what differs (``reconcile``).

Its place in the log is (position, horizon), see ``cursor``: a change is passed over only once its
transaction can no longer commit, so a change committed by a transaction that stayed open for an hour is
applied on the next pass after its commit. The place is stored with the generation (cursor.json), which
is what every other process reads; re-indexing is idempotent, so applying a change twice is harmless.

Without a follower thread in the process (tests, management commands, a worker), a commit catches the
index up in-process, provided no follower elsewhere on the machine holds the lock.
"""

import datetime
import logging
import socket
import threading
import time

from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from incidents.models import IndexChange, IndexCursor
from incidents.models.changes import PRUNED

from . import backends, cursor, generations, peers, reconcile, rows
from .cursor import Place
from .documents import FORMAT, document_for, incidents_for_index

log = logging.getLogger(__name__)
BATCH = 500
NOTIFY_CHANNEL = "postmortem_search_index"  # commits that log a change NOTIFY it (PostgreSQL)


class _State:
    """The writer's view of a generation's place: ``place`` as stored in its cursor.json, and ``seen``, the
    changes at or below it that are read again (their transaction id is at or above the horizon) but
    already applied."""

    def __init__(self, place):
        self.place = place
        self.seen = set()


_states = {}
_states_lock = threading.Lock()
_inline_lock = threading.Lock()
_thread = None


def cursor_name():
    return f"{socket.gethostname()}:{generations.root().resolve()}"


def stored_place(directory):
    """A generation's place in the log as stored with it (what every process of the machine reads)."""
    state = generations.read_state(directory)
    return Place(*state) if state else Place()


def _state(directory):
    """The writer's state of ``directory``, taken again from cursor.json when another process wrote it
    since (the lock changed hands): never a stale copy."""
    place = stored_place(directory)
    with _states_lock:
        state = _states.get(directory)
        if state is None or state.place != place:
            state = _states[directory] = _State(place)
        return state


def _reindex(directory, pks):
    found = {incident.pk: incident for incident in incidents_for_index().filter(pk__in=pks)}
    backends.current().write(documents=[document_for(incident) for incident in found.values()],
                             remove_ids=sorted(set(pks) - set(found)), directory=directory)


def catch_up(directory=None):
    """Apply the changes this generation has not applied yet. Returns how many were applied."""
    directory = directory or generations.current()
    if directory is None:
        return 0
    state, applied, read = _state(directory), 0, False
    horizon = max(cursor.horizon(), state.place.horizon)  # first: see cursor
    position, seen, after = state.place.position, set(), 0
    while True:
        rows = list(cursor.pending(state.place).filter(pk__gt=after).order_by("pk")
                    .values_list("pk", "incident_id", "txid")[:BATCH])
        fresh = [row for row in rows if row[0] not in state.seen]
        if fresh:
            _reindex(directory, {incident for _pk, incident, _txid in fresh})
            applied += len(fresh)
        for pk, _incident, txid in rows:
            read, position = True, max(position, pk)
            if txid is not None and txid >= horizon:
                seen.add(pk)  # read again next time (its transaction may not be the last of its kind)
        if len(rows) < BATCH:
            break
        after = rows[-1][0]
    place = Place(position, horizon)
    if read and place != state.place:
        generations.write_cursor(directory, place.position, place.horizon)
        cursor.publish(cursor_name(), place)
        with _states_lock:
            _states[directory] = new = _State(place)
            new.seen = seen
    elif read:
        state.seen = seen
    return applied


def rebuild(procs=1):
    """Build a new generation from the database, switch searches to it, and catch it up.
    Returns (incidents indexed, seconds taken)."""
    started = time.monotonic()
    place = cursor.now()  # before reading incidents; later changes are re-applied by catch_up: idempotent

    def documents():
        last = 0
        while batch := rows.incidents(last, BATCH):  # plain rows: a model instance per related row costs more
            yield from (document_for(incident) for incident in batch)
            last = batch[-1].pk

    directory = generations.new()
    try:
        count = backends.current().bulk_load(directory, documents(), procs=procs)
        generations.write_cursor(directory, place.position, place.horizon)
        generations.write_engine(directory, backends.name())
        generations.write_format(directory, FORMAT)
    except BaseException:
        generations.discard(directory)
        raise
    generations.switch(directory)
    catch_up(directory)
    cursor.publish(cursor_name(), stored_place(directory))
    return count, time.monotonic() - started


def create_empty():
    """An empty generation at the start of the change log (a new installation with no incidents, tests)."""
    directory = generations.new()
    backends.current().create(directory)
    generations.write_cursor(directory, 0, 0)
    generations.write_engine(directory, backends.name())
    generations.write_format(directory, FORMAT)
    generations.switch(directory)
    return directory


def needs_rebuild():
    """Why this machine's index must be rebuilt (missing, damaged, built by another engine than the one
    configured, of an older format or fields, behind the pruned log), or ''. Reads the generation's stored
    place, so any process (a web worker that never writes) answers what the writer last stored."""
    directory = generations.current()
    if directory is None:
        return "there is no index yet"
    if generations.damaged():
        return "a reader found it unreadable"
    built_by = generations.read_engine(directory)
    if built_by != backends.name():
        return f"it was built by another engine ({built_by}; SEARCH_BACKEND is {backends.name()})"
    if generations.read_format(directory) != FORMAT:
        return f"it was built by an older version (format {generations.read_format(directory)}, now {FORMAT})"
    engine = backends.current()
    try:
        engine.check_readable(directory)
    except Exception as exc:  # any failure to read it: the database is the truth
        return f"it cannot be read ({exc.__class__.__name__}: {exc})"
    if not stored_place(directory).covers(cursor.pruned_place()):
        return "changes it has not applied were pruned from the log"
    if not engine.has_current_fields(directory):
        return "it was built by an older version (its fields differ)"
    return ""


def repair():
    """Rebuild the index if it needs it (a node with none yet first copies a peer's: ``join``); returns the
    reason, or '' when it was fine."""
    reason = needs_rebuild()
    if reason:
        backends.forget()
        if generations.current() is None and settings.SEARCH_PEERS and join():
            return reason
        log.error("search index under %s: %s; rebuilding it from the database", generations.root(), reason)
        count, seconds = rebuild()
        log.error("search index rebuilt: %d incidents in %.1f s", count, seconds)
    return reason


def join():
    """Copy a peer's current generation (search.peers), switch searches to it and apply the log from its
    cursor. False when no peer's copy was usable."""
    log.error("search index under %s: there is no index yet; copying it from a peer (SEARCH_PEERS)",
              generations.root())
    copied = peers.fetch()
    if copied is None:
        return False
    directory, peer, size, seconds = copied
    generations.switch(directory)
    applied = catch_up(directory)
    cursor.publish(cursor_name(), stored_place(directory))
    log.error("search index copied from %s (%.1f MiB in %.1f s), then %d change(s) of the log applied",
              peer, size / 2**20, seconds, applied)
    return True


def reconcile_now(directory=None):
    """Compare the index with the database and fix what differs (see ``reconcile``); the report, or None
    without an index."""
    directory = directory or generations.current()
    if directory is None:
        return None
    return reconcile.reconcile(directory, stored_place(directory), _reindex)


def prune(now=None):
    """Delete changes every live index has passed, and any older than SEARCH_CHANGE_RETENTION_DAYS."""
    now = now or timezone.now()
    oldest_kept = now - datetime.timedelta(days=settings.SEARCH_CHANGE_RETENTION_DAYS)
    live = list(IndexCursor.objects.exclude(name=PRUNED).filter(updated_at__gte=oldest_kept)
                .values_list("position", "horizon"))
    floor = Place(min((p for p, _h in live), default=0), min((h for _p, h in live), default=0))
    expired = IndexChange.objects.filter(created_at__lt=oldest_kept).aggregate(last=Max("pk"))["last"] or 0
    deleted = 0
    if floor.position:
        deleted += cursor.prunable(floor).delete()[0]
    if expired:
        deleted += IndexChange.objects.filter(pk__lte=expired).delete()[0]
    if deleted:
        cursor.record_pruned(Place(max(floor.position, expired), floor.horizon))
    return deleted


# --- running -----------------------------------------------------------------------------------------------


class Follower(threading.Thread):
    """Hold the machine's follower lock (waiting for it while another process has it), then apply the log
    whenever woken and every SEARCH_POLL_SECONDS; repair and prune every SEARCH_REPAIR_SECONDS; reconcile
    every SEARCH_RECONCILE_SECONDS."""

    def __init__(self):
        super().__init__(name="search-index-follower", daemon=True)
        self.woken = threading.Event()
        self.stopped = threading.Event()
        self.lock = generations.FollowerLock()
        self.next_repair = 0.0
        self.next_reconcile = time.monotonic() + settings.SEARCH_RECONCILE_SECONDS  # the repair checks first
        self.passes = threading.Condition()  # passes begun and ended, for ``pass_from_now``
        self.begun = self.ended = 0

    def run(self):
        listener = _Listener(self.woken)
        while not self.stopped.is_set():
            try:
                if self.lock.held or self.lock.acquire():
                    with self.passes:
                        self.begun += 1
                    try:
                        self.step()
                    finally:
                        with self.passes:
                            self.ended += 1
                            self.passes.notify_all()
            except Exception:  # keep following: the next pass (or the repair) tries again
                log.exception("search index follower pass failed")
                connection.close()
            listener.wait(settings.SEARCH_POLL_SECONDS, listen=self.lock.held)
            self.woken.clear()
        self.lock.release()
        connection.close()

    def step(self):
        if connection.connection is not None and not connection.is_usable():
            connection.close()  # the database went away: reconnect (kept open between passes otherwise)
        if time.monotonic() >= self.next_repair or generations.damaged():
            repair()
            prune()
            self.next_repair = time.monotonic() + settings.SEARCH_REPAIR_SECONDS
        catch_up()
        if time.monotonic() >= self.next_reconcile:
            self.next_reconcile = time.monotonic() + settings.SEARCH_RECONCILE_SECONDS
            reconcile_now()

    def pass_from_now(self, seconds):
        """Wake the follower and wait (at most ``seconds``) for a pass that begins after this call to end:
        it has applied every change committed before. False when it does not write (another process holds
        the lock) or took longer."""
        deadline = time.monotonic() + seconds
        with self.passes:
            if not self.lock.held:
                return False
            target = self.begun + 1
            while self.ended < target:
                left = deadline - time.monotonic()
                if left <= 0 or not self.is_alive():
                    return False
                self.woken.set()  # again each time: a wake-up set just before the thread cleared it is lost
                self.passes.wait(min(left, 0.1))
            return True

    def stop(self):
        self.stopped.set()
        self.woken.set()


class _Listener:
    """Waits for a wake-up: the in-process event, and on PostgreSQL the NOTIFY sent by any commit that
    logged a change (from any process or machine)."""

    def __init__(self, event):
        self.event, self.connection = event, None

    def wait(self, seconds, listen=True):
        if connection.vendor != "postgresql" or not listen:
            self.event.wait(seconds)
            return
        try:
            if self.connection is None:
                self.connection = _listening_connection()
            deadline = time.monotonic() + seconds
            while not self.event.is_set() and time.monotonic() < deadline:
                for _notice in self.connection.notifies(timeout=min(0.25, seconds), stop_after=1):
                    return
        except Exception as exc:  # polling still works without it
            log.warning("search index follower: LISTEN failed (%s); polling", exc)
            self.connection = None
            self.event.wait(seconds)


def _listening_connection():
    import psycopg

    db = connection.settings_dict
    listener = psycopg.connect(dbname=db["NAME"], user=db["USER"] or None, password=db["PASSWORD"] or None,
                               host=db["HOST"] or None, port=db["PORT"] or None, autocommit=True)
    listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
    return listener


def start():
    """Start this process's follower thread (once); it writes only while it holds the machine's lock."""
    global _thread
    if not settings.SEARCH_FOLLOWER or (_thread is not None and _thread.is_alive()):
        return _thread
    _thread = Follower()
    _thread.start()
    return _thread


def apply_now(seconds):
    """Bring this machine's index up to the change log now, if this process can: through its follower thread
    (a pass that begins now, waited for at most ``seconds``), or here when no process holds the follower lock.
    False when a follower in another process holds it (that follower applies the changes)."""
    if _thread is not None and _thread.is_alive():
        return _thread.pass_from_now(seconds)
    with _inline_lock:
        lock = generations.FollowerLock()
        if not lock.acquire():
            return False
        try:
            if generations.current() is None or generations.damaged():
                return False
            catch_up()
            return True
        finally:
            lock.release()


def wake():
    """After a commit that logged changes: wake this process's follower, or, when the process has none
    and no other process on the machine holds the lock, bring the index up to date here and now.
    Never raises: a failure is logged, and the next pass or the repair catches up."""
    if _thread is not None and _thread.is_alive():
        _thread.woken.set()
        return
    try:
        with _inline_lock:
            lock = generations.FollowerLock()
            if not lock.acquire():
                return  # a follower elsewhere on this machine applies it
            try:
                if generations.current() is not None and not generations.damaged():
                    catch_up()
            finally:
                lock.release()
    except Exception:
        log.exception("search index: catching up after a commit failed; the follower or repair will retry")
