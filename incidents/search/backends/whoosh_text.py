"""The text fields of the Whoosh index and plan nodes (``search.plan``) as Whoosh queries. Snippets are
made without the engine (``search.snippets``), as on tantivy.

Every text is indexed twice: as CJK bigrams (``analysis``, fields ``title``, ``labels``, ``text``), which
find any part of a word, and as words (``words``, fields ``title_words``, ``label_words``, ``words``),
which find whole words by their normalized form. A search matches by words first and only falls back to
bigrams when no incident matches by words, so ポート never ranks サポート above an incident about ポート.
"""

from whoosh import query
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
