"""A readable diff of two texts for people, in Japanese as in English (pure).

Japanese is written without spaces, so a word diff would see a whole sentence as one word. The texts are
split into runs of one character class instead: each CJK ideograph, hiragana and katakana character on
its own, Latin words, digit runs, whitespace runs and each punctuation mark; difflib then compares the
runs, so 名前解決に失敗した → 名前解決が遅延した changes only に失敗 → が遅延."""

import difflib
import re

# Ideographs, kana (full and half width): each is a token of its own.
_CJK = r"\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
# A letter run (Latin words, identifiers' parts), a digit run, a whitespace run, or any other single
# character (punctuation); letter runs are then cut before and after each CJK character.
_TOKEN = re.compile(r"[^\W\d_]+|\d+|\s+|.", re.DOTALL)
_CJK_CHAR = re.compile(f"([{_CJK}])")


def tokens(text):
    """``text`` as runs of one character class; joined again they give ``text`` back."""
    out = []
    for match in _TOKEN.finditer(text or ""):
        out.extend(piece for piece in _CJK_CHAR.split(match.group()) if piece)
    return out


def diff(old, new):
    """Segments ``[{"op": "equal" | "insert" | "delete", "text": …}]`` turning ``old`` into ``new``;
    neighbouring segments of the same kind are merged, a replacement is its deletion then its insertion."""
    a, b = tokens(old), tokens(new)
    segments = []

    def add(op, parts):
        text = "".join(parts)
        if not text:
            return
        if segments and segments[-1]["op"] == op:
            segments[-1]["text"] += text
        else:
            segments.append({"op": op, "text": text})

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            add("equal", a[i1:i2])
        else:
            add("delete", a[i1:i2])
            add("insert", b[j1:j2])
    return segments
