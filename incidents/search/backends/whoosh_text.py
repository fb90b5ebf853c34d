"""The text fields of the Whoosh index, the queries for one word or phrase typed by a person, and the
highlighted snippets.

Every text is indexed twice: as CJK bigrams (``analysis``, fields ``title``, ``labels``, ``text``), which
find any part of a word, and as words (``words``, fields ``title_words``, ``label_words``, ``words``),
which find whole words by their normalized form. ``search`` matches by words first and only falls back to
bigrams when no incident matches by words, so ポート never ranks サポート above an incident about ポート.
"""

import html

import nh3
from whoosh import highlight, query
from whoosh.analysis import Composable, Token, Tokenizer

from ..analysis import MixedAnalyzer, MixedTokenizer, query_terms
from ..words import query_words, words


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
# Searched text fields and their boosts. ``text`` holds the summary and the body; one field for all the
# long text keeps phrase matching (positions) to one pass per document.
TEXT_FIELDS = {"title": 3.0, "labels": 2.0, "text": 1.0}
# The same texts as words. A word match weighs WORD_BOOST times a bigram match in the same field.
WORD_FIELDS = {"title_words": 3.0, "label_words": 2.0, "words": 1.0}
WORD_BOOST = 4.0


def has_cjk(text):
    """Whether ``text`` has a CJK run (then its bigram query differs from its word query)."""
    return any(kind == "phrase" for kind, _ in query_terms(text))


def bigram_query(text):
    """Query for one word or phrase in every bigram field: a term, or the phrase of its tokens."""
    tokens = [token.text for token in ANALYZER(text, mode="query")]
    if not tokens:
        return None
    per_field = []
    for name, boost in TEXT_FIELDS.items():
        if len(tokens) == 1:
            per_field.append(query.Term(name, tokens[0], boost=boost))
            if len(tokens[0]) == 1 and ord(tokens[0]) > 0x2FFF:  # a lone CJK character: also inside bigrams
                per_field.append(query.Prefix(name, tokens[0], boost=boost))
        else:
            per_field.append(query.Phrase(name, tokens, boost=boost))
    return query.Or(per_field)


def word_query(text, exact=False):
    """Query for one word or phrase in the word fields; None when it has no word (only particles).

    One word is a term; a compound (ゾンビプロセス) is the phrase of its words; a word typed as a sentence
    (メールが届かない: particles or auxiliaries were dropped from it) needs all its words, in any order.
    An ``exact`` phrase ("…") is the phrase of its words and also the exact phrase of its bigrams."""
    tokens, sentence = query_words(text)
    if not tokens:
        return None
    fields = [(name, boost * WORD_BOOST) for name, boost in WORD_FIELDS.items()]
    if len(tokens) == 1:
        found = query.Or([query.Term(name, tokens[0], boost=boost) for name, boost in fields])
    elif sentence and not exact:
        found = query.And([query.Or([query.Term(name, token, boost=boost) for name, boost in fields])
                           for token in tokens])
    else:
        found = query.Or([query.Phrase(name, tokens, boost=boost) for name, boost in fields])
    if exact and has_cjk(text):
        characters = bigram_query(text)
        return query.And([found, characters]) if characters else found
    return found


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
