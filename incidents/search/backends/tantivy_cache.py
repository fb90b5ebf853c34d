"""The analysis cache of the tantivy backend: what ``tantivy_documents.analyse`` made of a document (its
tokens and stored JSON, the costly part of indexing it: Sudachi), kept by the document's digest
(``documents.digest``, which changes with any of its fields and its incident's version) in an SQLite file
beside the generations, ``analysis-tantivy-<FORMAT>.sqlite3`` (a new format, a new file).

One entry per incident (its id, the digest of the document analysed, the analysis): the follower replaces it as
it indexes a saved incident and removes it with the incident (``store``); a rebuild reads it, analyses only the
documents whose digest it lacks (``Rebuild``), then replaces the file with one holding exactly the documents it
loaded. About 4.5 KB per benchmark document (zlib-compressed), about the index's size again.
SEARCH_ANALYSIS_CACHE=0 turns it off. Only a cache: any failure to read or write it is logged and indexing
goes on without it.
"""

import contextlib
import logging
import marshal
import os
import sqlite3
import zlib

from django.conf import settings

from .. import generations
from ..documents import FORMAT

log = logging.getLogger(__name__)
CHUNK = 500  # ids per lookup query


def path():
    return generations.root() / f"analysis-tantivy-{FORMAT}.sqlite3"


def enabled():
    return settings.SEARCH_ANALYSIS_CACHE


def pack(analysed):
    return zlib.compress(marshal.dumps(analysed), 1)


def unpack(blob):
    return marshal.loads(zlib.decompress(blob))


def _connect(where):
    connection = sqlite3.connect(where, timeout=5, isolation_level=None, check_same_thread=False)
    try:
        connection.execute("PRAGMA synchronous = OFF")  # a cache: a torn write is a miss (a damaged file, replaced)
        connection.execute("CREATE TABLE IF NOT EXISTS analysed (id TEXT PRIMARY KEY, digest TEXT NOT NULL, data BLOB NOT NULL)")
    except sqlite3.Error:
        connection.close()
        raise
    return connection


def store(entries, removed=()):
    """Keep [(id, digest, packed analysis)] and forget the ``removed`` ids (the follower's writes)."""
    if not (entries or removed) or not enabled():
        return
    try:
        generations.root().mkdir(parents=True, exist_ok=True)
        with contextlib.closing(_connect(path())) as connection:
            connection.execute("BEGIN")
            connection.executemany("DELETE FROM analysed WHERE id = ?", [(str(pk),) for pk in removed])
            connection.executemany("INSERT OR REPLACE INTO analysed VALUES (?, ?, ?)", entries)
            connection.execute("COMMIT")
    except (sqlite3.Error, OSError) as exc:
        log.warning("the search analysis cache %s could not be written: %s", path(), exc)


class Rebuild:
    """The cache during one rebuild: ``known`` reads the current file, ``keep`` writes the new one, which
    ``finish`` puts in its place (``discard`` drops it)."""

    def __init__(self):
        self.old = self.new = None
        self.target = path()
        self.scratch = self.target.with_name(f".{self.target.name}.{os.getpid()}.tmp")
        try:
            if self.target.exists():
                self.old = _connect(self.target)
        except sqlite3.Error as exc:  # damaged: replaced by the new one
            log.warning("the search analysis cache %s cannot be read: %s", self.target, exc)
        try:
            generations.root().mkdir(parents=True, exist_ok=True)
            self.scratch.unlink(missing_ok=True)
            self.new = _connect(self.scratch)
            self.new.execute("BEGIN")
        except (sqlite3.Error, OSError) as exc:
            log.warning("the search analysis cache %s cannot be used: %s", self.target, exc)
            self.discard()

    def known(self, ids):
        """{digest: packed analysis} of the documents of ``ids`` the cache holds (of any digest: a document whose
        digest is not among them was analysed as it was before a change)."""
        if self.old is None:
            return {}
        found = {}
        try:
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start:start + CHUNK]
                marks = ",".join("?" * len(chunk))
                found.update(self.old.execute(f"SELECT digest, data FROM analysed WHERE id IN ({marks})", chunk))
        except sqlite3.Error as exc:
            log.warning("the search analysis cache %s cannot be read: %s", self.target, exc)
            self.old.close()
            self.old = None
            return {}
        return found

    def keep(self, entries):
        """Write [(id, digest, packed analysis)] into the new file."""
        if self.new is None:
            return
        try:
            self.new.executemany("INSERT OR REPLACE INTO analysed VALUES (?, ?, ?)", entries)
        except sqlite3.Error as exc:
            log.warning("the search analysis cache %s cannot be written: %s", self.scratch, exc)
            self.discard()

    def finish(self):
        if self.new is None:
            return self.discard()
        try:
            self.new.execute("COMMIT")
            self.new.close()
            self.new = None
            if self.old is not None:
                self.old.close()
                self.old = None
            os.replace(self.scratch, self.target)
        except (sqlite3.Error, OSError) as exc:
            log.warning("the search analysis cache %s could not be replaced: %s", self.target, exc)
            self.discard()

    def discard(self):
        for connection in (self.old, self.new):
            if connection is not None:
                with contextlib.suppress(sqlite3.Error):
                    connection.close()
        self.old = self.new = None
        with contextlib.suppress(OSError):
            self.scratch.unlink(missing_ok=True)
