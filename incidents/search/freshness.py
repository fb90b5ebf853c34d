"""Read-your-writes: a person's search finds what they just created or edited, on any node, although this
node's follower may not have applied the change yet (other people see it within the follower's lag).

Who wrote what is already in the database, written in the writer's own transaction and shared by every node:
each create or edit stores a revision with its user (``models.history.record_revision``, the API's and the
pages' alike, so no session or per-process cache is needed, and a token-authenticated script is covered). Before
searching, ``wait_for(user)`` looks for changes in the log of incidents ``user`` revised in the last
``WINDOW`` seconds that this node's index has not settled (``cursor.pending``). If there are any, it has them
applied: by this process's follower thread (asked for a pass that starts now), or here, under the machine's
follower lock, when no follower holds it; otherwise (a follower in another process holds the lock) it waits
for that follower's stored place to pass them. Never longer than SEARCH_READ_YOUR_WRITES_SECONDS (2): then the
search answers from the index as it is, as before."""

import datetime
import logging
import time

from django.conf import settings
from django.utils import timezone

from ..models import IncidentRevision
from . import cursor, follower, generations

log = logging.getLogger(__name__)
WINDOW = 60  # seconds after a write during which its writer's searches make sure it is applied
POLL = 0.05


def _unsettled(user, directory):
    """Whether the index in ``directory`` may not have applied a change of an incident ``user`` revised lately."""
    since = timezone.now() - datetime.timedelta(seconds=WINDOW)
    mine = IncidentRevision.objects.filter(revision__user=user, revision__date_created__gte=since).values("incident_id")
    return cursor.pending(follower.stored_place(directory)).filter(incident_id__in=mine).exists()


def wait_for(user):
    """Make sure this node's index has applied ``user``'s recent writes, waiting at most
    SEARCH_READ_YOUR_WRITES_SECONDS (0: never). Returns whether it has (True when there was nothing to apply)."""
    seconds = settings.SEARCH_READ_YOUR_WRITES_SECONDS
    if not seconds or user is None or not user.is_authenticated:
        return True
    directory = generations.current()
    if directory is None or not _unsettled(user, directory):
        return True
    deadline = time.monotonic() + seconds
    if follower.apply_now(seconds):
        return True
    while time.monotonic() < deadline:
        time.sleep(POLL)
        directory = generations.current() or directory
        if not _unsettled(user, directory):
            return True
    log.info("search: %s's recent changes were not applied to this node's index within %s s", user, seconds)
    return False
