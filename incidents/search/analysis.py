"""Text analysis for mixed Japanese and English incident notes.

Whoosh's default analyzer keeps a whole Japanese run as one token, so ``メモリリーク`` could never be
found inside ``datadog-agent がメモリリークしていた``. This analyzer splits text into:

* Latin/digit runs, lower-cased. A run joined by ``- . / : @`` is kept whole as typed
  (``aardvark-dns``, ``172.31.0.0/16``, ``proc/sys/kernel/pid_max``) and, when indexing, also as its
  pieces at the same position (``proc``, ``pid_max``, ``pid``, ``max``), so a path can be found by any
  file name in it and ``datadog-agent`` inside a URL. Identifiers get a few more forms (``word_forms``):
  a path its prefix directories, its suffixes and its middle runs (``etc/nginx``, ``daemon.json``,
  ``conf.d/default.conf``), a URL itself without its scheme, a version its ``v``-less form and its
  major.minor (``v1.27.3`` → ``1.27.3``, ``1.27``; a query ``v1.27`` searches ``1.27``), a git SHA its
  7-character abbreviation. Plain English words are stemmed; error names (``ECONNREFUSED``) and hex
  words are not, so they match only themselves.
* CJK runs (kanji, hiragana, katakana), as overlapping character bigrams; a lone character stays a
  unigram. The query builder searches a CJK word as the phrase of its bigrams.

Characters are NFKC-normalised one by one (full-width ``ＡＷＳ`` is ``aws``) while token offsets keep
pointing into the original text, so highlighting marks the right characters.

These are module-level classes: Whoosh pickles the schema with the analyzer in it.
"""

import errno
import functools
import re
import unicodedata

from whoosh.analysis import Composable, Token, Tokenizer
from whoosh.lang.porter import stem

CJK = (
    "\u3005\u3006\u3007"  # 々 〆 〇
    "\u3040-\u309f"  # hiragana
    "\u30a0-\u30ff"  # katakana (with ー)
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # kanji
    "\uac00-\ud7af"  # hangul syllables
)
WORD = r"[A-Za-z0-9_]"
RUN = re.compile(rf"(?P<latin>{WORD}+(?:[-./:@]+{WORD}+)*)|(?P<cjk>[{CJK}]+)")
PIECES = re.compile(r"[./:@]+")
SUBPIECES = re.compile(r"[-_]+")
STEMMABLE = re.compile(r"^[a-z]{4,}$")
# A version: digits.digits…, with an optional ``v``, starting the run or after a separator (not inside
# ``dev1.2`` nor ``python3.11``) and not followed by a letter (``0.5s`` is a duration). Groups: v, version.
VERSION = re.compile(r"(?<![a-z0-9_.])(v?)(\d+\.\d+(?:\.\d+)*)(?![a-z0-9_]|\.\d)")
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
SEGMENTS = re.compile(r"[:@]+")
GIT_SHA = re.compile(r"^(?=[a-f]*\d)(?=\d*[a-f])[0-9a-f]{40}$")
HEX_WORD = re.compile(r"^[a-f]{7,}$")  # deadbeef, a SHA without digits: never an English word to stem
# Error names people search as typed. Stemming would make ECONNREFUSED ``econnrefus`` and EBUSY ``ebusi``:
# still found, but no longer the error's own name. Node.js adds a few of its own to the POSIX ones.
ERROR_NAMES = frozenset(name.lower() for name in errno.errorcode.values()) | {
    "enotfound", "esockettimedout", "econnaborted", "etimeout"}
# Extra identifier forms (paths, URLs, versions, SHAs) per run at most, beside its pieces: a long path
# or URL must not add dozens of tokens.
MAX_EXTRA_FORMS = 12


def normalize(text):
    """NFKC per character: (normalised text, index of the original character for each normalised one)."""
    if unicodedata.is_normalized("NFKC", text):  # the common case, checked in C
        return text, range(len(text))
    chars, origin = [], []
    for index, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char) if ord(char) > 0x7F else char
        chars.append(folded)
        origin.extend([index] * len(folded))
    return "".join(chars), origin


def unversioned(word):
    """``word`` with the ``v`` of each version in it dropped: ``v1.27.3`` → ``1.27.3``. A query is searched
    in this form, and a run is indexed under it, so ``v1.27.3`` and ``1.27.3`` find each other."""
    return VERSION.sub(r"\2", word) if "v" in word else word


def _identifier_forms(word):
    """Candidate extra forms of a lower-cased run, the most useful first (``word_forms`` caps them)."""
    if "." in word:
        for match in VERSION.finditer(word):
            version = match[2]
            yield version
            yield ".".join(version.split(".", 2)[:2])  # major.minor
    if GIT_SHA.match(word):
        yield word[:7]
    rest = SCHEME.sub("", word) if "://" in word else word
    yield rest
    if "/" in rest:
        segments = [segment for segment in rest.split("/") if segment]
        count = len(segments)
        # The file name, then prefix directories and suffixes from the shortest, then the middle runs.
        yield segments[-1]
        for length in range(1, count):
            yield "/".join(segments[:length])
            yield "/".join(segments[count - length:])
        yield from segments
        for length in range(2, count - 1):
            for start in range(1, count - length):
                yield "/".join(segments[start:start + length])
    if ":" in rest or "@" in rest:  # host.example:5432, user@example.com, nginx:1.25
        yield from SEGMENTS.split(rest)


def word_forms(word):
    """The forms a lower-cased Latin run is indexed under, deduplicated, in order: itself (``v``-less, as a
    query searches it), at most MAX_EXTRA_FORMS identifier forms, then its pieces."""
    whole = unversioned(word)
    pieces = {}  # a dict as an ordered set
    for piece in PIECES.split(word):
        for form in (piece, *SUBPIECES.split(piece)):
            form = form.strip("-_")
            if form and form != whole:
                pieces[form] = None
    # A plain word, or one joined only by - and _, has no identifier forms (the common case, kept cheap).
    candidates = _identifier_forms(whole) if PIECES.search(word) or len(word) == 40 else ()
    extras, seen = [], {whole, *pieces}  # a piece is no extra form: it does not count against the cap
    for form in candidates:
        form = form.strip("-_.")
        if form and form not in seen:
            seen.add(form)
            extras.append(form)
            if len(extras) == MAX_EXTRA_FORMS:
                break
    return (whole, *extras, *pieces)


def _index_forms(word):
    return tuple(dict.fromkeys(stem_word(form) for form in word_forms(word)))


_cached_index_forms = functools.lru_cache(maxsize=65536)(_index_forms)


def index_forms(word):
    """The tokens of a lower-cased Latin run when indexing: its ``word_forms``, stemmed, as a tuple. Cached
    (the same words come back in every document) unless long: a pasted blob must not sit in the cache."""
    return _cached_index_forms(word) if len(word) <= 100 else _index_forms(word)


def query_form(word):
    """The one token a lower-cased Latin run is searched as: whole, ``v``-less, stemmed."""
    return stem_word(unversioned(word))


def stem_word(word):
    """The Porter stem of a plain English word; anything else (identifiers, error names, a letter blob
    longer than any word) as it is."""
    return _stem(word) if len(word) <= 40 and STEMMABLE.match(word) else word


@functools.lru_cache(maxsize=65536)
def _stem(word):
    return word if word in ERROR_NAMES or HEX_WORD.match(word) else stem(word)


def bigrams(run):
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


def query_terms(text):
    """A query word as units to search: ("word", term) for Latin, ("phrase", [bigrams]) for CJK."""
    folded, _ = normalize(text)
    units = []
    for match in RUN.finditer(folded):
        if match["latin"]:
            units.append(("word", query_form(match["latin"].lower())))
        else:
            units.append(("phrase", bigrams(match["cjk"])))
    return units


def tokens(value, mode=""):
    """(text, position, start, end) of each token of ``value`` (see the module docstring), offsets into
    ``value``. ``mode="query"`` keeps Latin runs whole (no pieces). A list, without Whoosh's Token objects:
    the tantivy backend reads it directly, MixedTokenizer wraps it for Whoosh."""
    folded, origin = normalize(value)
    found, position, size = [], 0, len(origin)
    for match in RUN.finditer(folded):
        start, end = match.span()
        latin = match["latin"]
        if latin:
            first, last = origin[start], origin[end - 1] + 1
            word = latin.lower()
            for form in ([query_form(word)] if mode == "query" else index_forms(word)):
                found.append((form, position, first, last))
            position += 1
        else:
            run = match["cjk"]
            for offset, gram in enumerate(bigrams(run)):
                found.append((gram, position, origin[start + offset],
                              origin[min(start + offset + len(gram), size) - 1] + 1))
                position += 1
    return found


class MixedTokenizer(Tokenizer):
    """See the module docstring. ``mode="query"`` keeps Latin runs whole (no pieces)."""

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for text, position, first, last in tokens(value, mode=mode):
            yield self._token(token, text, start_pos + position, first, last, positions, chars, start_char)

    @staticmethod
    def _token(token, text, position, first, last, positions, chars, start_char):
        token.text = text
        token.boost = 1.0
        token.stopped = False
        if positions:
            token.pos = position
        if chars:
            token.startchar = start_char + first
            token.endchar = start_char + last
        return token


class MixedAnalyzer(Composable):
    """The analyzer for every text field: MixedTokenizer alone (it already lower-cases and stems)."""

    def __init__(self):
        self.tokenizer = MixedTokenizer()

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, value, **kwargs):
        return self.tokenizer(value, **kwargs)
