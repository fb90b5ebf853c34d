"""The tantivy backend (a Rust engine, PyPI ``tantivy``). Every tantivy call of the project is in this
module, tantivy_documents (the fields, our tokens as tantivy documents) and tantivy_similar; the functions
mirror the Whoosh backend's (see ``backends``).

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

import contextlib
import datetime
import json
import re
import threading
import time

import tantivy
from tantivy import FieldType, Occur, Query

from .. import generations, plan, snippets
from . import tantivy_cache
from .tantivy_documents import FACETS, KEYWORDS, SCHEMA, TEXT_FIELDS, analyse, analysed, micros, tantivy_document

LOCK_TIMEOUT_SECONDS = 60
WRITER_HEAP = 15_000_000  # tantivy's minimum per indexing thread: enough for the follower's small batches
BULK_HEAP = 200_000_000

# --- opening, writing, reading ---------------------------------------------------------------------

_lock = threading.Lock()
_indexes = {}
_writing = {}  # directory -> threading.Lock: one writer at a time in this process (tantivy's lock is per index)


def _open(directory=None):
    """The index of the current generation (or of ``directory``). A corrupt index raises."""
    directory = directory or generations.required()
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
    directory = directory or generations.required()
    ix = _open(directory)
    # Analysed and converted before taking the lock (a failure there leaves the index alone).
    analyses = [(document, analyse(document)) for document in documents]
    prepared = [(document["id"], tantivy_document(document, tokens)) for document, tokens in analyses]
    if tantivy_cache.enabled():  # for the next rebuild
        tantivy_cache.store([(document["id"], document["digest"], tantivy_cache.pack(tokens))
                             for document, tokens in analyses], removed=remove_ids)
    with _writing[directory]:
        writer = _writer(ix)
        try:
            for pk in [*remove_ids, *(pk for pk, _doc in prepared)]:
                writer.delete_documents_by_term("id", str(pk))
            for _pk, doc in prepared:
                writer.add_document(doc)
            _commit(writer, ix)
        except BaseException:
            _abandon(writer)
            raise


def _abandon(writer):
    """Drop a writer's uncommitted changes and release its lock now (not when the traceback holding it
    is collected), also after a commit that failed half-way (a full disk): the next write then takes
    the lock at once instead of waiting LOCK_TIMEOUT_SECONDS."""
    try:
        writer.rollback()
    except Exception:  # the failed commit left nothing to roll back, or the writer is already consumed
        pass
    try:
        writer.wait_merging_threads()  # takes the writer out of its Python object: dropped, lock released
    except Exception:
        pass


@contextlib.contextmanager
def writes_held(directory):
    """Hold the index's writer lock (tantivy's, across processes, by an IndexWriter that writes nothing) for
    the ``with`` block, waiting up to LOCK_TIMEOUT_SECONDS: no commit or merge happens meanwhile
    (search.snapshot copies the files then). Committed files are never changed, only replaced or removed."""
    ix = _open(directory)
    with _writing[directory]:
        writer = _writer(ix)
        try:
            yield
        finally:
            _abandon(writer)


def bulk_load(directory, documents, procs=1):
    """Fill a new, empty index in ``directory`` in one commit (the fast path for rebuilds). With ``procs``
    > 1 the text is analysed in that many worker processes; this process adds the tokens to the index."""
    ix = create(directory)
    cache = tantivy_cache.Rebuild() if tantivy_cache.enabled() else None
    prepared = analysed(documents, procs, cache)  # the pool is forked before tantivy's writer threads start
    count = 0
    with _writing[directory]:
        writer = None
        try:
            for document, tokens in prepared:
                if writer is None:
                    writer = _writer(ix, heap_size=BULK_HEAP, num_threads=1)
                writer.add_document(tantivy_document(document, tokens))
                count += 1
            if writer is not None:
                _commit(writer, ix)
        except BaseException:
            if writer is not None:
                _abandon(writer)
            prepared.close()
            if cache:
                cache.discard()
            raise
    if cache:
        cache.finish()
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
    directory = directory or generations.required()
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


def stamps(directory=None):
    """{id: stamp} of everything in the index (documents.stamp; None for a document without one)."""
    ix = _open(directory)
    ix.reload()
    s = ix.searcher()
    if not s.num_docs:
        return {}
    found = {}
    for _score, address in s.search(Query.all_query(), s.num_docs, count=False).hits:
        fields = _fields_at(s, address)
        found[fields["id"]] = fields.get("stamp")
    return found


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
        return Query.range_query(SCHEMA, node.field, FieldType.Integer, micros(node.start), micros(node.end),
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


def count(node, mask):
    """How many documents match ``node`` and not ``mask`` (no document is read)."""
    return searcher().search(masked(translate(node), mask), 1, count=True).count


def matching_ids(node, mask, limit):
    """The ids (as stored: strings) of up to ``limit`` documents matching ``node`` and not ``mask``; no snippets."""
    s = searcher()
    addresses = [address for _score, address in s.search(masked(translate(node), mask), limit).hits]
    return [str(int(pk)) for pk in s.fast_field_values("pk", addresses)] if addresses else []  # as stored: "12"


def facets(mask, node=None):
    """Counts of the incidents matching the plan node ``node`` (None: every incident) and not ``mask``, per
    tag, service, severity, status, factor category and year (see whoosh.facets), by tantivy's terms
    aggregation over the fast fields."""
    aggregations = {name: {"terms": {"field": name, "size": 100_000}} for name in FACETS}
    found = searcher().aggregate(masked(translate(node) if node is not None else Query.all_query(), mask),
                                 aggregations)
    counts = {}
    for name in FACETS:
        buckets = found.get(name, {}).get("buckets", [])
        counts[name] = {str(int(b["key"]) if name == "year" else b["key"]): b["doc_count"] for b in buckets}
    return counts
