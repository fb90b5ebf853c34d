"""Joining from a peer's search index, read from the environment by settings.py: ``SEARCH_PEERS`` (the nodes a
node with no index yet copies one from, incidents.search.peers) and ``SEARCH_PEER_TOKEN`` (what GET
/search-index/snapshot/ requires; without it that path is not served). A bad value stops start-up with
ImproperlyConfigured naming the variable. Both are documented in docs/operations.md."""

import os
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

MIN_TOKEN_LENGTH = 32


def read():
    """(settings.SEARCH_PEERS: a list of http(s) URLs without trailing slashes, settings.SEARCH_PEER_TOKEN)."""
    peers = []
    for raw in (os.environ.get("SEARCH_PEERS") or "").split(","):
        raw = raw.strip()
        if not raw:
            continue
        parts = urlparse(raw)
        if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
            raise ImproperlyConfigured(
                f"SEARCH_PEERS: {raw!r} is not a node's http(s) URL (e.g. http://10.0.0.2:8000).")
        peers.append(raw.rstrip("/"))
    token = (os.environ.get("SEARCH_PEER_TOKEN") or "").strip()
    if token and (len(token) < MIN_TOKEN_LENGTH or len(set(token)) < 8):
        raise ImproperlyConfigured(
            f"SEARCH_PEER_TOKEN is too weak: use at least {MIN_TOKEN_LENGTH} random characters (it gives a copy of "
            "the whole search index, drafts included).")
    if peers and not token:
        raise ImproperlyConfigured("SEARCH_PEERS needs SEARCH_PEER_TOKEN (the same on every node).")
    return peers, token
