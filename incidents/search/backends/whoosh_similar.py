"""Similar incidents, scored straight from the Whoosh posting lists (see ``similar``)."""

import heapq

from whoosh.reading import TermNotFound

from .. import likeness
from ..likeness import CONCEPTS
from .whoosh import ANALYZER, as_document, searcher
from .whoosh_text import translate


def _doc_ids(s, field, term):
    try:
        return s.reader().postings(field, term).all_ids()  # raw postings: no scorer needed
    except TermNotFound:
        return ()


def _key_words(s, document):
    """Distinctive words of the incident (``likeness.key_words``): its title's identifiers first, then the
    text's key terms."""
    title = [token.text for token in ANALYZER(document["title"], mode="query") if token.text.isascii()]
    text = "\n".join([document["title"], document["summary"], document["body"]])
    ranked = title + [word for word, _ in s.key_terms_from_text("text", text, numterms=40, normalize=False)]
    limit = likeness.ceiling(likeness.WORD_SHARE, s.doc_count())
    return likeness.key_words([word for word in dict.fromkeys(ranked) if s.doc_frequency("text", word) <= limit])


def _frequency(s, token):
    return s.doc_frequency("words", token) + s.doc_frequency("title_words", token)


def _at_most(s, alternatives):
    """An upper bound of len(_holding(s, alternatives)) from document frequencies alone (no postings read)."""
    return sum(min(_frequency(s, token) for token in tokens) for tokens in alternatives if tokens)


def _held(s, concepts, ceiling, own):
    """[(concept, other documents holding it)] of the CONCEPTS rarest concepts held by at most ``ceiling``
    documents. A long write-up names dozens of concepts, some in most incidents: one whose single-word term
    alone is that common is left out from its frequency, and postings are read for the 3 × CONCEPTS
    with the lowest frequency bound only."""
    candidates = []
    for position, concept in enumerate(concepts):
        least = max((max(s.doc_frequency("words", tokens[0]), s.doc_frequency("title_words", tokens[0]))
                     for tokens in concept.alternatives if len(tokens) == 1), default=0)
        if least <= ceiling:
            candidates.append((_at_most(s, concept.alternatives), position, concept))
    held = []
    for _bound, _position, concept in sorted(candidates)[:3 * CONCEPTS]:
        members = _holding(s, concept.alternatives, 4 * ceiling) - own
        if members and len(members) <= ceiling:
            held.append((concept, members))
    return sorted(held, key=lambda pair: len(pair[1]))[:CONCEPTS]


def _holding(s, alternatives, limit):
    """Documents whose word fields hold every token of one of ``alternatives`` (token tuples). An
    alternative is skipped when even its rarest word is in more than ``limit`` documents: reading
    postings that long costs Whoosh more than such a common pairing tells."""
    found = set()
    for tokens in alternatives:
        ordered = sorted(tokens, key=lambda token: _frequency(s, token))  # the rarest first
        if not ordered or _frequency(s, ordered[0]) > limit:
            continue
        common = None
        for token in ordered:
            ids = set(_doc_ids(s, "words", token)) | set(_doc_ids(s, "title_words", token))
            common = ids if common is None else common & ids
            if not common:
                break
        found |= common or set()
    return found


def similar(document, mask, limit=5, concepts=()):
    """Incidents sharing GitHub references, distinctive tags, services, words or glossary concepts
    (``search.concepts``) with ``document``, plus shared factor categories. Returns [(indexed document,
    score, matched words, matched concept keys)].

    Scored directly from the posting lists (weight × idf per shared feature) rather than through a
    query matcher: a likeness query ORs dozens of terms, and Whoosh's pure-Python matchers spend most
    of their time on that machinery, not on the few thousand postings involved.
    """
    s = searcher()
    if s.doc_count() == 0:
        return []
    features = [(*feature, None) for feature in likeness.label_features(document, s.doc_frequency, s.doc_count())]
    for word in _key_words(s, document):
        features += [("title", word, likeness.TITLE_WORD, word), ("text", word, likeness.TEXT_WORD, word)]
    scores, matched = {}, {}
    total = s.doc_count_all()
    for name, term, weight, word in features:
        gain = likeness.gain(weight, total, s.doc_frequency(name, term))
        for docnum in _doc_ids(s, name, term):
            scores[docnum] = scores.get(docnum, 0.0) + gain
            if word:
                matched.setdefault(docnum, set()).add(word)
    shared, ceiling = {}, likeness.ceiling(likeness.CONCEPT_SHARE, s.doc_count())
    own = set(s.document_numbers(id=document["id"]))
    # The most distinctive concepts only: a long write-up names many, and common ones say little.
    for concept, members in _held(s, concepts, ceiling, own):  # 接続拒否 here, "connection refused" there: the same entry
        gain = likeness.gain(likeness.CONCEPT, total, len(members))
        for docnum in members:
            scores[docnum] = scores.get(docnum, 0.0) + gain
            shared.setdefault(docnum, []).append(concept.key)
    excluded = own
    if mask is not None:  # incidents the user may not see (a plan node)
        excluded |= set(s.docs_for_query(translate(mask)))
    candidates = heapq.nlargest(limit * 10, (d for d in scores if d not in excluded and not s.ixreader.is_deleted(d)),
                                key=scores.get)
    for category in document["categories"]:  # common by nature: only a bonus among the candidates
        members = set(_doc_ids(s, "categories", category))
        for docnum in candidates:
            if docnum in members:
                scores[docnum] += likeness.CATEGORY_BONUS
    best = heapq.nlargest(limit, candidates, key=scores.get)
    return [(as_document(s.stored_fields(d)), round(scores[d], 4), sorted(matched.get(d, ())), shared.get(d, []))
            for d in best]
