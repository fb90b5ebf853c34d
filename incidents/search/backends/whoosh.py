"""The Whoosh backend. Every Whoosh call of the project is in this module, whoosh_text (the text fields and
their queries) and whoosh_similar.

One on-disk index per generation (see search.generations). Writes wait for Whoosh's lock instead of
failing, and a write that fails (a full disk, even mid-commit) releases the lock at once (``_drop``); reads use one searcher per thread, reopened (cheaply, only when the index changed or the current
generation was switched) before each use, because opening one costs tens of milliseconds on a large index.
"""

import contextlib
import logging
import threading

from whoosh import collectors, index, query
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.searching import ResultsPage, Searcher
from whoosh.util.filelock import try_for
from whoosh.writing import SegmentWriter

from .. import generations, snippets
from ..plan import FACETS
from .whoosh_text import ANALYZER, TEXT_FIELDS, WORD_FIELDS, WORDS, translate

log = logging.getLogger(__name__)

__all__ = ["ANALYZER", "TEXT_FIELDS"]  # also used by whoosh_similar
LOCK_TIMEOUT_SECONDS = 60


def make_schema():
    return Schema(
        id=ID(stored=True, unique=True),
        reference=ID(stored=True),
        title=TEXT(analyzer=ANALYZER, stored=True, field_boost=TEXT_FIELDS["title"]),
        text=TEXT(analyzer=ANALYZER),
        labels=TEXT(analyzer=ANALYZER, field_boost=TEXT_FIELDS["labels"]),
        title_words=TEXT(analyzer=WORDS, field_boost=WORD_FIELDS["title_words"]),
        words=TEXT(analyzer=WORDS),
        label_words=TEXT(analyzer=WORDS, field_boost=WORD_FIELDS["label_words"]),
        summary=STORED,
        body=STORED,
        tags=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        services=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        categories=KEYWORD(stored=True, commas=True, scorable=True),
        github=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        github_display=STORED,
        fields=KEYWORD(commas=True, lowercase=True, scorable=True),  # custom field terms (text.fieldsearch)
        severity=ID(stored=True),
        status=ID(stored=True),
        authors=KEYWORD(commas=True),
        visibility=ID,
        readers=KEYWORD(commas=True),
        started=DATETIME(stored=True),
        year=NUMERIC(stored=True),
        digest=STORED,
        stamp=STORED,
    )


# --- opening, writing, reading ---------------------------------------------------------------------

_lock = threading.Lock()
_indexes = {}
_local = threading.local()


def _open(directory=None):
    """The index of the current generation (or of ``directory``). A corrupt index raises."""
    directory = directory or generations.required()
    with _lock:
        ix = _indexes.get(directory)
        if ix is None:
            ix = index.open_dir(directory)
            _indexes[directory] = ix
        return ix


def forget():
    """Drop cached index and searcher handles (after the directory was replaced or removed)."""
    with _lock:
        _indexes.clear()
    searcher = getattr(_local, "searcher", None)
    if searcher is not None:
        searcher.close()
    _local.searcher = _local.facet_postings = _local.matched = None


def create(directory):
    """An empty index in ``directory`` (a new generation)."""
    with _lock:
        _indexes[directory] = index.create_in(directory, make_schema())
        return _indexes[directory]


def _fields(document):
    values = dict(document)
    values["text"] = values["words"] = f"{document['summary']}\n{document['body']}"
    values["title_words"], values["label_words"] = document["title"], document["labels"]
    for name in ("tags", "services", "categories", "github", "authors", "readers", "fields"):
        values[name] = ",".join(values[name])
    values["github_display"] = document["github"]
    if values["started"] is None:
        del values["started"]
    if values["year"] is None:
        del values["year"]
    return values


def write(documents=(), remove_ids=(), directory=None):
    """Add or replace documents and remove ids, in one commit, waiting for the index lock."""
    writer = _writer(_open(directory), timeout=LOCK_TIMEOUT_SECONDS)
    try:
        for pk in remove_ids:
            writer.delete_by_term("id", str(pk))
        for document in documents:
            writer.update_document(**_fields(document))
        writer.commit()
    except BaseException:
        _drop(writer)
        raise


def _writer(ix, **options):
    """``ix.writer(**options)``; when making it fails after it took the lock (its temporary files on a full
    disk), the half-made writer found in the traceback is dropped, so the lock does not stay behind."""
    try:
        return ix.writer(**options)
    except OSError as exc:
        frame = exc.__traceback__
        while frame is not None:
            half_made = frame.tb_frame.f_locals.get("self")
            if isinstance(half_made, SegmentWriter):
                _drop(half_made)
                break
            frame = frame.tb_next
        raise


def _drop(writer):
    """Cancel a writer that failed, even in the middle of its commit (a full disk), and release the index's
    write lock now. Whoosh's lock is an flock on a bare file descriptor that nothing would ever close: left
    behind, it would make every later write in this process wait LOCK_TIMEOUT_SECONDS and fail."""
    try:
        writer.cancel()
    except Exception as exc:  # a commit that failed half-way leaves files cancel cannot close
        log.warning("search index: cancelling a failed Whoosh write: %s: %s", exc.__class__.__name__, exc)
    lock = getattr(writer, "writelock", None)
    if lock is not None and getattr(lock, "fd", None) is not None:
        lock.release()
    try:
        writer._tempstorage.destroy()
    except Exception:  # already gone
        pass


@contextlib.contextmanager
def writes_held(directory):
    """Hold the index's write lock (Whoosh's flock, across processes) for the ``with`` block, waiting up to
    LOCK_TIMEOUT_SECONDS: no commit starts or ends meanwhile (search.snapshot copies the files then)."""
    lock = _open(directory).lock("WRITELOCK")
    if not try_for(lock.acquire, timeout=LOCK_TIMEOUT_SECONDS, delay=0.05):
        raise TimeoutError(f"the write lock of {directory} is still held after {LOCK_TIMEOUT_SECONDS} s")
    try:
        yield
    finally:
        lock.release()


def bulk_load(directory, documents, procs=1, limitmb=256):
    """Fill a new, empty index in ``directory`` in one large commit (the fast path for rebuilds). With
    ``procs`` > 1, documents are analysed in that many worker processes, each writing a segment."""
    ix = create(directory)
    writer = _writer(ix, **({"procs": procs, "multisegment": True} if procs > 1 else {}), limitmb=limitmb)
    count = 0
    try:
        for document in documents:
            writer.add_document(**_fields(document))
            count += 1
        writer.commit()
    except BaseException:
        _drop(writer)
        raise
    return count


def searcher() -> Searcher:
    """This thread's searcher, reopened only if the index changed since its last use.

    Not ``Searcher.refresh()``: in whoosh-reloaded 2.7.5 it reuses the old reader's segments, including
    ones merged away since, so a refreshed searcher shows deleted documents and duplicates.
    """
    directory = generations.required()
    current = getattr(_local, "searcher", None)
    if current is None or _local.directory != directory or not current.up_to_date():
        if current is not None:
            current.close()
            _local.searcher = None
        current = _open(directory).searcher()
    _local.searcher, _local.directory = current, directory
    return current


def check_readable(directory=None):
    """Open the index and read its document count and one stored document; raises when it cannot."""
    with _open(directory).searcher() as s:
        s.doc_count()
        for _fields_of_one in s.all_stored_fields():
            break


def has_current_fields(directory=None):
    """Whether the index has the fields this version writes and searches (else it must be rebuilt)."""
    return set(_open(directory).schema.names()) == set(make_schema().names())


def as_document(fields):
    """Stored fields shaped like documents.document_for(): the comma-joined label fields as lists."""
    lists = {name: [v for v in (fields.get(name) or "").split(",") if v] for name in ("tags", "services", "categories")}
    return {**fields, **lists, "github": fields.get("github_display") or [],
            "summary": fields.get("summary", ""), "body": fields.get("body", "")}


def stored_document(pk):
    """The indexed document of one incident; None if it is not indexed."""
    fields = searcher().document(id=str(pk))
    return None if fields is None else as_document(fields)


def stored_documents():
    """{id: stored fields} of everything in the index."""
    return {fields["id"]: fields for fields in searcher().all_stored_fields()}


def stamps(directory=None):
    """{id: stamp} of everything in the index (documents.stamp; None for a document without one)."""
    with _open(directory).searcher() as s:
        return {fields["id"]: fields.get("stamp") for fields in s.all_stored_fields()}


# --- queries ----------------------------------------------------------------------------------------


class _TopCollector(collectors.TopCollector):
    """A TopCollector that also keeps the number of every document it is given (``docset``, which
    TopCollector leaves empty), so facets of the same query need not step through the matches again."""

    def _collect(self, global_docnum, score):
        self.docset.add(global_docnum)
        return super()._collect(global_docnum, score)


def _page(s, q, page, page_size, mask):
    """Page ``page`` of the documents matching ``q`` and not ``mask``, best first, with the exact number
    of matching documents as ``total``.

    Not ``Searcher.search_page``: its TopCollector replaces the matcher as the scores needed for the top
    page rise (``matcher.replace(minscore)``, even with ``optimize=False``), turning a union into "this
    branch, maybe that one" once the other branch's best score is too low, so documents matching only
    that branch are never seen and ``total`` undercounts (2,081 of the 8,969 incidents with コンテナ on
    the benchmark's 10,000), and its score bounds can even drop a match that belongs on the page. Without
    replacement and without block skipping the collector steps through every match once, scoring each
    and keeping only the top ``page * page_size`` in its heap.
    """
    top = collector = _TopCollector(page * page_size, usequality=False, replace=0)
    if mask is not None:
        collector = collectors.FilterCollector(collector, restrict=mask)
    s.search_with_collector(q, collector)
    return ResultsPage(collector.results(), page, page_size), top.docset  # masked documents never reach ``top``


def count(node, mask):
    """How many documents match ``node`` and not ``mask`` (no document is read)."""
    return _page(searcher(), translate(node), 1, 1, translate(mask) if mask is not None else None)[0].total


def matching_ids(node, mask, limit):
    """The ids (as stored) of up to ``limit`` documents matching ``node`` and not ``mask``; no snippets."""
    results, _matched = _page(searcher(), translate(node), 1, limit, translate(mask) if mask is not None else None)
    return [hit["id"] for hit in results]


def run(node, mask, page, page_size):
    """(number of documents matching the plan node ``node`` and not ``mask``, the hits of page ``page``
    as [(stored document, score, snippet)]). A page past the last has no hits."""
    s = searcher()
    results, matched = _page(s, translate(node), max(1, page), page_size, translate(mask) if mask is not None else None)
    # What facets(mask, node) counts, kept for it (a search asks for both, one after the other in this thread)
    _local.matched = (s, node, mask, matched)
    if page > results.pagecount:
        return results.total, []
    hits = []
    for hit in results:
        document = as_document(hit.fields())
        hits.append((document, round(hit.score or 0.0, 4), snippets.snippet(node, document)))
    return results.total, hits




def _facet_postings(s):
    """{facet: [(value, frozenset of the document numbers having it)]} of searcher ``s``.

    Read once per searcher and thread (a searcher is reopened only when the index changed). Counting a
    matched set is then one C-level set intersection per value (tens to a few hundred values), instead of
    Whoosh's grouping, which steps through every matched document per facet in Python and, for the
    multi-valued fields, re-reads every posting list of the field on each search."""
    cached = getattr(_local, "facet_postings", None)
    if cached is not None and cached[0] is s:
        return cached[1]
    reader = s.reader()
    postings = {}
    for name in FACETS:
        field = s.schema[name]
        postings[name] = [(field.from_bytes(btext), frozenset(reader.postings(name, btext).all_ids()))
                          for btext in field.sortable_terms(reader, name)]  # deleted documents left out
    _local.facet_postings = (s, postings)
    return postings


def facets(mask, node=None):
    """Counts of the incidents matching the plan node ``node`` (None: every incident) and not ``mask``, per
    tag, service, severity, status, factor category, year and custom field term: {facet: {value: count}}, values as indexed
    (tags and services lower-cased), values no matching incident has left out."""
    s = searcher()
    last, _local.matched = getattr(_local, "matched", None), None
    if last is not None and last[0] is s and last[1:3] == (node, mask):
        matched = last[3]  # run() has just stepped through these matches
    else:
        matched = set(s.docs_for_query(translate(node) if node is not None else query.Every()))
        if mask is not None and matched:
            matched.difference_update(s.docs_for_query(translate(mask)))
    return {name: {str(value): count for value, docs in values if (count := len(docs & matched))}
            for name, values in _facet_postings(s).items()}
