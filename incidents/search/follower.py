"""The follower: the one writer of this machine's index, which applies the change log to it.

It runs as a thread in the app process (``make run``, ``make serve``; started from postmortem/wsgi.py) or
as ``manage.py follow_search_index``. Whoever holds the machine's follower lock writes; every other
process only reads. It is woken right after a commit (in-process, and by NOTIFY on PostgreSQL) and polls
every SEARCH_POLL_SECONDS besides, so a lost wake-up costs a second, never an update. Every
SEARCH_REPAIR_SECONDS it checks that the index is readable and rebuilds a new generation when it is
missing, damaged or too far behind the pruned log, and prunes changes every index has passed.

Sequence ids are assigned at insert, not at commit, so a change with a lower id can become visible after a
higher one. The settled position (the cursor) therefore trails by SEARCH_RESCAN_SECONDS: changes after it
are re-read on every pass and applied once each (re-indexing is idempotent anyway).

Without a follower thread in the process (tests, management commands, a worker), a commit catches the
index up in-process, provided no follower elsewhere on the machine holds the lock.
"""

import datetime
import logging
import socket
import threading
import time

from django.conf import settings
from django.db import IntegrityError, connection
from django.db.models import Max
from django.utils import timezone

from incidents.models import IndexChange, IndexCursor
from incidents.models.changes import PRUNED

from . import backends, generations
from .documents import FORMAT, document_for, incidents_for_index

log = logging.getLogger(__name__)
BATCH = 500
NOTIFY_CHANNEL = "postmortem_search_index"  # commits that log a change NOTIFY it (PostgreSQL)


class _State:
    def __init__(self, position):
        self.position = position  # every change up to here is applied and settled
        self.seen = set()  # changes after it already applied


_states = {}
_states_lock = threading.Lock()
_inline_lock = threading.Lock()
_thread = None


def cursor_name():
    return f"{socket.gethostname()}:{generations.root().resolve()}"


def _state(directory):
    with _states_lock:
        state = _states.get(directory)
        if state is None:
            state = _states[directory] = _State(generations.read_cursor(directory) or 0)
        return state


def _publish(position):
    """Mirror this index's position in the database (for pruning and for check_search_index)."""
    name = cursor_name()
    if not IndexCursor.objects.filter(name=name).update(position=position, updated_at=timezone.now()):
        try:
            IndexCursor.objects.create(name=name, position=position)
        except IntegrityError:
            IndexCursor.objects.filter(name=name).update(position=position, updated_at=timezone.now())


def _reindex(directory, pks):
    found = {incident.pk: incident for incident in incidents_for_index().filter(pk__in=pks)}
    backends.current().write(documents=[document_for(incident) for incident in found.values()],
                             remove_ids=sorted(set(pks) - set(found)), directory=directory)


def catch_up(directory=None):
    """Apply the changes this generation has not applied yet. Returns how many were applied."""
    directory = directory or generations.current()
    if directory is None:
        return 0
    state, applied = _state(directory), 0
    after = state.position
    horizon = timezone.now() - datetime.timedelta(seconds=settings.SEARCH_RESCAN_SECONDS)
    settled, settling = state.position, True
    while True:
        rows = list(IndexChange.objects.after(after).values_list("pk", "incident_id", "created_at")[:BATCH])
        fresh = [row for row in rows if row[0] not in state.seen]
        if fresh:
            _reindex(directory, {incident for _pk, incident, _at in fresh})
            state.seen.update(pk for pk, _incident, _at in fresh)
            applied += len(fresh)
        for pk, _incident, created_at in rows:
            settling = settling and created_at < horizon
            if settling:
                settled = pk
        if len(rows) < BATCH:
            break
        after = rows[-1][0]
    if settled != state.position:
        state.position = settled
        state.seen = {pk for pk in state.seen if pk > settled}
        generations.write_cursor(directory, settled)
        _publish(settled)
    return applied


def _pruned_position():
    return IndexCursor.objects.filter(name=PRUNED).values_list("position", flat=True).first() or 0


def _settled_position():
    """Where a build from the database now may start in the log: past every settled change, and past
    every pruned one (the database already holds what they changed)."""
    horizon = timezone.now() - datetime.timedelta(seconds=settings.SEARCH_RESCAN_SECONDS)
    settled = IndexChange.objects.filter(created_at__lt=horizon).aggregate(last=Max("pk"))["last"] or 0
    return max(settled, _pruned_position())


def rebuild(procs=1):
    """Build a new generation from the database, switch searches to it, and catch it up.
    Returns (incidents indexed, seconds taken)."""
    started = time.monotonic()
    position = _settled_position()  # later changes are re-applied by catch_up: idempotent

    def documents():
        last = 0
        while True:
            batch = list(incidents_for_index().filter(pk__gt=last)[:BATCH])
            if not batch:
                return
            yield from (document_for(incident) for incident in batch)
            last = batch[-1].pk

    directory = generations.new()
    try:
        count = backends.current().bulk_load(directory, documents(), procs=procs)
        generations.write_cursor(directory, position)
        generations.write_engine(directory, backends.name())
        generations.write_format(directory, FORMAT)
    except BaseException:
        generations.discard(directory)
        raise
    generations.switch(directory)
    with _states_lock:
        _states[directory] = _State(position)
    catch_up(directory)
    _publish(_state(directory).position)
    return count, time.monotonic() - started


def create_empty():
    """An empty generation at the start of the change log (a new installation with no incidents, tests)."""
    directory = generations.new()
    backends.current().create(directory)
    generations.write_cursor(directory, 0)
    generations.write_engine(directory, backends.name())
    generations.write_format(directory, FORMAT)
    generations.switch(directory)
    return directory


def needs_rebuild():
    """Why this machine's index must be rebuilt (missing, damaged, built by another engine than the one
    configured, of an older format or fields, behind the pruned log), or ''."""
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
    if _state(directory).position < _pruned_position():
        return "changes it has not applied were pruned from the log"
    if not engine.has_current_fields(directory):
        return "it was built by an older version (its fields differ)"
    return ""


def repair():
    """Rebuild the index if it needs it; returns the reason, or '' when it was fine."""
    reason = needs_rebuild()
    if reason:
        log.error("search index under %s: %s; rebuilding it from the database", generations.root(), reason)
        backends.forget()
        count, seconds = rebuild()
        log.error("search index rebuilt: %d incidents in %.1f s", count, seconds)
    return reason


def prune(now=None):
    """Delete changes every live index has passed, and any older than SEARCH_CHANGE_RETENTION_DAYS."""
    now = now or timezone.now()
    oldest_kept = now - datetime.timedelta(days=settings.SEARCH_CHANGE_RETENTION_DAYS)
    live = IndexCursor.objects.exclude(name=PRUNED).filter(updated_at__gte=oldest_kept)
    floor = min(live.values_list("position", flat=True), default=0)
    expired = IndexChange.objects.filter(created_at__lt=oldest_kept).aggregate(last=Max("pk"))["last"] or 0
    through = max(floor, expired)
    if not through:
        return 0
    deleted, _ = IndexChange.objects.filter(pk__lte=through).delete()
    if deleted:
        record, _created = IndexCursor.objects.get_or_create(name=PRUNED)
        if through > record.position:
            IndexCursor.objects.filter(pk=record.pk).update(position=through)
    return deleted


# --- running -----------------------------------------------------------------------------------------------


class Follower(threading.Thread):
    """Hold the machine's follower lock (waiting for it while another process has it), then apply the log
    whenever woken and every SEARCH_POLL_SECONDS; repair and prune every SEARCH_REPAIR_SECONDS."""

    def __init__(self):
        super().__init__(name="search-index-follower", daemon=True)
        self.woken = threading.Event()
        self.stopped = threading.Event()
        self.lock = generations.FollowerLock()
        self.next_repair = 0.0

    def run(self):
        listener = _Listener(self.woken)
        while not self.stopped.is_set():
            try:
                if self.lock.held or self.lock.acquire():
                    self.step()
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
