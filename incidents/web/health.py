"""The health of this node, for the load balancer (GET /healthz): the database, the broker (when one is
configured), this node's search index with its lag behind the change log and the drift its last
reconcile found (reported, not failed: the reconcile has fixed it), and its storage (free space, including
the attachments directory when attachments are stored on this node's disk), and Slack messages retrying or
given up (reported, not failed).
Healthy → 200; anything a node cannot serve correctly without → 503, with what failed."""

import logging
import os

from celery import current_app
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Q

from incidents import search
from incidents.models import SlackMessage

log = logging.getLogger(__name__)


def _database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any failure is the answer
        connection.close()
        return {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"[:300]}


def _broker():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "in-process (no CELERY_BROKER_URL)"}
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, interval_max=0, timeout=2)
        return {"ok": True, "mode": "broker"}
    except Exception as exc:
        return {"ok": False, "mode": "broker", "error": f"{exc.__class__.__name__}: {exc}"[:300]}


def _index(database_ok):
    if not database_ok:
        return {"ok": False, "error": "the database is unreachable"}
    try:
        state = search.status()
    except Exception as exc:
        return {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"[:300]}
    lag = round(state["oldest_seconds"], 1)
    problem = state["problem"] or (
        f"changes up to {lag:.0f} s old are not applied (limit SEARCH_STALE_SECONDS={settings.SEARCH_STALE_SECONDS})"
        if lag > settings.SEARCH_STALE_SECONDS else "")
    reconciled = state["reconciled"]
    return {"ok": not problem, "engine": settings.SEARCH_BACKEND, "position": state["position"],
            "horizon": state["horizon"], "behind": state["behind"], "oldest_unsettled_seconds": lag,
            "rereading": state["rereading"],
            # what the follower's last reconcile found and fixed (null before the first one)
            "drift": reconciled.get("drift"), "reconciled_at": reconciled.get("at"),
            **({"error": problem} if problem else {})}


def _free_bytes(path):
    path = os.fspath(path)
    while not os.path.exists(path) and os.path.dirname(path) != path:
        path = os.path.dirname(path)  # not created yet: the filesystem it will be on
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def _attachments_directory():
    """Where attachments are stored when that is a directory (ATTACHMENT_STORAGE=local); None for object
    storage, which has no free space to measure (and is not asked: a probe must stay cheap)."""
    config = settings.STORAGES.get("attachments") or {}
    if config.get("BACKEND") == "django.core.files.storage.FileSystemStorage":
        return (config.get("OPTIONS") or {}).get("location") or settings.MEDIA_ROOT
    return None


def _storage():
    """Free space (os.statvfs, cheap) where this node writes: the SQLite database file, the search index,
    uploads, exports and attachments (when stored in a directory); each with less than POSTMORTEM_MIN_FREE_MB
    free is named in ``full``."""
    places = {"search_index": settings.SEARCH_INDEX_DIR, "uploads": settings.MEDIA_ROOT,
              "exports": settings.EXPORT_DIR}
    if _attachments_directory() is not None:
        places["attachments"] = _attachments_directory()
    if connection.vendor == "sqlite":
        places = {"database": os.path.dirname(os.path.abspath(connection.settings_dict["NAME"])), **places}
    minimum = settings.POSTMORTEM_MIN_FREE_MB * 1024 * 1024
    free, full = {}, []
    for name, path in places.items():
        try:
            free[name] = _free_bytes(path)
        except OSError as exc:
            return {"ok": False, "full": full, "error": f"{name}: {exc.__class__.__name__}: {exc}"[:300]}
        if free[name] < minimum:
            full.append(name)
    result = {"ok": not full, "full": full, "free_mb": {name: bytes_ // (1024 * 1024) for name, bytes_ in free.items()},
              "min_free_mb": settings.POSTMORTEM_MIN_FREE_MB}
    if full:
        result["error"] = f"storage is full: {', '.join(full)}"
    return result


def _slack(database_ok):
    """Slack messages waiting after a failure and given up (incidents.actions.slack): shown, never failing the
    check (Slack being down does not make this node unfit to serve)."""
    if not settings.SLACK or not database_ok:
        return {"ok": True, "configured": bool(settings.SLACK)}
    counts = {"retrying": Count("pk", filter=Q(state=SlackMessage.State.PENDING)),
              "failed": Count("pk", filter=Q(state=SlackMessage.State.FAILED))}
    try:
        return {"ok": True, "configured": True, **SlackMessage.objects.undelivered().aggregate(**counts)}
    except DatabaseError as error:
        return {"ok": True, "configured": True, "error": f"{error.__class__.__name__}: {error}"}


def report():
    """(HTTP status, the report as a dict)."""
    database = _database()
    checks = {"database": database, "broker": _broker(), "search_index": _index(database["ok"]), "storage": _storage(),
              "slack": _slack(database["ok"])}
    healthy = all(check["ok"] for check in checks.values())
    if not healthy:
        log.warning("health check failed: %s", {name: c.get("error") for name, c in checks.items() if not c["ok"]})
    return (200 if healthy else 503), {"status": "ok" if healthy else "failing", **checks}
