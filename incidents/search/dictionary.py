"""English glosses of Japanese words from JMdict (the Electronic Dictionary Research and Development Group's
Japanese–English dictionary, through ``jamdict`` and its data package): a bridge for a word the glossary does
not know, so that 枯渇 also finds an English write-up that says "running out". Read-only, offline (the
dictionary is a SQLite file installed with ``jamdict-data``), cached per process.

Only the first sense's first glosses of a noun, adjective or verb are taken, without their parenthetical
notes and a verb's "to", and only short ones (at most two words, no English function word): a dictionary's
later senses are where the noise is. Search weighs them below the glossary's terms (plan.DICTIONARY_WEIGHT)."""

import logging
import re
import threading
from functools import lru_cache

log = logging.getLogger(__name__)
MAX_GLOSSES = 2
_STOP = {"be", "do", "have", "make", "get", "go", "come", "become", "take", "give", "put", "say", "see", "one",
         "thing", "matter", "case", "time", "way", "something", "it", "that", "this", "there", "here", "a", "an",
         "the", "of", "in", "on", "at", "to", "and", "or", "for", "with"}
_PARTS = ("noun", "adjective", "verb")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_local = threading.local()


def _jamdict():
    """This thread's Jamdict (its SQLite connection is not shared between threads), or None without one."""
    if not hasattr(_local, "jam"):
        try:
            from jamdict import Jamdict

            _local.jam = Jamdict()
            if not _local.jam.ready:
                _local.jam = None
        except Exception:  # the dictionary is an aid: search goes on without it
            log.warning("JMdict is not available; searching without its glosses", exc_info=True)
            _local.jam = None
    return _local.jam


def _clean(gloss):
    text = re.sub(r"\s*\([^)]*\)", "", gloss).strip().lower()
    text = text[3:] if text.startswith("to ") else text
    words = text.split()
    if not words or len(words) > 2 or all(word in _STOP for word in words) or not text.isascii():
        return None
    return text


@lru_cache(maxsize=4096)
def glosses(word):
    """Up to MAX_GLOSSES English glosses of the Japanese ``word`` (its dictionary form), or ()."""
    if len(word) < 2 or not _JAPANESE.search(word):
        return ()
    jam = _jamdict()
    if jam is None:
        return ()
    try:
        entries = jam.lookup(word, strict_lookup=True, lookup_chars=False, lookup_ne=False).entries
    except Exception:
        log.warning("JMdict lookup of %r failed", word, exc_info=True)
        return ()
    for entry in entries[:1]:
        for sense in entry.senses[:1]:
            if not any(part in str(pos).lower() for pos in sense.pos for part in _PARTS):
                return ()
            found = []
            for gloss in sense.gloss:
                text = _clean(gloss.text)
                if text and text not in found:
                    found.append(text)
            return tuple(found[:MAX_GLOSSES])
    return ()
