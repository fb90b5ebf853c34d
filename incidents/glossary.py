"""The glossary's pure part: how terms are compared, checked and matched against the words of a query, and
the seed file (incidents/data/glossary.yaml). No database here: models.glossary stores the entries and
keeps a cached Glossary of the enabled ones; search will call Glossary.expand with a query's words.

Terms are compared by their *fold*: NFKC (full-width ＡＷＳ = AWS, half-width ｻｰﾊﾞ = サーバ), case-folded,
whitespace collapsed, and the long-vowel mark ー dropped at the end of a katakana word (サーバー = サーバ,
ユーザー = ユーザ, the JIS style and the everyday one)."""

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

SEED_PATH = Path(__file__).resolve().parent / "data" / "glossary.yaml"
CATEGORIES = ["failure", "resource", "symptom", "action", "component", "error", "product"]
MAX_TERM_LENGTH = 100
KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Longest run of query words tried as one term ("No space left on device" is five words).
MAX_PHRASE_WORDS = 8

_KATAKANA = "\u30a1-\u30fa\u30fd-\u30ff"
_TRAILING_LONG_VOWEL = re.compile(rf"(?<=[{_KATAKANA}])ー+(?![{_KATAKANA}ー])")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def fold(term):
    """The form terms are compared in (see the module's docstring)."""
    return _TRAILING_LONG_VOWEL.sub("", _plain(term))


def _plain(term):
    """NFKC, case-folded, single-spaced: the same spelling (the long vowel mark still counts)."""
    return " ".join(unicodedata.normalize("NFKC", str(term)).casefold().split())


def is_japanese(term):
    """Whether the term has kana or kanji in it."""
    return bool(_JAPANESE.search(term))


def clean_terms(terms):
    """The terms stripped and checked: a non-empty list of strings, each 1–100 characters, none twice (as
    folded). Returns the cleaned list; raises ValueError with one message per problem."""
    if not isinstance(terms, (list, tuple)):
        raise ValueError(["Must be a list of terms."])
    cleaned, problems, seen = [], [], {}
    for position, raw in enumerate(terms, 1):
        if not isinstance(raw, str):
            problems.append(f"Term {position} is not a string.")
            continue
        term = " ".join(raw.split())
        folded = fold(term)
        if not term:
            problems.append(f"Term {position} is blank.")
        elif len(term) > MAX_TERM_LENGTH:
            problems.append(f"Term {position} is longer than {MAX_TERM_LENGTH} characters.")
        elif "\x00" in term:
            problems.append(f"Term {position} contains a NUL character.")
        elif folded in seen:
            problems.append(f"“{term}” repeats “{seen[folded]}”.")
        else:
            seen[folded] = term
            cleaned.append(term)
    if not cleaned and not problems:
        problems.append("At least one term is required.")
    if problems:
        raise ValueError(problems)
    return cleaned


@dataclass(frozen=True)
class Expansion:
    """Query words ``start``…``end - 1`` (``text``) are the term ``term`` of entry ``key``; ``others`` are
    that entry's terms spelled otherwise than the query (the stored ユーザー for a query ユーザ too), to
    search for as well."""

    start: int
    end: int
    text: str
    key: str
    category: str
    term: str
    others: tuple

    def describe(self):
        return f"glossary: {self.text} = {', '.join(self.others)}"


class Glossary:
    """The enabled entries, indexed by folded term. ``entries``: (key, category, terms) triples."""

    def __init__(self, entries=()):
        self.entries = {}
        self.by_term = {}
        for key, category, terms in entries:
            self.entries[key] = (category, tuple(terms))
            for term in terms:
                self.by_term.setdefault(fold(term), []).append((key, term))

    def __len__(self):
        return len(self.entries)

    def lookup(self, text):
        """Every entry one of whose terms is ``text`` (folded): a list of (key, term)."""
        return list(self.by_term.get(fold(text), ()))

    def expand(self, words):
        """The expansions of a query's words, left to right. A run of consecutive words matching a term
        ("connection", "refused") is taken as that term, the longest run first; a word inside a matched run
        is not matched again on its own. A term in several entries (a genuinely ambiguous one) gives one
        expansion per entry."""
        words = [str(word) for word in words]
        found, start = [], 0
        while start < len(words):
            for end in range(min(len(words), start + MAX_PHRASE_WORDS), start, -1):
                text = " ".join(words[start:end])
                matches = self.lookup(text)
                if matches:
                    found.extend(self._expansion(start, end, text, key, term) for key, term in matches)
                    start = end
                    break
            else:
                start += 1
        return found

    def _expansion(self, start, end, text, key, term):
        category, terms = self.entries[key]
        others = tuple(other for other in terms if _plain(other) != _plain(text))
        return Expansion(start, end, text, key, category, term, others)


def read_seed(path=SEED_PATH):
    """The seed file's groups as dicts (key, category, terms), checked; raises ValueError naming the group."""
    with open(path, encoding="utf-8") as handle:
        groups = yaml.safe_load(handle) or []
    if not isinstance(groups, list):
        raise ValueError(f"{path}: expected a list of groups")
    result, keys = [], set()
    for number, group in enumerate(groups, 1):
        label = group.get("key") if isinstance(group, dict) else repr(group)
        where = f"{path}: group {number} ({label})"
        if not isinstance(group, dict) or set(group) - {"key", "category", "terms", "enabled"}:
            raise ValueError(f"{where}: expected key, category and terms")
        key, category = group.get("key"), group.get("category")
        if not isinstance(key, str) or not KEY_PATTERN.match(key) or key in keys:
            raise ValueError(f"{where}: the key must be a unique lower-case slug")
        if category not in CATEGORIES:
            raise ValueError(f"{where}: the category must be one of {', '.join(CATEGORIES)}")
        try:
            terms = clean_terms(group.get("terms"))
        except ValueError as exc:
            raise ValueError(f"{where}: {' '.join(exc.args[0])}") from None
        keys.add(key)
        result.append({"key": key, "category": category, "terms": terms, "enabled": bool(group.get("enabled", True))})
    return result
