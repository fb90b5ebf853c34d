"""Joining: a node whose data directory has no index yet copies a peer's current generation instead of
building one from the database (a few seconds for 100,000 incidents instead of minutes), then follows the
change log from that copy's cursor (follower.repair).

Each of SEARCH_PEERS is asked in turn for GET /search-index/snapshot/ (search.snapshot; the token
SEARCH_PEER_TOKEN as ``Authorization: Bearer``). The copy is written into a new generation directory and
used only if it is whole and fits this node: built by the engine of this SEARCH_BACKEND, of this document
FORMAT and fields, readable, and at or past the place the change log was pruned to (else changes it lacks
are gone from the log). Anything else (a peer down or slow, a refused token, another engine or format, a
copy cut short) logs one line and the next peer is asked; after the last, the index is rebuilt from the
database as before.
"""

import logging
import re
import time

import requests
from django.conf import settings

from . import backends, cursor, generations, snapshot
from .cursor import Place
from .documents import FORMAT

log = logging.getLogger(__name__)
PATH = "/search-index/snapshot/"


class Refused(Exception):
    """A peer's copy cannot be used here."""


def _download(peer, directory):
    """Write ``peer``'s snapshot into ``directory``; its size in bytes."""
    try:
        with requests.get(peer.rstrip("/") + PATH, stream=True, allow_redirects=False,
                          headers={"Authorization": f"Bearer {settings.SEARCH_PEER_TOKEN}"},
                          timeout=(settings.SEARCH_PEER_TIMEOUT_SECONDS, settings.SEARCH_PEER_TIMEOUT_SECONDS)) as response:
            if response.status_code != 200:
                raise Refused(f"it answered HTTP {response.status_code}")
            response.raw.decode_content = True
            return snapshot.unpack(response.raw, directory)
    except requests.Timeout as exc:
        raise Refused(f"no answer within {settings.SEARCH_PEER_TIMEOUT_SECONDS} s") from exc
    except requests.RequestException as exc:
        errno = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", str(exc))  # urllib3 wraps the socket's error deep inside
        raise Refused(f"{exc.__class__.__name__}: {errno.group(1) if errno else str(exc)[:200]}") from exc
    except snapshot.Invalid as exc:
        raise Refused(f"the copy is not whole: {exc}") from exc


def _check(directory):
    """Why the copy in ``directory`` cannot serve this node; '' when it can."""
    built_by = generations.read_engine(directory)
    if built_by != backends.name():
        return f"it was built by {built_by}; SEARCH_BACKEND is {backends.name()}"
    if generations.read_format(directory) != FORMAT:
        return f"it is of format {generations.read_format(directory)}; this version writes {FORMAT}"
    state = generations.read_state(directory)
    if state is None:
        return "it has no cursor"
    engine = backends.current()
    try:
        engine.check_readable(directory)
        if not engine.has_current_fields(directory):
            return "its fields differ from this version's"
    except Exception as exc:  # any failure to read it
        return f"it cannot be read ({exc.__class__.__name__}: {exc})"
    if not Place(*state).covers(cursor.pruned_place()):
        return "changes it has not applied were pruned from the change log"
    return ""


def fetch():
    """A new generation copied from the first of SEARCH_PEERS whose copy is usable here, not yet current:
    (its directory, the peer, bytes, seconds taken); None when no peer's copy is (each failure logged)."""
    peers = settings.SEARCH_PEERS
    for number, peer in enumerate(peers, 1):
        began = time.monotonic()
        directory = generations.new()
        try:
            size = _download(peer, directory)
            problem = _check(directory)
            if problem:
                raise Refused(problem)
        except Exception as exc:  # whatever went wrong, the database can still rebuild it
            generations.discard(directory)
            backends.forget()
            reason = str(exc) if isinstance(exc, Refused) else f"{exc.__class__.__name__}: {exc}"
            then = "asking the next peer" if number < len(peers) else "rebuilding it from the database"
            log.error("search index: no usable copy from peer %s (%s); %s", peer, reason, then)
            continue
        return directory, peer, size, time.monotonic() - began
    return None
