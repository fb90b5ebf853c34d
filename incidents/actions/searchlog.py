"""Writing the search log (incidents.models.searchlog): a search made on the list page or the API, and a
result opened from a search's list. The log must never slow or break a search: the entry points hand the
write to ``after``, which runs it once the response has been sent (when the WSGI server closes it), in a
savepoint of its own; a failure is logged, never raised. Rows older than settings.SEARCH_LOG_DAYS are
deleted by the housekeeping sweep (``prune``)."""

import datetime
import hashlib
import hmac
import logging
import threading

from django.conf import settings
from django.core.signals import request_finished
from django.db import transaction
from django.utils import timezone

from incidents.models import SearchOpen, SearchRecord
from incidents.search import usage

log = logging.getLogger(__name__)


def record_search(text, hits, partial, source):
    """One search of ``text`` (as typed) that found ``hits`` incidents, ``partial`` when the answer was a
    fallback (any word) or matched parts of words; ``source``: SearchRecord.Source. Nothing for an empty query."""
    query = usage.normalize(text)
    if query:
        return SearchRecord.objects.create(query=query, source=source, hits=hits, partial=partial)
    return None


def record_open(text, incident, user):
    """``user`` opened ``incident`` from the results of a search for ``text``. Who opened is kept only as a
    keyed digest (people are counted, not named). Nothing for an empty query."""
    query = usage.normalize(text)
    if query:
        return SearchOpen.objects.create(query=query, terms=usage.terms(text), incident=incident, opener=opener(user))
    return None


def opener(user):
    """A short keyed digest of the user (the same for one user, unreadable without the secret key)."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"search-open:{user.pk}".encode(), hashlib.sha256).hexdigest()[:16]


def after(response, write, *args):
    """Run ``write(*args)`` once ``response`` has been sent (Django's ``request_finished``, which the server's
    closing of the response sends), in its own savepoint; an error is logged and goes no further. Returns
    the response."""
    queue = getattr(_pending, "writes", None)
    if queue is None:
        queue = _pending.writes = []
    queue.append((write, args))
    return response


def _flush(**_signal):
    """This thread's writes waiting for the end of its response."""
    writes, _pending.writes = getattr(_pending, "writes", None) or [], []
    for write, args in writes:
        try:
            with transaction.atomic():
                write(*args)
        except Exception:
            log.exception("the search log could not be written (%s)", write.__name__)


_pending = threading.local()
request_finished.connect(_flush, dispatch_uid="incidents.actions.searchlog")


def prune(now=None):
    """Delete searches and openings older than settings.SEARCH_LOG_DAYS; how many rows were deleted."""
    since = (now or timezone.now()) - datetime.timedelta(days=settings.SEARCH_LOG_DAYS)
    searches, _ = SearchRecord.objects.filter(at__lt=since).delete()
    opens, _ = SearchOpen.objects.filter(at__lt=since).delete()
    return searches + opens
