"""Glossary concepts in an incident's text, for similar-incident matching across languages.

A glossary term is compared as the word tokens a query of it would have (``words`` in query mode: Sudachi's
normalized forms, Latin runs whole and stemmed), so the concept is found where the words are, not inside
longer words (ポート is not in サポート), and spelling variants meet (ユーザー/ユーザ). The concepts of one
incident then become similarity features: the incidents holding any term of the same entry, in any language
(接続拒否 here, "connection refused" or ECONNREFUSED there).
"""

import collections
import functools
import threading
from dataclasses import dataclass

from ..glossary import MAX_PHRASE_WORDS
from .words import query_words, words

_lock = threading.Lock()
_cache = {"glossary": None, "index": None}
_texts = collections.OrderedDict()  # document digest -> text_words(), the most recently used last
TEXTS = 2048


@dataclass(frozen=True)
class Concept:
    key: str
    found: tuple  # the entry's terms as the incident wrote them
    alternatives: tuple  # every term of the entry as a tuple of word tokens


@functools.lru_cache(maxsize=8192)
def tokens(term):
    """The word tokens of a glossary term as a query of it has them (one per position), kept: terms are
    read again whenever the glossary changes, and searches read the other terms of what they expand.
    Not for incidents' texts, which would fill the cache."""
    return tuple(query_words(term)[0])


def runs(found, by_tokens):
    """(start, end, [(key, term)]) for each run of the tokens ``found``, left to right: the longest run
    (at most MAX_PHRASE_WORDS) that is a glossary term, else one token with no entries."""
    start = 0
    while start < len(found):
        for end in range(min(len(found), start + MAX_PHRASE_WORDS), start, -1):
            entries = by_tokens.get(tuple(found[start:end]))
            if entries:
                yield start, end, entries
                start = end
                break
        else:
            yield start, start + 1, []
            start += 1


def index(glossary):
    """{token tuple: [(key, term)]} and {key: (token tuples)} of ``glossary``, kept until it changes."""
    with _lock:
        if _cache["glossary"] is glossary:
            return _cache["index"]
    by_tokens, alternatives = {}, {}
    for key, (_category, terms) in glossary.entries.items():
        seen = []
        for term in terms:
            found = tokens(term)
            if found and len(found) <= MAX_PHRASE_WORDS:
                by_tokens.setdefault(found, []).append((key, term))
                if found not in seen:
                    seen.append(found)
        alternatives[key] = tuple(seen)
    index = (by_tokens, alternatives)
    with _lock:
        _cache.update(glossary=glossary, index=index)
    return index


def text_words(text, digest=None):
    """(the word tokens of ``text`` as a query has them, one per position; its CJK words as indexed) from one
    Sudachi pass: the first form of each position of the index tokens is the query token (a Latin run's
    stemmed whole, a morpheme's normalized form), the others are extra index forms (pieces, noun readings).
    Kept by ``digest`` (an indexed document's, see documents.digest) for the most recent TEXTS documents:
    the similar incidents of one incident are asked again by other readers, languages and generations."""
    if digest is not None:
        with _lock:
            known = _texts.get(digest)
            if known is not None:
                _texts.move_to_end(digest)
                return known
    query, cjk, last = [], set(), None
    for token, position, _start, _end in words(text):
        if position != last:
            query.append(token)
            last = position
        if not token.isascii():
            cjk.add(token)
    found = (tuple(query), frozenset(cjk))
    if digest is not None:
        with _lock:
            _texts[digest] = found
            while len(_texts) > TEXTS:
                _texts.popitem(last=False)
    return found


def concepts(text, glossary, tokens=None):
    """The glossary entries whose terms occur in ``text`` as words, in order of first occurrence. ``tokens``:
    the text's query tokens when known (``text_words``)."""
    if glossary is None or not len(glossary):
        return []
    by_tokens, alternatives = index(glossary)
    seen = {}
    for _start, _end, entries in runs(query_words(text)[0] if tokens is None else tokens, by_tokens):
        for key, term in entries:
            seen.setdefault(key, [])
            if term not in seen[key]:
                seen[key].append(term)
    return [Concept(key, tuple(terms), alternatives[key]) for key, terms in seen.items()]
