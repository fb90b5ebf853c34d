"""The tantivy backend (a Rust engine, PyPI ``tantivy``). Every tantivy call of the project is in this
module and tantivy_similar; the functions mirror the Whoosh backend's (see ``backends``).

tantivy never analyses our text: each text field receives the tokens of the project's own analysers as a
pre-tokenized string (``analysis`` for the bigram fields, ``words`` for the word fields), positions
included — tokens sharing a position (a path and its pieces, a word's two normal forms) are all found by
a phrase. Keyword fields hold their values whole (lower-cased as in Whoosh), the label fields and the
severity, status and year are also fast fields for the facet counts, and everything a hit shows is
stored as one JSON value. Snippets come from ``search.snippets``.

One on-disk index per generation (see search.generations). A write waits for the index's writer lock
(tantivy allows one IndexWriter per index, across processes); reads reload the reader first, which costs
microseconds and shows commits made by any process (the follower may be another one).
"""

import array
import collections
import datetime
import itertools
import json
import multiprocessing
import re
import threading
import time

import tantivy
from tantivy import FieldType, Occur, Query

from .. import generations, plan, snippets
from ..analysis import MixedTokenizer
from ..words import words

LOCK_TIMEOUT_SECONDS = 60
WRITER_HEAP = 15_000_000  # tantivy's minimum per indexing thread: enough for the follower's small batches
BULK_HEAP = 200_000_000
BULK_BATCH = 50  # documents per analysis task of a worker process

TEXT_FIELDS = (*plan.BIGRAM_FIELDS, *plan.WORD_FIELDS)
# Keyword fields: lower-cased or kept as stored (as Whoosh's KEYWORD lowercase= and ID fields).
KEYWORDS = {"tags": True, "services": True, "categories": False, "github": True, "authors": False,
            "severity": False, "status": False}
FACETS = ("tags", "services", "severity", "status", "categories", "year")
FIELDS = ("id", "pk", *TEXT_FIELDS, *KEYWORDS, "started", "year", "stored")
STORED = ("id", "reference", "title", "summary", "body", "tags", "services", "categories", "github", "severity",
          "status", "started", "year", "digest")


def make_schema():
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("pk", fast=True)  # the id of a hit without reading its stored document
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="position")
    for name in KEYWORDS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="freq", fast=name in FACETS)
    builder.add_integer_field("started", indexed=True, fast=True)  # microseconds (see _micros)
    builder.add_integer_field("year", indexed=True, fast=True)
    builder.add_bytes_field("stored", stored=True)
    return builder.build()


SCHEMA = make_schema()


# --- analysis: our tokens for tantivy -----------------------------------------------------------------

_BIGRAMS = MixedTokenizer()


def _bigram_tokens(text):
    return [(t.text, t.pos) for t in _BIGRAMS(text, positions=True, mode="index")]


def _word_tokens(text):
    return [(form, position, start, end) for form, position, start, end in words(text)]


def analyse(document):
    """What tantivy needs of a document that takes analysing, as compact plain data (worker processes
    return it; pickling lists of tuples would cost the parent more than it saves): {"tokens": {text field:
    (its tokens joined by NUL, which no token holds, their positions as int32 bytes)}, "stored": the
    stored JSON, with the spans of its Japanese words in its title, summary and body for the snippets}."""
    summary = document["summary"]
    text = f"{summary}\n{document['body']}"
    title_words, text_words = _word_tokens(document["title"]), _word_tokens(text)
    cut = len(summary) + 1
    spans = {"title": [(form, start, end) for form, _pos, start, end in title_words if not form.isascii()],
             "summary": [], "body": []}
    for form, _pos, start, end in text_words:
        if not form.isascii():
            if end <= len(summary):
                spans["summary"].append((form, start, end))
            elif start >= cut:
                spans["body"].append((form, start - cut, end - cut))
    fields = {"title": _bigram_tokens(document["title"]), "labels": _bigram_tokens(document["labels"]),
              "text": _bigram_tokens(text), "title_words": [token[:2] for token in title_words],
              "label_words": [token[:2] for token in _word_tokens(document["labels"])],
              "words": [token[:2] for token in text_words]}
    stored = {name: document[name] for name in STORED}
    stored["started"] = document["started"].isoformat() if document["started"] is not None else None
    stored["spans"] = spans  # so that Sudachi need not read the hits again for their snippets
    return {"tokens": {name: ("\0".join(token for token, _pos in tokens),
                              array.array("i", [pos for _token, pos in tokens]).tobytes())
                       for name, tokens in fields.items()},
            "stored": json.dumps(stored, ensure_ascii=False).encode()}


def _analyse_batch(documents):
    return [analyse(document) for document in documents]


EPOCH = datetime.datetime(1970, 1, 1)


def _micros(moment):
    """A naive UTC datetime (as documents and plans hold them) as microseconds since 1970. Not tantivy's
    date field: it holds nanoseconds, 1677 to 2262 only, and incidents and filters may be dated 0001-9999."""
    return None if moment is None else (moment - EPOCH) // datetime.timedelta(microseconds=1)


def _tantivy_document(document, analysed):
    doc = tantivy.Document()
    doc.add_text("id", str(document["id"]))
    doc.add_integer("pk", int(document["id"]))
    for name in TEXT_FIELDS:
        joined, packed = analysed["tokens"][name]
        positions = array.array("i")
        positions.frombytes(packed)
        texts = joined.split("\0") if positions else []
        # The text is not stored and tantivy reads only the tokens' texts and positions from it.
        tokens = list(map(tantivy.Token, texts, positions, itertools.repeat(0), itertools.repeat(0)))
        doc.add_pre_tokenized_text(name, tantivy.PreTokenizedString("", tokens))
    for name, lower in KEYWORDS.items():
        values = document[name]
        for value in [values] if isinstance(values, str) else values:
            if value:
                doc.add_text(name, value.lower() if lower else value)
    if document["started"] is not None:
        doc.add_integer("started", _micros(document["started"]))
    if document["year"] is not None:
        doc.add_integer("year", int(document["year"]))
    doc.add_bytes("stored", analysed["stored"])
    return doc


# --- opening, writing, reading ---------------------------------------------------------------------

_lock = threading.Lock()
_indexes = {}
_writing = {}  # directory -> threading.Lock: one writer at a time in this process (tantivy's lock is per index)


class IndexMissing(Exception):
    """There is no index generation on this machine yet."""


def _directory():
    directory = generations.current()
    if directory is None:
        raise IndexMissing(f"no search index under {generations.root()}")
    return directory


def _open(directory=None):
    """The index of the current generation (or of ``directory``). A corrupt index raises."""
    directory = directory or _directory()
    with _lock:
        ix = _indexes.get(directory)
        if ix is None:
            for gone in [d for d in _indexes if not d.exists()]:  # generations removed by a rebuild
                del _indexes[gone]
            ix = tantivy.Index.open(str(directory))
            ix.config_reader(reload_policy="manual")  # reloaded before each read instead (see searcher)
            _indexes[directory] = ix
            _writing.setdefault(directory, threading.Lock())
        return ix


def forget():
    """Drop cached index handles (after the directory was replaced or removed)."""
    with _lock:
        _indexes.clear()


def create(directory):
    """An empty index in ``directory`` (a new generation)."""
    with _lock:
        ix = tantivy.Index(SCHEMA, path=str(directory), reuse=False)
        ix.config_reader(reload_policy="manual")
        _indexes[directory] = ix
        _writing.setdefault(directory, threading.Lock())
        return ix


def _writer(ix, heap_size=WRITER_HEAP, num_threads=1):
    """An IndexWriter, waiting up to LOCK_TIMEOUT_SECONDS while another process holds the index's lock."""
    deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
    while True:
        try:
            return ix.writer(heap_size=heap_size, num_threads=num_threads)
        except ValueError as exc:
            if "LockBusy" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _commit(writer, ix):
    writer.commit()
    writer.wait_merging_threads()  # also releases the writer's lock
    ix.reload()


def write(documents=(), remove_ids=(), directory=None):
    """Add or replace documents and remove ids, in one commit, waiting for the index lock."""
    directory = directory or _directory()
    ix = _open(directory)
    # Analysed and converted before taking the lock (a failure there leaves the index alone).
    prepared = [(document["id"], _tantivy_document(document, analyse(document))) for document in documents]
    with _writing[directory]:
        writer = _writer(ix)
        try:
            for pk in [*remove_ids, *(pk for pk, _doc in prepared)]:
                writer.delete_documents_by_term("id", str(pk))
            for _pk, doc in prepared:
                writer.add_document(doc)
        except BaseException:
            _abandon(writer)
            raise
        _commit(writer, ix)


def _abandon(writer):
    """Drop a writer's uncommitted changes and release its lock now (not when the traceback holding it
    is collected)."""
    writer.rollback()
    writer.wait_merging_threads()


def _analysed(documents, procs):
    """(document, tokens) for each document, analysed in ``procs`` forked worker processes when > 1 (Sudachi
    dominates a rebuild). The documents are read here, in this thread (they come from the database), and
    sent in batches, a few per worker in flight, so memory stays bounded and the order is kept."""
    if procs <= 1:
        for document in documents:
            yield document, analyse(document)
        return
    documents = iter(documents)
    in_flight = collections.deque()
    with multiprocessing.get_context("fork").Pool(procs) as pool:
        while True:
            batch = list(itertools.islice(documents, BULK_BATCH))
            if batch:
                in_flight.append((batch, pool.apply_async(_analyse_batch, (batch,))))
            while in_flight and (len(in_flight) > 2 * procs or not batch):
                done, result = in_flight.popleft()
                yield from zip(done, result.get())
            if not batch:
                return


def bulk_load(directory, documents, procs=1):
    """Fill a new, empty index in ``directory`` in one commit (the fast path for rebuilds). With ``procs``
    > 1 the text is analysed in that many worker processes; this process adds the tokens to the index."""
    ix = create(directory)
    analysed = _analysed(documents, procs)  # the pool is forked before tantivy's writer threads start
    count = 0
    with _writing[directory]:
        writer = None
        try:
            for document, tokens in analysed:
                if writer is None:
                    writer = _writer(ix, heap_size=BULK_HEAP, num_threads=1)
                writer.add_document(_tantivy_document(document, tokens))
                count += 1
        except BaseException:
            if writer is not None:
                _abandon(writer)
            analysed.close()
            raise
        if writer is not None:
            _commit(writer, ix)
    return count


def searcher():
    """A searcher over the latest commit of the current generation (by any process)."""
    ix = _open()
    ix.reload()
    return ix.searcher()


def check_readable(directory=None):
    """Open the index and read its document count and one stored document; raises when it cannot."""
    ix = _open(directory)
    ix.reload()
    s = ix.searcher()
    if s.num_docs:
        for _score, address in s.search(Query.all_query(), 1, count=False).hits:
            json.loads(s.doc(address)["stored"][0])


def has_current_fields(directory=None):
    """Whether the index has the fields this version writes and searches (else it must be rebuilt)."""
    directory = directory or _directory()
    _open(directory)
    schema = json.loads((directory / "meta.json").read_text(encoding="utf-8"))["schema"]
    return {(entry["name"], entry["type"]) for entry in schema} == _field_types()


def _field_types():
    types = {name: "text" for name in ("id", *TEXT_FIELDS, *KEYWORDS)}
    types.update(pk="i64", year="i64", started="i64", stored="bytes")
    return set(types.items())


def as_document(fields):
    """Stored fields shaped like documents.document_for() (without the snippets' word spans)."""
    started = fields.get("started")
    document = {name: value for name, value in fields.items() if name != "spans"}
    document["started"] = datetime.datetime.fromisoformat(started) if started else None
    return document


def _fields_at(s, address):
    return json.loads(s.doc(address)["stored"][0])


def stored_at(s, address):
    return as_document(_fields_at(s, address))


def stored_document(pk):
    """The indexed document of one incident; None if it is not indexed."""
    s = searcher()
    hits = s.search(Query.term_query(SCHEMA, "id", str(pk)), 1, count=False).hits
    return stored_at(s, hits[0][1]) if hits else None


def stored_documents():
    """{id: stored fields} of everything in the index."""
    s = searcher()
    if not s.num_docs:
        return {}
    documents = (stored_at(s, address) for _score, address in s.search(Query.all_query(), s.num_docs, count=False).hits)
    return {document["id"]: document for document in documents}


# --- queries ----------------------------------------------------------------------------------------


def _boosted(q, boost):
    return q if boost == 1.0 else Query.boost_query(q, boost)


def _prefix(field, text):
    """Terms starting with ``text``: tantivy's regex query runs on the term dictionary's automaton."""
    return Query.regex_query(SCHEMA, field, re.escape(text) + ".*")


def translate(node):
    """The tantivy query of a plan node (see ``search.plan``)."""
    if isinstance(node, plan.Term):
        return _boosted(Query.term_query(SCHEMA, node.field, node.text), node.boost)
    if isinstance(node, plan.Phrase):
        if len(node.tokens) == 1:  # tantivy's phrase needs two terms
            return _boosted(Query.term_query(SCHEMA, node.field, node.tokens[0]), node.boost)
        return _boosted(Query.phrase_query(SCHEMA, node.field, list(node.tokens)), node.boost)
    if isinstance(node, plan.Prefix):
        return _boosted(_prefix(node.field, node.text), node.boost)
    if isinstance(node, plan.And):
        return Query.boolean_query([(Occur.Must, translate(part)) for part in node.parts])
    if isinstance(node, plan.Or):
        return Query.boolean_query([(Occur.Should, translate(part)) for part in node.parts])
    if isinstance(node, plan.AndNot):
        return Query.boolean_query([(Occur.Must, translate(node.positive)), (Occur.MustNot, translate(node.negative))])
    if isinstance(node, plan.DateRange):
        return Query.range_query(SCHEMA, node.field, FieldType.Integer, _micros(node.start), _micros(node.end),
                                 include_lower=True, include_upper=node.end is None)
    if isinstance(node, plan.Every):
        return Query.all_query()
    raise TypeError(f"not a plan node: {node!r}")


def masked(q, mask):
    """``q`` without the documents of the plan node ``mask`` (None: none hidden)."""
    if mask is None:
        return q
    return Query.boolean_query([(Occur.Must, q), (Occur.MustNot, translate(mask))])


def run(node, mask, page, page_size):
    """(number of documents matching the plan node ``node`` and not ``mask``, the hits of page ``page``
    as [(stored document, score, snippet)]). A page past the last has no hits."""
    s = searcher()
    page = max(1, page)
    result = s.search(masked(translate(node), mask), page_size, count=True, offset=(page - 1) * page_size)
    hits = []
    for score, address in result.hits:
        fields = _fields_at(s, address)
        document = as_document(fields)
        hits.append((document, round(score, 4), snippets.snippet(node, document, fields.get("spans"))))
    return result.count, hits


def facets(mask):
    """Counts of incidents not in ``mask`` per tag, service, severity, status, factor category and year."""
    aggregations = {name: {"terms": {"field": name, "size": 100_000}} for name in FACETS}
    found = searcher().aggregate(masked(Query.all_query(), mask), aggregations)
    counts = {}
    for name in FACETS:
        buckets = found.get(name, {}).get("buckets", [])
        counts[name] = {str(int(b["key"]) if name == "year" else b["key"]): b["doc_count"] for b in buckets}
    return counts
