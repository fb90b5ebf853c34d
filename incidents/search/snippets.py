"""Highlighted snippets of a hit, made without the engine: the plan's text tokens (``plan.leaves``) are
looked for in the hit's stored summary, body and title with the project's own analysers, whose offsets
point into the text as written, and the best fragments are returned with ``<mark>`` around each match.

Word tokens are looked for first (Sudachi reads a text only when a Japanese word is to be marked: Latin
word tokens are the bigram analyser's Latin tokens), then bigram tokens; the summary, then the body, then
the title. A text with no match gives way to the next; when none has one, the snippet is the summary's
start.

Only what can hold a match is analysed (analysis dominates the cost of a page of results): the Latin and
CJK runs that contain a bigram token or the first three letters of a Latin token (a stem is not always a
substring of the word, its start is), and for Sudachi the lines that contain the first character of a
Japanese word's normalized form. The
last can miss a word whose normalized form starts otherwise than it is written (なる for 成る): such a
hit's snippet then marks its bigrams, or shows its start.
"""

import html
import unicodedata

import nh3

from . import plan
from .analysis import RUN, normalize
from .analysis import tokens as bigram_tokens
from .words import words

FRAGMENT_CHARS = 240  # at most about this long, a fragment: its matches and context on either side
CONTEXT_CHARS = 60
FRAGMENTS = 2
PLAIN_CHARS = 200  # the snippet of a hit with nothing to mark
SEPARATOR = " … "



def _wanted(node):
    """(word tokens, bigram tokens, bigram prefixes) of the plan node's text leaves."""
    by_words, by_bigrams, prefixes = set(), set(), set()
    for leaf in plan.leaves(node):
        if leaf.field in plan.WORD_FIELDS:
            found = by_words
        elif leaf.field in plan.BIGRAM_FIELDS:
            found = prefixes if isinstance(leaf, plan.Prefix) else by_bigrams
        else:
            continue  # a filter's term (tags, status …) is not text
        found.update(leaf.tokens if isinstance(leaf, plan.Phrase) else (leaf.text,))
    return by_words, by_bigrams, prefixes


def _probe(term, word=False):
    """What a line holding ``term`` contains, folded: see the module docstring."""
    return term[:3] if term.isascii() else term[:1] if word else term


def _lines(text, probes):
    """(offset, line) of the lines of ``text`` that contain one of ``probes`` once folded."""
    offset = 0
    for line in text.split("\n"):
        folded = unicodedata.normalize("NFKC", line).lower() if not line.isascii() else line.lower()
        if any(probe in folded for probe in probes):
            yield offset, line
        offset += len(line) + 1


def _runs(text, probes):
    """(offset, run) of the Latin and CJK runs of ``text`` (as the bigram analyser cuts it) that contain
    one of ``probes`` once folded. A run analysed alone gives the tokens it gives in its text."""
    folded, origin = normalize(text)
    for match in RUN.finditer(folded):
        run = match.group()
        if any(probe in (run.lower() if match["latin"] else run) for probe in probes):
            start, end = origin[match.start()], origin[match.end() - 1] + 1
            yield start, text[start:end]


def _bigram_matches(text, terms, prefixes):
    prefixes = tuple(prefixes)
    return [(offset + start, offset + end)
            for offset, run in _runs(text, {*map(_probe, terms), *prefixes})
            for token, _position, start, end in bigram_tokens(run)
            if token in terms or (prefixes and token.startswith(prefixes))]


def _word_matches(text, terms, spans=None):
    """Where the word tokens ``terms`` are in ``text``: Latin ones as the bigram analyser finds them (the
    same tokens, without Sudachi), Japanese ones from ``spans`` (the text's [(form, start, end)] as
    ``words`` gave them when it was indexed) or else by reading the text with Sudachi."""
    latin = {term for term in terms if term.isascii()}
    japanese = terms - latin
    found = _bigram_matches(text, latin, ()) if latin else []
    if japanese and spans is not None:
        found += [(start, end) for form, start, end in spans if form in japanese]
    elif japanese:
        found += [(offset + start, offset + end) for offset, line in _lines(text, {_probe(t, word=True) for t in japanese})
                  for form, _position, start, end in words(line) if form in japanese]
    return found


def _spans(matches):
    """Matched (start, end, tokens) spans in order: overlapping or touching matches (CJK bigrams, the
    words of a compound) merged into one."""
    spans = []
    for start, end in sorted(matches):
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
            spans[-1][2] += 1
        else:
            spans.append([start, end, 1])
    return spans


def _fragments(text, spans):
    """The best FRAGMENTS fragments (most matched tokens, then earliest) as (start, end, spans), in order."""
    groups = []
    for span in spans:
        if groups and span[1] - groups[-1][0][0] <= FRAGMENT_CHARS - 2 * CONTEXT_CHARS:
            groups[-1].append(span)
        else:
            groups.append([span])
    best = sorted(groups, key=lambda group: -sum(span[2] for span in group))[:FRAGMENTS]
    fragments = []
    for group in sorted(best, key=lambda group: group[0][0]):
        start = max(0, group[0][0] - CONTEXT_CHARS)
        end = min(len(text), max(group[-1][1] + CONTEXT_CHARS, start + FRAGMENT_CHARS - CONTEXT_CHARS))
        end = max(end, group[-1][1])
        # Not in the middle of a Latin word: start after a space, end before one, when one is near.
        space = text.find(" ", start, group[0][0])
        if start and 0 <= space - start < 15:
            start = space + 1
        space = text.rfind(" ", group[-1][1], end)
        if end < len(text) and space >= 0 and end - space < 15:
            end = space
        fragments.append((start, end, group))
    return fragments


def _render(text, fragments):
    parts = []
    for start, end, group in fragments:
        output, index = [], start
        for first, last, _count in group:
            output.append(html.escape(text[index:first], quote=False))
            output.append(f"<mark>{html.escape(text[first:last], quote=False)}</mark>")
            index = last
        output.append(html.escape(text[index:end], quote=False))
        parts.append("".join(output).strip())
    return SEPARATOR.join(parts)


def highlight(text, matches):
    """``text`` with the (start, end) ``matches`` marked in its best fragments, as HTML."""
    return _render(text, _fragments(text, _spans(matches)))


def snippet(node, document, spans=None):
    """The best fragments of the hit ``document`` (stored fields) with the tokens of the plan node
    ``node`` marked, as safe HTML. ``spans``: {"title" | "summary" | "body": [(form, start, end)]}, the
    Japanese words of those texts as ``words`` gave them, when the engine stored them."""
    by_words, by_bigrams, prefixes = _wanted(node)
    spans = spans or {}
    texts = {name: document.get(name) or "" for name in ("summary", "body", "title")}
    steps = [(name, "words") for name in ("summary", "body")] + [(name, "bigrams") for name in ("summary", "body")]
    text = ""
    for name, kind in [*steps, ("title", "words"), ("title", "bigrams")]:
        source = texts[name]
        if not source:
            continue
        if kind == "words" and by_words:
            matches = _word_matches(source, by_words, spans.get(name))
        elif kind == "bigrams" and (by_bigrams or prefixes):
            matches = _bigram_matches(source, by_bigrams, prefixes)
        else:
            continue
        if matches:
            text = highlight(source, matches)
            break
    else:
        text = html.escape((texts["summary"] or texts["body"])[:PLAIN_CHARS], quote=False)
    return nh3.clean(text, tags={"mark"}, attributes={})
