"""Failures that are not the request's fault and pass by themselves: the database unreachable (restarting,
failing over, out of connections, a connection dropped mid-request) and storage full (the SQLite file's,
the search index's, the upload or export directory's filesystem). Every entry point answers these with 503
and ``Retry-After`` instead of 500 — the API through its exception handler (incidents.api.views), pages
through incidents.web.middleware (a view's exception) and ``handler500`` / ``handler400`` (an exception raised
in another middleware; a session that cannot be saved is reported as a 400 SessionInterrupted). One rule,
here: ``classify``.

Whatever the request was writing is not half-applied: writes run in transactions (incidents.actions), so a
lost connection or a full disk rolls the whole change back."""

import errno

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _

DATABASE, STORAGE = "database", "storage"
MESSAGES = {
    DATABASE: _("The database is unavailable right now; nothing was changed. Try again in a few seconds."),
    STORAGE: _("The storage is full; nothing was changed. Try again once space has been freed."),
}
FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
# SQLite errors that pass: a busy lock past its timeout, a file that cannot be opened or read now.
_SQLITE_TRANSIENT = ("database is locked", "database table is locked", "unable to open database file",
                     "disk i/o error")
_SQLITE_FULL = "database or disk is full"
# PostgreSQL SQLSTATE classes and codes that pass: connection exceptions (08), operator intervention
# (57: admin shutdown, the server starting up or shutting down), insufficient resources (53: too many
# connections, out of memory; 53100 is disk full), serialization failures, deadlocks and lock timeouts.
_PG_CLASSES = ("08", "53", "57")
_PG_CODES = {"40001", "40P01", "55P03"}
_PG_DISK_FULL = "53100"


def _chain(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _full(exc):
    if isinstance(exc, OSError) and exc.errno in FULL_ERRNOS:
        return True
    text = str(exc).lower()
    # SQLite's SQLITE_FULL; PostgreSQL's 53100; tantivy reports the OS error in its message
    return (_SQLITE_FULL in text or getattr(exc, "sqlstate", None) == _PG_DISK_FULL
            or "no space left on device" in text or "disk quota exceeded" in text)


def _database_unavailable(exc):
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if type(cause).__module__.startswith("psycopg"):
        # no SQLSTATE: the connection itself failed (refused, closed by the server, timed out)
        return sqlstate is None or sqlstate[:2] in _PG_CLASSES or sqlstate in _PG_CODES
    return str(exc).lower().startswith(_SQLITE_TRANSIENT)


def classify(exc):
    """STORAGE when ``exc`` (or what caused it) says the storage is full, DATABASE when the database is
    unavailable for a while, else None (a real error: 500)."""
    chain = list(_chain(exc))  # also what it was raised from or while handling (e.g. a session not saved)
    if any(_full(link) for link in chain):
        return STORAGE
    if any(_database_unavailable(link) for link in chain):
        return DATABASE
    return None


def retry_after():
    return settings.POSTMORTEM_RETRY_AFTER_SECONDS


def log_refused(logger, request, kind, exc):
    """The one log line of a request refused with 503 for failure ``kind``."""
    text = str(exc).strip()
    logger.warning("503 %s %s: %s (%s: %s)", getattr(request, "method", ""), getattr(request, "path", ""),
                   "storage is full" if kind == STORAGE else "database unavailable", exc.__class__.__name__,
                   text.splitlines()[0][:200] if text else "")
