"""Japanese words beside the CJK bigrams of ``analysis``: the tokens of the word fields.

Each CJK run is cut into morphemes by SudachiPy (sudachidict-core, split mode B) and indexed under each
morpheme's normalized form, so spelling variants meet (ユーザ/ユーザー/ﾕｰｻﾞｰ, 取消し/取り消し,
コンピュータ/コンピューター) and inflected words are found by their dictionary form (届かなく → 届く).
Particles, auxiliary verbs, symbols and spaces (助詞, 助動詞, 補助記号, 空白) and lone hiragana are left
out and take no position, so the content words of ``ロードバランサの設定`` are adjacent. Latin/digit runs are tokenized
exactly as in ``analysis`` (whole, pieces, stems), so the word fields hold the whole text and a mixed
query (``aws-node が落ちた``) can be matched by words alone.

Mode B, not C: on the seed vocabulary both give the same words for single terms (ゾンビ|プロセス,
名前|解決, ロード|バランサー), but C keeps compounds whole (取消し処理, 設定ミス), so a search for 取消し or
設定 would miss them in the word fields; A splits no further than B on this vocabulary.

Loading the dictionary takes a while, so there is one Sudachi tokenizer per process and thread, created
on first use and kept in a module-level cache, never in the analyzer (Whoosh pickles the schema with the
analyzer in it). The Whoosh analyzer over ``words`` is ``backends.whoosh_text.WordAnalyzer``.
"""

import functools
import os
import re
import threading
import unicodedata

from sudachipy import Dictionary, SplitMode

from .analysis import CJK, RUN, index_forms, normalize, query_form

SPLIT_MODE = SplitMode.B
DROPPED = frozenset({"助詞", "助動詞", "補助記号", "空白"})
CHUNK = 4000  # characters per Sudachi call at most (it refuses very long inputs), cut after a line
HAS_CJK = re.compile(f"[{CJK}]")

_cache = threading.local()


def sudachi():
    """This process's and thread's Sudachi tokenizer, created on first use."""
    cached = getattr(_cache, "tokenizer", None)
    if cached is None or _cache.pid != os.getpid():
        cached = Dictionary(dict="core").tokenizer()
        _cache.tokenizer, _cache.pid = cached, os.getpid()
    return cached


def _chunks(text):
    """(offset, piece) of ``text`` in pieces of at most CHUNK characters, cut after a newline if there is one."""
    base = 0
    while base < len(text):
        end = base + CHUNK
        if end < len(text):
            newline = text.rfind("\n", base, end)
            end = newline + 1 if newline > base else end
        yield base, text[base:end]
        base = end


@functools.lru_cache(maxsize=4096)
def noun_reading(surface):
    """The normalized form of ``surface`` read alone as one noun, or None. A verb's continuative form
    inside a compound (取消し処理: 取り消す) is then also found as the noun (取消し, 取り消し)."""
    found = sudachi().tokenize(surface, SPLIT_MODE)
    if len(found) == 1 and found[0].part_of_speech()[0] == "名詞":
        return found[0].normalized_form()
    return None


def morphemes(text, query=False):
    """(forms, start, end, dropped) for each morpheme of ``text`` that has a CJK character, offsets in
    characters. Sudachi reads the whole text as written, so a particle after a Latin word is still a
    particle (``aws-node が``), and it folds half-width kana itself."""
    tokenizer, found = sudachi(), []
    for base, piece in _chunks(text):
        for morpheme in tokenizer.tokenize(piece, SPLIT_MODE):
            surface = morpheme.surface()
            if surface.isascii() or (not HAS_CJK.search(surface)
                                     and not HAS_CJK.search(unicodedata.normalize("NFKC", surface))):
                continue  # (ASCII has no CJK, NFKC-folded or not: the common case, checked in C)
            dropped, continuative = _part_of_speech(morpheme)
            forms = [morpheme.normalized_form()]
            if not query and continuative and len(surface) > 1:
                noun = noun_reading(surface)
                if noun and noun != forms[0]:
                    forms.append(noun)
            # A lone hiragana is a particle Sudachi misread after a space (``aws-node で``: 接続詞), never a word.
            skip = dropped or (len(surface) == 1 and "\u3040" <= surface <= "\u309f")
            found.append((forms, base + morpheme.begin(), base + morpheme.end(), skip))
    return found


_parts = {}  # part-of-speech id (of the one dictionary, core) -> _part_of_speech()


def _part_of_speech(morpheme):
    """(whether the morpheme's part of speech is DROPPED, whether it is a verb's continuative form), kept per
    part-of-speech id: building the part of speech's 6-tuple for every morpheme costs more than the lookup."""
    key = morpheme.part_of_speech_id()
    found = _parts.get(key)
    if found is None:
        part = morpheme.part_of_speech()
        found = _parts[key] = (part[0] in DROPPED, part[0] == "動詞" and part[5].startswith("連用形"))
    return found


def words(value, mode="", dropped=None):
    """(text, position, start, end) of each word token of ``value``, offsets into ``value``: Latin runs as
    in ``analysis``, CJK morphemes by normalized form. Dropped morphemes are appended to the list
    ``dropped`` (their normalized forms) when one is given."""
    folded, origin = normalize(value)
    units = []  # (start, end, forms)
    for match in RUN.finditer(folded):
        if match["latin"]:
            start, end = match.span()
            word = match["latin"].lower()
            forms = [query_form(word)] if mode == "query" else index_forms(word)
            units.append((origin[start], origin[end - 1] + 1, forms))
    if HAS_CJK.search(folded):
        for forms, start, end, skip in morphemes(value, query=mode == "query"):
            if not skip:
                units.append((start, end, forms))
            elif dropped is not None:
                dropped.append(forms[0])
        units.sort(key=lambda unit: unit[0])
    for position, (start, end, forms) in enumerate(units):
        for form in forms:
            yield form, position, start, end


def query_words(text):
    """The word tokens of a query word and whether it reads as a sentence (particles or auxiliaries
    were dropped from it): ``メールが届かない`` → (["メール", "届く"], True)."""
    dropped = []
    tokens = [token for token, *_ in words(text, mode="query", dropped=dropped)]
    return tokens, bool(dropped)


# English function words: in a query that also has other words, they are not things asked for (a
# sentence typed as a question, "customers locked out of sign-in after a security policy rollout", asks
# for customers, locked out, sign-in, security, policy and rollout). Words that carry meaning in incident
# notes (out, down, up, off, no, not) are not in the list; a glossary phrase (out of memory) stays whole.
FUNCTION_WORDS = frozenset("""
a an the of to in on at for by with from into onto upon over under about as than then
and or but nor so if because while when where which who whom whose what why how
is are was were be been being am do does did done has have had having will would shall should can could
may might must it its this that these those there here they them their we our us you your he she his her
i me my after before during since until via per each every some any all both either also just only very
""".split())


def function_word(text):
    """True for an English function word typed alone (``of``, ``The``)."""
    return text.lower() in FUNCTION_WORDS
