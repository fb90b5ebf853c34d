"""What a search asks the engine, as plain data: the same plan runs on Whoosh and on tantivy.

A query typed by a person (``query.ParsedQuery``) becomes a ``Plan``: the filters, the exclusions, the
mask of incidents the user may not see, and the text queries of the passes tried in order until one
matches (every word as a word; every word as characters; any word as a word; any word as characters).
The nodes below (``Term``, ``Phrase``, ``And`` …) name index fields and hold tokens the project's own
analysers produced (``analysis`` for the bigram fields, ``words`` for the word fields); each backend
translates them into its engine's queries, so both engines match the same documents.

The glossary is applied here: a run of query words that is a glossary term also matches the entry's
other terms, with GLOSSARY_WEIGHT times the weight of the words typed.
"""

import datetime
from dataclasses import dataclass, field, replace

from .. import dates, roles
from ..glossary import Expansion
from ..text import fieldsearch
from . import concepts, dictionary
from .analysis import query_terms
from .analysis import tokens as bigram_tokens
from .words import function_word, query_words

# Text fields as CJK bigrams (and Latin words) and their boosts; ``text`` holds the summary and body.
BIGRAM_FIELDS = {"title": 3.0, "labels": 2.0, "text": 1.0}
# The same texts as words. A word match weighs WORD_BOOST times a bigram match in the same field.
WORD_FIELDS = {"title_words": 3.0, "label_words": 2.0, "words": 1.0}
WORD_BOOST = 4.0
# A glossary alternative (接続拒否 for "connection refused") weighs this much of the words typed.
GLOSSARY_WEIGHT = 0.5
# A dictionary gloss (JMdict: 枯渇 "drying up") of a word the glossary does not know weighs less.
DICTIONARY_WEIGHT = 0.3
# Query filters (``tag:dns``) and the keyword fields they match.
FILTER_FIELDS = {"tag": "tags", "service": "services", "severity": "severity", "status": "status",
                 "category": "categories", "github": "github"}
CASED_FILTERS = {"category"}  # matched as stored; every other filter value is lower-cased
# The keyword fields a search counts its matches by (``facets``); ``fields``: custom field terms (key=value).
FACETS = ("tags", "services", "severity", "status", "categories", "year", "fields")


# --- nodes ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Prefix:
    """Terms starting with ``text`` (a lone CJK character also inside bigrams)."""
    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    field: str
    tokens: tuple
    boost: float = 1.0


@dataclass(frozen=True)
class And:
    parts: tuple


@dataclass(frozen=True)
class Or:
    parts: tuple


@dataclass(frozen=True)
class AndNot:
    positive: object
    negative: object


@dataclass(frozen=True)
class DateRange:
    """``start`` <= field < ``end``; naive UTC datetimes, either may be None (open)."""
    field: str
    start: datetime.datetime | None
    end: datetime.datetime | None


@dataclass(frozen=True)
class Every:
    pass


def scaled(node, factor):
    """``node`` with every leaf's boost multiplied by ``factor``."""
    if isinstance(node, (Term, Prefix, Phrase)):
        return replace(node, boost=node.boost * factor)
    if isinstance(node, (And, Or)):
        return type(node)(tuple(scaled(part, factor) for part in node.parts))
    if isinstance(node, AndNot):
        return AndNot(scaled(node.positive, factor), node.negative)
    return node


def leaves(node):
    """Every Term, Prefix and Phrase of the positive side of ``node``."""
    if isinstance(node, (Term, Prefix, Phrase)):
        yield node
    elif isinstance(node, (And, Or)):
        for part in node.parts:
            yield from leaves(part)
    elif isinstance(node, AndNot):
        yield from leaves(node.positive)


def _any(parts):
    parts = tuple(part for part in parts if part is not None)
    return None if not parts else parts[0] if len(parts) == 1 else Or(parts)


def _all(parts):
    parts = tuple(part for part in parts if part is not None)
    return None if not parts else parts[0] if len(parts) == 1 else And(parts)


# --- one word or phrase typed ---------------------------------------------------------------------


def has_cjk(text):
    """Whether ``text`` has a CJK run (then its bigram query differs from its word query)."""
    return any(kind == "phrase" for kind, _ in query_terms(text))


def bigram_query(text):
    """One word or phrase in every bigram field: a term, or the phrase of its tokens."""
    tokens = tuple(token for token, *_span in bigram_tokens(text, mode="query"))
    if not tokens:
        return None
    per_field = []
    for name, boost in BIGRAM_FIELDS.items():
        if len(tokens) == 1:
            per_field.append(Term(name, tokens[0], boost))
            if len(tokens[0]) == 1 and ord(tokens[0]) > 0x2FFF:  # a lone CJK character: also inside bigrams
                per_field.append(Prefix(name, tokens[0], boost))
        else:
            per_field.append(Phrase(name, tokens, boost))
    return _any(per_field)


def word_query(text, exact=False):
    """One word or phrase in the word fields; None when it has no word (only particles).

    One word is a term; a compound (ゾンビプロセス) is the phrase of its words; a word typed as a sentence
    (メールが届かない: particles or auxiliaries were dropped from it) needs all its words, in any order.
    An ``exact`` phrase ("…") is the phrase of its words and also the exact phrase of its bigrams."""
    return _word_query(text, *query_words(text), exact=exact)


def _word_query(text, tokens, sentence, exact=False):
    """``word_query`` of ``text`` whose word tokens (``words.query_words``) are already known."""
    if not tokens:
        return None
    if len(tokens) == 1:
        found = _word_terms(tokens[0])
    elif sentence and not exact:
        found = _all(_word_terms(token) for token in tokens)
    else:
        found = _any(Phrase(name, tuple(tokens), boost * WORD_BOOST) for name, boost in WORD_FIELDS.items())
    if exact and has_cjk(text):
        return _all([found, bigram_query(text)])
    return found


def _word_terms(token):
    """One word token in every word field."""
    return _any(Term(name, token, boost * WORD_BOOST) for name, boost in WORD_FIELDS.items())


# --- the plan -------------------------------------------------------------------------------------


@dataclass
class Plan:
    conditions: list = field(default_factory=list)  # all must match (filters, dates)
    excluded: list = field(default_factory=list)  # none may match
    # (text query or None, fallback: any word instead of every word, partial_words: matched as bigrams)
    passes: list = field(default_factory=list)
    expansions: list = field(default_factory=list)  # glossary.Expansion applied to the query
    # {index of a pass: the expansions only it applies} (the dictionary pass, the last-resort passes)
    extra_expansions: dict = field(default_factory=dict)
    any_pass: int | None = None  # the any-word pass, re-ranked by how many of ``any_units`` a hit matches
    any_units: tuple = ()

    def query(self, text_query):
        """The whole query of one pass: its text query, the conditions and the exclusions."""
        positive = _all([text_query, *self.conditions]) or Every()
        negative = _any(self.excluded)
        return AndNot(positive, negative) if negative is not None else positive


def filter_query(name, value):
    return Term(FILTER_FIELDS[name], value if name in CASED_FILTERS else value.lower())


def field_query(key, value):  # ``key:value`` of a custom field: one of its terms (text.fieldsearch)
    return _any(Term("fields", text) for text in fieldsearch.query_terms(key, value) or [fieldsearch.term(key, value)])


def hidden_from(user):
    """A mask: the incidents ``user`` may not see, as ``Incident.objects.visible_to`` says (None for admins,
    who see all): restricted incidents ``user`` is no reader of (member, author, reviewer) and, unless an
    editor, unpublished ones ``user`` did not write. A mask of the few hidden incidents is cheaper than a
    filter of the many shown; hits are checked against the database too (``search._visible_ids``)."""
    if roles.is_admin(user):
        return None
    restricted = AndNot(Term("visibility", "restricted"), Term("readers", str(user.pk)))
    if user.has_perm("incidents.change_incident"):
        return restricted
    unpublished = AndNot(Or((Term("status", "draft"), Term("status", "in_review"))), Term("authors", str(user.pk)))
    return Or((unpublished, restricted))


def _alternative(term):
    """The query of a glossary term searched for the term typed: its words anywhere in the incident (a
    write-up says "the certificate has expired" or 証明書の有効期限が切れ, rarely the term as listed), at
    GLOSSARY_WEIGHT. None when it has no word and no characters."""
    tokens = concepts.tokens(term)
    found = _all(_word_terms(token) for token in tokens) if tokens else bigram_query(term)
    return scaled(found, GLOSSARY_WEIGHT) if found is not None else None


def _sentence_query(tokens, sentence, index, glossary, expansions):
    """A word typed as a sentence (接続が拒否された), given its word tokens, whose words hold a glossary
    term: all its words, a run that is a term matched by that term's words or, at GLOSSARY_WEIGHT, by the
    entry's other terms. None when it is not a sentence or holds no term (then ``word_query`` decides)."""
    if glossary is None or not sentence:
        return None
    by_tokens, _alternatives = concepts.index(glossary)
    parts, matched = [], False
    for start, end, entries in concepts.runs(tokens, by_tokens):
        run = tuple(tokens[start:end])
        if not entries:
            parts.append(_word_terms(run[0]))
            continue
        options = [_all(_word_terms(token) for token in run)]
        for key, term in entries:
            category, terms = glossary.entries[key]
            others = tuple(other for other in terms if concepts.tokens(other) != run)
            expansions.append(Expansion(index, index + 1, term, key, category, term, others))
            options += [_alternative(other) for other in others]
        parts.append(_any(options))
        matched = True
    return _all(parts) if matched else None


def _gloss(gloss):
    """The query of an English gloss: its words anywhere, at DICTIONARY_WEIGHT."""
    tokens = concepts.tokens(gloss)
    return scaled(_all(_word_terms(token) for token in tokens), DICTIONARY_WEIGHT) if tokens else None


def _with_glosses(token, index, expansions):
    """One word token, or its JMdict glosses (listed in ``expansions`` under key "jmdict")."""
    found = dictionary.glosses(token)
    if found:
        expansions.append(Expansion(index, index + 1, token, "jmdict", "dictionary", token, found))
    return _any([_word_terms(token), *(_gloss(gloss) for gloss in found)])


def _bridged(text, tokens, sentence, index, expansions):
    """``_word_query`` of a typed word the glossary does not cover, each Japanese word of it also matching its
    dictionary glosses (a compound stays the phrase of its words)."""
    if len(tokens) > 1 and not sentence:
        return _word_query(text, tokens, sentence)
    return _all(_with_glosses(token, index, expansions) for token in tokens) if tokens else None


def _units(parsed, glossary):
    """The query's texts as (alternatives by words, alternatives by bigrams, has CJK, alternatives by words and
    dictionary glosses, is a function word), one unit per typed word or phrase, or per run of typed words that
    is a glossary term (then also matching the entry's other terms). Returns (units, expansions, dictionary
    expansions)."""
    units, expansions, covered, glossed = [], [], {}, []
    if glossary is not None and parsed.words:
        for expansion in glossary.expand(parsed.words):
            covered.setdefault(expansion.start, []).append(expansion)
    index = 0
    while index < len(parsed.words):
        found = covered.get(index)
        if not found:
            text = parsed.words[index]
            tokens, sentence = query_words(text)
            bigrams = bigram_query(text)
            with_glossary = _sentence_query(tokens, sentence, index, glossary, expansions)
            by_words = with_glossary or _word_query(text, tokens, sentence) or bigrams
            bridged = with_glossary or _bridged(text, tokens, sentence, index, glossed) or bigrams
            units.append((by_words, bigrams, has_cjk(text), bridged, function_word(text)))
            index += 1
            continue
        end = found[0].end
        typed = parsed.words[index:end]
        by_words = [_all(word_query(text) or bigram_query(text) for text in typed)]
        by_bigrams = [_all(bigram_query(text) for text in typed)]
        for expansion in found:
            expansions.append(expansion)
            for other in expansion.others:
                by_words.append(_alternative(other))
                alternative = bigram_query(other)
                by_bigrams.append(scaled(alternative, GLOSSARY_WEIGHT) if alternative else None)
        cjk = any(has_cjk(text) for text in [*typed, *(other for e in found for other in e.others)])
        units.append((_any(by_words), _any(by_bigrams), cjk, _any(by_words), False))
        index = end
    for text in parsed.phrases:
        exact = word_query(text, exact=True) or bigram_query(text)
        units.append((exact, bigram_query(text), has_cjk(text), exact, False))
    return units, expansions, glossed


def _loose(parsed, glossary):
    """The last resort: any word typed, a sentence's words one by one (レスポンス or 遅い of レスポンスが遅い),
    each of those also as its glossary entry's other terms or its dictionary glosses, so that a query one of
    whose words occurs somewhere never answers nothing. A word or compound typed stays whole (名前解決 is not
    名前 or 解決). Returns (by words, by bigrams, expansions)."""
    by_words, by_bigrams, expansions = [], [], []
    asked = not all(function_word(text) for text in parsed.words)  # then "of" or "the" is not asked for
    for index, text in enumerate(parsed.words):  # an explicit "phrase" stays whole: no loose pass breaks it
        if asked and function_word(text):
            continue
        tokens, sentence = query_words(text)
        if not sentence:  # a word or a compound (名前解決) keeps its meaning only whole
            by_words.append(_word_query(text, tokens, sentence) or bigram_query(text))
            by_bigrams.append(bigram_query(text))
            continue
        for token in tokens:
            found = glossary.expand([token]) if glossary is not None else ()
            options = [_word_terms(token) if found else _with_glosses(token, index, expansions)]
            for expansion in found:
                expansions.append(replace(expansion, start=index, end=index + 1))
                options += [_alternative(other) for other in expansion.others]
            by_words.append(_any(options))
            by_bigrams.append(bigram_query(token))
    return by_words, by_bigrams, expansions


def build(parsed, *, tags=(), match_all_tags=True, any_of=None, started=(None, None), glossary=None, fields=()):
    """The plan of a search (see the module docstring). ``started`` holds aware datetimes (from inclusive, to
    exclusive); ``glossary``: a glossary.Glossary (None: no expansion); ``fields``: (key, value) filters, all."""
    plan = Plan()
    for key, values in parsed.fields.items():
        plan.conditions.extend(field_query(key, value) for value in values)
    plan.conditions.extend(field_query(key, value) for key, value in fields)
    for name, values in parsed.filters.items():
        plan.conditions.extend(filter_query(name, value) for value in values)
    for name, values in (any_of or {}).items():
        if values:
            plan.conditions.append(_any(filter_query(name, value) for value in values))
    if any(started):
        plan.conditions.append(DateRange("started", *(dates.as_naive_utc(moment) for moment in started)))
    if tags:
        terms = [Term("tags", tag.lower()) for tag in tags]
        plan.conditions.append(_all(terms) if match_all_tags else _any(terms))
    if parsed.after or parsed.before:
        plan.conditions.append(DateRange("started", dates.day_start(parsed.after), dates.day_start(parsed.before)))
    plan.excluded = [q for q in (word_query(text) or bigram_query(text) for text in parsed.excluded) if q]
    for name, values in parsed.excluded_filters.items():
        plan.excluded.extend(filter_query(name, value) for value in values)
    plan.excluded.extend(field_query(key, value) for key, values in parsed.excluded_fields.items() for value in values)

    units, plan.expansions, glossed = _units(parsed, glossary)
    if not all(unit[4] for unit in units):  # "of" and "the" between the words asked for are not asked for
        units = [unit for unit in units if not unit[4]]
    by_words = [unit[0] for unit in units if unit[0] is not None]
    by_bigrams = [unit[1] for unit in units if unit[1] is not None]
    partial = any(unit[2] for unit in units)  # else the bigram passes are the word passes again
    plan.passes.append((_all(by_words), False, False))
    if partial:
        plan.passes.append((_all(by_bigrams), False, True))
    # Every word again, a Japanese word the glossary does not know also as its dictionary glosses: after the
    # typed word inside longer words (在庫 in 在庫数), which is nearer to what was asked than a translation.
    bridged = _all(unit[3] for unit in units if unit[3] is not None)
    if bridged != plan.passes[0][0]:
        plan.extra_expansions[len(plan.passes)] = glossed
        plan.passes.append((bridged, False, False))
    if len(units) > 1:
        plan.any_pass, plan.any_units = len(plan.passes), tuple(by_words)
        plan.passes.append((_any(by_words), True, False))
        if partial:
            plan.passes.append((_any(by_bigrams), True, True))
    loose_words, loose_bigrams, loose_expansions = _loose(parsed, glossary)
    tried = {text_query for text_query, _fallback, _partial in plan.passes}
    loose_expansions = [e for e in loose_expansions if (e.key, e.term) not in {(x.key, x.term) for x in plan.expansions}]
    for text_query, partial_words in ((_any(loose_words), False), (_any(loose_bigrams), True)):
        if text_query is not None and text_query not in tried and (partial or not partial_words):
            plan.extra_expansions[len(plan.passes)] = loose_expansions
            plan.passes.append((text_query, True, partial_words))
            tried.add(text_query)
    return plan
