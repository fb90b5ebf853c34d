"""Similar incidents on tantivy: the same features and weights as ``whoosh_similar`` (shared GitHub
references, distinctive tags, services and key words, a bonus for shared factor categories).

Each feature is a constant-score clause worth weight × idf, so tantivy's sum over the clauses a document
matches is whoosh_similar's score, computed in Rust over the posting lists.
"""

import collections
import math

from tantivy import Occur, Query

from .. import likeness
from ..analysis import MixedTokenizer
from ..likeness import CONCEPTS
from .tantivy import SCHEMA, masked, searcher, stored_at

_ANALYZER = MixedTokenizer()


def _key_terms(s, text, count):
    """The ``count`` most informative terms of ``text`` in the ``text`` field by the Bo1 model, as Whoosh's
    key_terms_from_text ranks them (document frequency standing in for collection frequency, which
    tantivy does not expose)."""
    weights = collections.Counter(token.text for token in _ANALYZER(text, mode="index"))
    total = s.num_docs
    scored = []
    for word, weight in weights.items():
        df = s.doc_freq("text", word)
        if df:
            f = df / total
            scored.append((weight * math.log2((1.0 + f) / f) + math.log2(1.0 + f), word))
    scored.sort(key=lambda pair: -pair[0])
    return [word for _score, word in scored[:count]]


def _key_words(s, document):
    """Distinctive words of the incident (see whoosh_similar._key_words). The pieces of an identifier
    already chosen (``datadog`` and ``agent`` of ``datadog-agent``) are not chosen again: one shared name
    would otherwise count three times (Whoosh's document frequencies, which count replaced documents
    until segments merge, usually leave them out as too common)."""
    title = [token.text for token in _ANALYZER(document["title"], mode="query") if token.text.isascii()]
    text = "\n".join([document["title"], document["summary"], document["body"]])
    ranked = title + _key_terms(s, text, 40)
    limit = likeness.ceiling(likeness.WORD_SHARE, s.num_docs)
    return likeness.key_words([word for word in dict.fromkeys(ranked) if s.doc_freq("text", word) <= limit],
                              skip_pieces=True)


def _term(field, value):
    return Query.term_query(SCHEMA, field, value)


def _pks(s, q, limit):
    hits = s.search(q, limit, count=False).hits
    return [int(pk) for pk in s.fast_field_values("pk", [address for _score, address in hits])] if hits else []


def _holding(alternatives):
    """A query for the documents whose word fields hold every token of one of ``alternatives``."""
    either = []
    for tokens in alternatives:
        each = [(Occur.Must, Query.boolean_query([(Occur.Should, _term("words", token)),
                                                  (Occur.Should, _term("title_words", token))]))
                for token in tokens]
        either.append((Occur.Should, Query.boolean_query(each)))
    return Query.boolean_query(either)


def _concept_clauses(s, concepts):
    """Constant-score clauses for the rarest concepts (see whoosh_similar.similar), and their queries."""
    total, ceiling = s.num_docs, likeness.ceiling(likeness.CONCEPT_SHARE, s.num_docs)
    held = []
    for concept in concepts:
        q = _holding(concept.alternatives)
        members = s.search(q, 1, count=True).count
        if members and members <= ceiling:
            held.append((members, concept.key, q))
    clauses = {}
    for members, key, q in sorted(held, key=lambda item: item[0])[:CONCEPTS]:
        clauses[key] = (q, likeness.gain(likeness.CONCEPT, total, members))
    return clauses


def similar(document, mask, limit=5, concepts=()):
    """Incidents sharing GitHub references, distinctive tags, services, words or glossary concepts with
    ``document``, plus shared factor categories. Returns [(indexed document, score, matched words,
    matched concept keys)]."""
    s = searcher()
    if s.num_docs == 0:
        return []
    features = likeness.label_features(document, s.doc_freq, s.num_docs)
    words = _key_words(s, document)
    for word in words:
        features += [("title", word, likeness.TITLE_WORD), ("text", word, likeness.TEXT_WORD)]
    total = s.num_docs
    clauses = []
    for name, term, weight in dict.fromkeys(features):
        gain = likeness.gain(weight, total, s.doc_freq(name, term))
        clauses.append((Occur.Should, Query.const_score_query(_term(name, term), gain)))
    by_concept = _concept_clauses(s, concepts)
    clauses += [(Occur.Should, Query.const_score_query(q, gain)) for q, gain in by_concept.values()]
    if not clauses:
        return []
    clauses.append((Occur.MustNot, _term("id", str(document["id"]))))
    hits = s.search(masked(Query.boolean_query(clauses), mask), limit * 10, count=False).hits
    if not hits:
        return []
    addresses = [address for _score, address in hits]
    pks = [int(pk) for pk in s.fast_field_values("pk", addresses)]
    scores = {pk: score for pk, (score, _address) in zip(pks, hits, strict=True)}
    where = dict(zip(pks, addresses, strict=True))
    candidates = Query.term_set_query(SCHEMA, "id", [str(pk) for pk in pks])
    for category in document["categories"]:  # common by nature: only a bonus among the candidates
        for pk in _pks(s, Query.boolean_query([(Occur.Must, candidates), (Occur.Must, _term("categories", category))]),
                       len(pks)):
            scores[pk] += likeness.CATEGORY_BONUS
    best = sorted(pks, key=lambda pk: -scores[pk])[:limit]
    matched = collections.defaultdict(set)
    chosen = Query.term_set_query(SCHEMA, "id", [str(pk) for pk in best])
    for word in words:
        either = Query.boolean_query([(Occur.Should, _term("title", word)), (Occur.Should, _term("text", word))])
        for pk in _pks(s, Query.boolean_query([(Occur.Must, chosen), (Occur.Must, either)]), len(best)):
            matched[pk].add(word)
    shared = collections.defaultdict(list)
    for key, (q, _gain) in by_concept.items():
        for pk in _pks(s, Query.boolean_query([(Occur.Must, chosen), (Occur.Must, q)]), len(best)):
            shared[pk].append(key)
    return [(stored_at(s, where[pk]), round(scores[pk], 4), sorted(matched[pk]), shared[pk]) for pk in best]
