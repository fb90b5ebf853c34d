"""Text analysis for mixed Japanese and English incident notes.

Whoosh's default analyzer keeps a whole Japanese run as one token, so ``メモリリーク`` could never be
found inside ``datadog-agent がメモリリークしていた``. This analyzer splits text into:

* Latin/digit runs, lower-cased. A run joined by ``- . / : @`` is kept whole as typed
  (``aardvark-dns``, ``172.31.0.0/16``, ``proc/sys/kernel/pid_max``) and, when indexing, also as its
  pieces at the same position (``proc``, ``pid_max``, ``pid``, ``max``), so a path can be found by any
  file name in it and ``datadog-agent`` inside a URL. Plain English words are stemmed.
* CJK runs (kanji, hiragana, katakana), as overlapping character bigrams; a lone character stays a
  unigram. The query builder searches a CJK word as the phrase of its bigrams.

Characters are NFKC-normalised one by one (full-width ``ＡＷＳ`` is ``aws``) while token offsets keep
pointing into the original text, so highlighting marks the right characters.

These are module-level classes: Whoosh pickles the schema with the analyzer in it.
"""

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


def word_forms(word):
    """The forms a Latin run is indexed under: itself, then its pieces (deduplicated, in order)."""
    forms = [word]
    for piece in PIECES.split(word):
        forms.append(piece)
        forms.extend(SUBPIECES.split(piece))
    seen, unique = set(), []
    for form in forms:
        form = form.strip("-_")
        if form and form not in seen:
            seen.add(form)
            unique.append(form)
    return unique


def stem_word(word):
    return stem(word) if STEMMABLE.match(word) else word


def bigrams(run):
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


def query_terms(text):
    """A query word as units to search: ("word", term) for Latin, ("phrase", [bigrams]) for CJK."""
    folded, _ = normalize(text)
    units = []
    for match in RUN.finditer(folded):
        if match["latin"]:
            units.append(("word", stem_word(match["latin"].lower())))
        else:
            units.append(("phrase", bigrams(match["cjk"])))
    return units


class MixedTokenizer(Tokenizer):
    """See the module docstring. ``mode="query"`` keeps Latin runs whole (no pieces)."""

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        folded, origin = normalize(value)
        position = start_pos
        for match in RUN.finditer(folded):
            start, end = match.span()
            first, last = origin[start], origin[end - 1] + 1
            if match["latin"]:
                word = match["latin"].lower()
                forms = [word] if mode == "query" else word_forms(word)
                for form in forms:
                    yield self._token(token, stem_word(form), position, first, last, positions, chars, start_char)
                position += 1
            else:
                run = match["cjk"]
                for offset, gram in enumerate(bigrams(run)):
                    begin = origin[start + offset]
                    finish = origin[min(start + offset + len(gram), len(origin)) - 1] + 1
                    yield self._token(token, gram, position, begin, finish, positions, chars, start_char)
                    position += 1

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
