"""Similar incidents on tantivy: the same features and weights as ``whoosh_similar`` (shared GitHub
references, distinctive tags, services and key words, a bonus for shared factor categories).

Each feature is a constant-score clause worth weight × idf, so tantivy's sum over the clauses a document
matches is whoosh_similar's score, computed in Rust over the posting lists.
"""

import collections

from tantivy import Occur, Query

from ...models import Visibility
from .. import likeness
from ..analysis import tokens as text_tokens
from ..likeness import CONCEPTS
from .tantivy import SCHEMA, masked, searcher, stored_at

_terms_cache = collections.OrderedDict()  # document digest -> _terms(), the oldest first (dropped first)
TERMS_CACHE = 2048


def _terms(document):
    """(the title's Latin query tokens, {index token of the whole text: occurrences}): the analysis of the text
    that ``_key_words`` ranks, kept by the document's digest for the most recent TERMS_CACHE documents."""
    digest = document.get("digest")
    found = _terms_cache.get(digest) if digest else None
    if found is None:
        title = [token for token, *_rest in text_tokens(document["title"], mode="query") if token.isascii()]
        text = "\n".join([document["title"], document["summary"], document["body"]])
        found = (title, collections.Counter(token for token, *_rest in text_tokens(text)))
        if digest:
            _terms_cache[digest] = found
            while len(_terms_cache) > TERMS_CACHE:
                _terms_cache.popitem(last=False)
    return found


def _frequencies(s, share):
    """Live document frequencies (``likeness.Frequencies``): tantivy's doc_freq still counts documents
    replaced or deleted until their segment is merged; a count query skips them. Without such documents in
    the searcher's segments (after a rebuild or a merge) doc_freq is the live count and no query is needed."""
    if not _holds_deleted(s):
        return s.doc_freq
    bound = 4 * likeness.ceiling(share, s.num_docs)
    return likeness.Frequencies(s.doc_freq, lambda field, term: s.search(_term(field, term), 1, count=True).count,
                                bound)


def _holds_deleted(s):
    """Whether the searcher's segments still hold deleted (or replaced) documents: every document has one
    visibility, so the doc_freq of the visibilities adds up to the live documents when they hold none."""
    return sum(s.doc_freq("visibility", value) for value in Visibility.values) != s.num_docs


def _key_words(s, document):
    """Distinctive words of the incident (see whoosh_similar._key_words; ``likeness.key_words_of``)."""
    title, counts = _terms(document)
    frequency = _frequencies(s, likeness.WORD_SHARE)
    return likeness.key_words_of(title, counts, lambda term: s.doc_freq("text", term),
                                 lambda term: frequency("text", term), s.num_docs)


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
    ceiling = likeness.ceiling(likeness.CONCEPT_SHARE, s.num_docs)
    held = []
    for concept in concepts:
        q = _holding(concept.alternatives)
        members = s.search(q, 1, count=True).count
        if members and members <= ceiling:
            held.append((members, concept.key, q))
    clauses = {}
    for members, key, q in sorted(held, key=lambda item: item[0])[:CONCEPTS]:
        clauses[key] = (q, likeness.gain(likeness.CONCEPT, members))
    return clauses


def similar(document, mask, limit=5, concepts=()):
    """Incidents sharing GitHub references, distinctive tags, services, words or glossary concepts with
    ``document``, plus shared factor categories. Returns [(indexed document, score, matched words,
    matched concept keys)]."""
    s = searcher()
    if s.num_docs == 0:
        return []
    features = likeness.label_features(document, _frequencies(s, likeness.LABEL_SHARE), s.num_docs)
    words = _key_words(s, document)
    for word in words:
        features += [("title", word, likeness.TITLE_WORD), ("text", word, likeness.TEXT_WORD)]
    clauses, live = [], _frequencies(s, 1.0)  # every feature's gain from its live count
    for name, term, weight in dict.fromkeys(features):
        gain = likeness.gain(weight, live(name, term))
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
    # To 4 places (tantivy adds in f32), ties by id: never by document address, which a save changes.
    best = sorted(pks, key=lambda pk: (-round(scores[pk], 4), pk))[:limit]
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
