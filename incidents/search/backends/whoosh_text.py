"""The text fields of the Whoosh index, plan nodes (``search.plan``) as Whoosh queries, and the
highlighted snippets.

Every text is indexed twice: as CJK bigrams (``analysis``, fields ``title``, ``labels``, ``text``), which
find any part of a word, and as words (``words``, fields ``title_words``, ``label_words``, ``words``),
which find whole words by their normalized form. A search matches by words first and only falls back to
bigrams when no incident matches by words, so ポート never ranks サポート above an incident about ポート.
"""

import html

import nh3
from whoosh import highlight, query
from whoosh.analysis import Composable, Token, Tokenizer
from whoosh.matching import AndNotMatcher

from .. import plan
from ..analysis import MixedAnalyzer, MixedTokenizer
from ..words import words


class WordTokenizer(Tokenizer):
    """Word tokens (see ``search.words``). ``mode="query"`` keeps Latin runs whole (no pieces)."""

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for text, position, first, last in words(value, mode=mode):
            yield MixedTokenizer._token(token, text, start_pos + position, first, last, positions, chars, start_char)


class WordAnalyzer(Composable):
    """The analyzer of the word fields: WordTokenizer alone."""

    def __init__(self):
        self.tokenizer = WordTokenizer()

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, value, **kwargs):
        return self.tokenizer(value, **kwargs)


ANALYZER = MixedAnalyzer()
WORDS = WordAnalyzer()
TEXT_FIELDS = plan.BIGRAM_FIELDS  # field boosts, also in the schema
WORD_FIELDS = plan.WORD_FIELDS


class _AndNotMatcher(AndNotMatcher):
    """Whoosh's, except that it also skips its first positive match when the negative side has it and
    starts before it: whoosh-reloaded 2.7.5 only looks when both start on the same document, so
    ``名前解決 -tag:dns`` found an incident tagged dns (the conformance suite with tantivy showed it)."""

    def _find_first(self):
        if self.a.is_active() and self.b.is_active() and self.b.id() <= self.a.id():
            self._find_next()


class AndNot(query.AndNot):
    def matcher(self, searcher, context=None):
        return _AndNotMatcher(self.a.matcher(searcher, context), self.b.matcher(searcher, searcher.boolean_context()))


def translate(node):
    """The Whoosh query of a plan node (see ``search.plan``)."""
    if isinstance(node, plan.Term):
        return query.Term(node.field, node.text, boost=node.boost)
    if isinstance(node, plan.Phrase):
        return query.Phrase(node.field, list(node.tokens), boost=node.boost)
    if isinstance(node, plan.Prefix):
        return query.Prefix(node.field, node.text, boost=node.boost)
    if isinstance(node, plan.And):
        return query.And([translate(part) for part in node.parts])
    if isinstance(node, plan.Or):
        return query.Or([translate(part) for part in node.parts])
    if isinstance(node, plan.AndNot):
        return AndNot(translate(node.positive), translate(node.negative))
    if isinstance(node, plan.DateRange):
        return query.DateRange(node.field, node.start, node.end, endexcl=True)
    if isinstance(node, plan.Every):
        return query.Every()
    raise TypeError(f"not a plan node: {node!r}")


class MarkFormatter(highlight.HtmlFormatter):
    """``<mark>`` around matches, adjacent words and overlapping CJK bigrams merged into one mark; text escaped."""

    def __init__(self):
        super().__init__(tagname="mark", between=" … ")

    def format_fragment(self, fragment, replace=False):
        text, output, index = fragment.text, [], fragment.startchar
        spans = []
        for token in sorted(fragment.matches, key=lambda t: t.startchar):
            if spans and token.startchar <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], token.endchar)
            else:
                spans.append([token.startchar, token.endchar])
        for start, end in spans:
            if start > index:
                output.append(self._text(text[index:start]))
            output.append(f"<mark>{self._text(text[start:end])}</mark>")
            index = end
        output.append(self._text(text[index:fragment.endchar]))
        return "".join(output)


def _highlight(text, terms, analyzer):
    """``text`` with ``terms`` marked in its best two fragments ('' when none is in it)."""
    tokens = analyzer(text, positions=True, chars=True, mode="index", removestops=False)
    tokens = highlight.set_matched_filter(tokens, terms)
    fragmenter = highlight.ContextFragmenter(maxchars=240, surround=60)
    fragments = highlight.top_fragments(fragmenter.fragment_tokens(text, tokens), 2,
                                        highlight.BasicFragmentScorer(), highlight.FIRST, minscore=1)
    return MarkFormatter()(text, fragments)


def snippet(hit):
    """The hit's best fragments with the terms it matched marked, as safe HTML. Only the fields it matched
    in are analysed again, and when all it matched by words is Latin, with the cheaper bigram analyzer
    (its Latin tokens are the same): Sudachi only reads a text when a Japanese word is to be marked."""
    matched = {}
    for name, term in hit.matched_terms():
        if name in TEXT_FIELDS or name in WORD_FIELDS:  # not the filters' terms (dates are not text)
            matched.setdefault(name, set()).add(term.decode("utf-8") if isinstance(term, bytes) else term)
    summary, body, title = hit.get("summary", ""), hit.get("body", ""), hit["title"]
    text = ""
    for name, source in (("words", summary), ("words", body), ("text", summary), ("text", body),
                         ("title_words", title), ("title", title)):
        terms = matched.get(name)
        if terms and source:
            bigrams = name in TEXT_FIELDS or all(term.isascii() for term in terms)
            text = _highlight(source, frozenset(terms), ANALYZER if bigrams else WORDS)
            if text:
                break
    else:
        text = html.escape((summary or body or "")[:200], quote=False)
    return nh3.clean(text, tags={"mark"}, attributes={})
