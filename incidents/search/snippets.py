"""Highlighted snippets of a hit, made without the engine: the plan's text tokens (``plan.leaves``) are
looked for in the hit's stored summary, body and title with the project's own analysers, whose offsets
point into the text as written, and the best fragments are returned with ``<mark>`` around each match.

Word tokens are looked for first (Sudachi reads a text only when a Japanese word is to be marked: Latin
word tokens are the bigram analyser's Latin tokens), then bigram tokens; the summary, then the body, then
the title. A text with no match gives way to the next; when none has one, the snippet is the summary's
start.
"""

import html

import nh3

from . import plan
from .analysis import MixedTokenizer
from .words import words

FRAGMENT_CHARS = 240  # at most about this long, a fragment: its matches and context on either side
CONTEXT_CHARS = 60
FRAGMENTS = 2
PLAIN_CHARS = 200  # the snippet of a hit with nothing to mark
SEPARATOR = " … "

_BIGRAMS = MixedTokenizer()


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


def _bigram_matches(text, terms, prefixes):
    return [(t.startchar, t.endchar) for t in _BIGRAMS(text, chars=True, mode="index")
            if t.text in terms or (prefixes and t.text.startswith(tuple(prefixes)))]


def _word_matches(text, terms):
    if all(term.isascii() for term in terms):  # the same tokens, without Sudachi
        return _bigram_matches(text, terms, ())
    return [(start, end) for form, _position, start, end in words(text) if form in terms]


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


def snippet(node, document):
    """The best fragments of the hit ``document`` (stored fields) with the tokens of the plan node
    ``node`` marked, as safe HTML."""
    by_words, by_bigrams, prefixes = _wanted(node)
    summary, body, title = document.get("summary") or "", document.get("body") or "", document.get("title") or ""
    text = ""
    for source, find in ((summary, by_words and (lambda s: _word_matches(s, by_words))),
                         (body, by_words and (lambda s: _word_matches(s, by_words))),
                         (summary, (by_bigrams or prefixes) and (lambda s: _bigram_matches(s, by_bigrams, prefixes))),
                         (body, (by_bigrams or prefixes) and (lambda s: _bigram_matches(s, by_bigrams, prefixes))),
                         (title, by_words and (lambda s: _word_matches(s, by_words))),
                         (title, (by_bigrams or prefixes) and (lambda s: _bigram_matches(s, by_bigrams, prefixes)))):
        if source and find:
            matches = find(source)
            if matches:
                text = highlight(source, matches)
                break
    else:
        text = html.escape((summary or body)[:PLAIN_CHARS], quote=False)
    return nh3.clean(text, tags={"mark"}, attributes={})
