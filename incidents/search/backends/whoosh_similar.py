"""Similar incidents, scored straight from the Whoosh posting lists (see ``similar``)."""

import collections
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


def _frequencies(s, share):
    """Live document frequencies (``likeness.Frequencies``): Whoosh's own count still holds documents
    replaced since segments last merged; the postings skip them."""
    bound = 4 * likeness.ceiling(share, s.doc_count())
    if not s.ixreader.has_deletions():
        return s.doc_frequency
    return likeness.Frequencies(s.doc_frequency, lambda field, term: len(list(_doc_ids(s, field, term))), bound)


def _key_words(s, document):
    """Distinctive words of the incident (``likeness.key_words_of``): its title's identifiers first, then the
    text's key terms."""
    title = [token.text for token in ANALYZER(document["title"], mode="query") if token.text.isascii()]
    text = "\n".join([document["title"], document["summary"], document["body"]])
    counts = collections.Counter(token.text for token in ANALYZER(text, mode="index"))
    frequency = _frequencies(s, likeness.WORD_SHARE)
    return likeness.key_words_of(title, counts, lambda term: s.doc_frequency("text", term),
                                 lambda term: frequency("text", term), s.doc_count())


def _word_frequency(s):
    """Live documents holding a word token in their text or title (an upper bound: some hold it in both),
    and in whichever of the two holds it in more."""
    frequency = _frequencies(s, likeness.CONCEPT_SHARE)
    return (lambda token: frequency("words", token) + frequency("title_words", token),
            lambda token: max(frequency("words", token), frequency("title_words", token)))


def _at_most(frequency, alternatives):
    """An upper bound of len(_holding(s, alternatives)) from document frequencies alone (no postings read)."""
    return sum(min(frequency(token) for token in tokens) for tokens in alternatives if tokens)


def _held(s, concepts, ceiling, own):
    """[(concept, other documents holding it)] of the CONCEPTS rarest concepts held by at most ``ceiling``
    documents. A long write-up names dozens of concepts, some in most incidents: one whose single-word term
    alone is that common is left out from its frequency, and postings are read for the 3 × CONCEPTS
    with the lowest frequency bound only."""
    candidates, (frequency, larger) = [], _word_frequency(s)
    for position, concept in enumerate(concepts):
        least = max((larger(tokens[0])
                     for tokens in concept.alternatives if len(tokens) == 1), default=0)
        if least <= ceiling:
            candidates.append((_at_most(frequency, concept.alternatives), position, concept))
    held = []
    for _bound, _position, concept in sorted(candidates, key=lambda c: c[:2])[:3 * CONCEPTS]:
        members = _holding(s, frequency, concept.alternatives, 4 * ceiling) - own
        if members and len(members) <= ceiling:
            held.append((concept, members))
    return sorted(held, key=lambda pair: len(pair[1]))[:CONCEPTS]


def _holding(s, frequency, alternatives, limit):
    """Documents whose word fields hold every token of one of ``alternatives`` (token tuples). An
    alternative is skipped when even its rarest word is in more than ``limit`` documents: reading
    postings that long costs Whoosh more than such a common pairing tells."""
    found = set()
    for tokens in alternatives:
        ordered = sorted(tokens, key=frequency)  # the rarest first
        if not ordered or frequency(ordered[0]) > limit:
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
    labels = _frequencies(s, likeness.LABEL_SHARE)
    features = [(*feature, None) for feature in likeness.label_features(document, labels, s.doc_count())]
    for word in _key_words(s, document):
        features += [("title", word, likeness.TITLE_WORD, word), ("text", word, likeness.TEXT_WORD, word)]
    scores, matched = {}, {}
    for name, term, weight, word in features:
        holding = list(_doc_ids(s, name, term))  # live documents only: the gain is the same after any save
        gain = likeness.gain(weight, len(holding))
        for docnum in holding:
            scores[docnum] = scores.get(docnum, 0.0) + gain
            if word:
                matched.setdefault(docnum, set()).add(word)
    shared, ceiling = {}, likeness.ceiling(likeness.CONCEPT_SHARE, s.doc_count())
    own = set(s.document_numbers(id=document["id"]))
    # The most distinctive concepts only: a long write-up names many, and common ones say little.
    for concept, members in _held(s, concepts, ceiling, own):  # 接続拒否 here, "connection refused" there: the same entry
        gain = likeness.gain(likeness.CONCEPT, len(members))
        for docnum in members:
            scores[docnum] = scores.get(docnum, 0.0) + gain
            shared.setdefault(docnum, []).append(concept.key)
    excluded = own
    if mask is not None:  # incidents the user may not see (a plan node)
        excluded |= set(s.docs_for_query(translate(mask)))
    live = [d for d in scores if d not in excluded and not s.ixreader.is_deleted(d)]
    candidates = _first(s, live, scores, limit * 10)
    for category in document["categories"]:  # common by nature: only a bonus among the candidates
        members = set(_doc_ids(s, "categories", category))
        for docnum in candidates:
            if docnum in members:
                scores[docnum] += likeness.CATEGORY_BONUS
    best = _first(s, candidates, scores, limit)
    return [(as_document(s.stored_fields(d)), round(scores[d], 4), sorted(matched.get(d, ())), shared.get(d, []))
            for d in best]


def _first(s, docnums, scores, count):
    """The ``count`` best of ``docnums`` by score (to 4 places), ties by incident id: never by document number,
    which changes each time an incident is written again."""
    rounded = {d: round(scores[d], 4) for d in docnums}
    top = heapq.nlargest(count, docnums, key=rounded.get)
    if not top:
        return []
    cutoff = rounded[top[-1]]
    tied = [d for d in docnums if rounded[d] >= cutoff]  # every document tied with the last one kept
    ids = {d: int(s.stored_fields(d)["id"]) for d in tied}
    return sorted(tied, key=lambda d: (-rounded[d], ids[d]))[:count]
