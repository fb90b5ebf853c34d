"""The Whoosh backend. Every Whoosh call of the project is in this module, whoosh_text (the text fields,
their queries and snippets) and whoosh_similar.

One on-disk index per generation (see search.generations). Writes wait for Whoosh's lock instead of
failing; reads use one searcher per thread, reopened (cheaply, only when the index changed or the current
generation was switched) before each use, because opening one costs tens of milliseconds on a large index.
"""

import logging
import threading

from whoosh import collectors, index, query, sorting
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.searching import ResultsPage, Searcher

from .. import generations
from .whoosh_text import ANALYZER, TEXT_FIELDS, WORD_FIELDS, WORDS, snippet, translate

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
        severity=ID(stored=True),
        status=ID(stored=True),
        authors=KEYWORD(commas=True),
        started=DATETIME(stored=True),
        year=NUMERIC(stored=True),
        digest=STORED,
    )


# --- opening, writing, reading ---------------------------------------------------------------------

_lock = threading.Lock()
_indexes = {}
_local = threading.local()


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
    _local.searcher = None


def create(directory):
    """An empty index in ``directory`` (a new generation)."""
    with _lock:
        _indexes[directory] = index.create_in(directory, make_schema())
        return _indexes[directory]


def _fields(document):
    values = dict(document)
    values["text"] = values["words"] = f"{document['summary']}\n{document['body']}"
    values["title_words"], values["label_words"] = document["title"], document["labels"]
    for name in ("tags", "services", "categories", "github", "authors"):
        values[name] = ",".join(values[name])
    values["github_display"] = document["github"]
    if values["started"] is None:
        del values["started"]
    if values["year"] is None:
        del values["year"]
    return values


def write(documents=(), remove_ids=(), directory=None):
    """Add or replace documents and remove ids, in one commit, waiting for the index lock."""
    writer = _open(directory).writer(timeout=LOCK_TIMEOUT_SECONDS)
    try:
        for pk in remove_ids:
            writer.delete_by_term("id", str(pk))
        for document in documents:
            writer.update_document(**_fields(document))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def bulk_load(directory, documents, procs=1, limitmb=256):
    """Fill a new, empty index in ``directory`` in one large commit (the fast path for rebuilds). With
    ``procs`` > 1, documents are analysed in that many worker processes, each writing a segment."""
    ix = create(directory)
    writer = ix.writer(procs=procs, limitmb=limitmb, multisegment=True) if procs > 1 else ix.writer(limitmb=limitmb)
    count = 0
    try:
        for document in documents:
            writer.add_document(**_fields(document))
            count += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return count


def searcher() -> Searcher:
    """This thread's searcher, reopened only if the index changed since its last use.

    Not ``Searcher.refresh()``: in whoosh-reloaded 2.7.5 it reuses the old reader's segments, including
    ones merged away since, so a refreshed searcher shows deleted documents and duplicates.
    """
    directory = _directory()
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


# --- queries ----------------------------------------------------------------------------------------


def _page(q, page, page_size, mask):
    """Page ``page`` of the documents matching ``q`` and not ``mask``, best first, with the matched terms
    (for highlighting) and the exact number of matching documents as ``total``.

    Not ``Searcher.search_page``: its TopCollector replaces the matcher as the scores needed for the top
    page rise (``matcher.replace(minscore)``, even with ``optimize=False``), turning a union into "this
    branch, maybe that one" once the other branch's best score is too low, so documents matching only
    that branch are never seen and ``total`` undercounts (2,081 of the 8,969 incidents with コンテナ on
    the benchmark's 10,000), and its score bounds can even drop a match that belongs on the page. Without
    replacement and without block skipping the collector steps through every match once, scoring each
    (as ``terms=True`` already made it step) and keeping only the top ``page * page_size`` in its heap.
    """
    top = collectors.TopCollector(page * page_size, usequality=False, replace=0)
    collector = collectors.TermsCollector(top)
    if mask is not None:
        collector = collectors.FilterCollector(collector, restrict=mask)
    searcher().search_with_collector(q, collector)
    return ResultsPage(collector.results(), page, page_size)


def run(node, mask, page, page_size):
    """(number of documents matching the plan node ``node`` and not ``mask``, the hits of page ``page``
    as [(stored document, score, snippet)]). A page past the last has no hits."""
    results = _page(translate(node), max(1, page), page_size, translate(mask) if mask is not None else None)
    if page > results.pagecount:
        return results.total, []
    return results.total, [(as_document(hit.fields()), round(hit.score or 0.0, 4), snippet(hit)) for hit in results]


def facets(mask):
    """Counts of incidents not in ``mask`` per tag, service, severity, status, factor category and year."""
    names = ["tags", "services", "severity", "status", "categories", "year"]
    groups = {name: sorting.FieldFacet(name, allow_overlap=name in {"tags", "services", "categories"}) for name in names}
    results = searcher().search(query.Every(), limit=None, groupedby=groups,
                                mask=translate(mask) if mask is not None else None)
    # Not the None group of the incidents without a value (no services, no year).
    return {name: {str(key): len(ids) for key, ids in results.groups(name).items() if key is not None} for name in names}

