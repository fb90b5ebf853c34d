"""The Whoosh backend. Every Whoosh call of the project is in this module, whoosh_text (the text fields,
their queries and snippets) and whoosh_similar.

One on-disk index per generation (see search.generations). Writes wait for Whoosh's lock instead of
failing; reads use one searcher per thread, reopened (cheaply, only when the index changed or the current
generation was switched) before each use, because opening one costs tens of milliseconds on a large index.
"""

import datetime
import logging
import threading
from dataclasses import dataclass

from django.utils import timezone
from whoosh import collectors, index, query, sorting
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.searching import ResultsPage, Searcher

from ... import dates
from .. import generations
from .whoosh_text import ANALYZER, TEXT_FIELDS, WORD_FIELDS, WORDS, bigram_query, has_cjk, snippet, word_query

log = logging.getLogger(__name__)

__all__ = ["ANALYZER", "TEXT_FIELDS"]  # also used by whoosh_similar
FILTER_FIELDS = {"tag": "tags", "service": "services", "severity": "severity", "status": "status", "category": "categories",
                 "github": "github"}
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


def _filter_query(name, value):
    if name == "category":
        return query.Term("categories", value)
    return query.Term(FILTER_FIELDS[name], value.lower())


def hidden_from(user):
    """A mask query: unpublished incidents ``user`` may not see (None for editors, who see all).
    A mask of the few unpublished incidents is cheaper than a filter of the many published ones."""
    if user.has_perm("incidents.change_incident"):
        return None
    unpublished = query.Or([query.Term("status", "draft"), query.Term("status", "in_review")])
    return query.AndNot(unpublished, query.Term("authors", str(user.pk)))


def _as_naive_utc(moment):
    """An aware datetime as the naive UTC the index stores (``dates.clamp``ed: as a bound it matches the same
    documents, and converting it cannot overflow)."""
    return dates.clamp(moment).astimezone(datetime.UTC).replace(tzinfo=None) if moment else None


def _as_datetime(date):
    """Midnight of ``date`` in the display time zone, as the naive UTC the index stores."""
    return _as_naive_utc(datetime.datetime.combine(date, datetime.time.min, tzinfo=timezone.get_current_timezone()))


@dataclass
class Hit:
    id: int
    reference: str
    title: str
    score: float
    snippet: str
    tags: list


@dataclass
class Results:
    count: int
    fallback: bool  # no incident has every word: incidents with any of them
    hits: list
    partial_words: bool = False  # no incident has the words as words: matched as parts of words (bigrams)


def _hits(page):
    return [
        Hit(int(hit["id"]), hit["reference"], hit["title"], round(hit.score or 0.0, 4), snippet(hit),
            as_document(hit.fields())["tags"])
        for hit in page
    ]


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


def search(parsed, user, *, page=1, page_size=20, tags=(), match_all_tags=True, any_of=None, started=(None, None)):
    """Search with a ParsedQuery: every word matched as a word first; when no incident has them all, every
    word matched as characters (CJK bigrams: ポート inside サポート, ``partial_words``); then any word as a
    word, then as characters (``fallback``). A bigram-only match therefore never outranks, nor crowds out,
    a word match.

    The list page's filters come as ``any_of`` ({filter name: values, one of which must match}) and
    ``started`` (aware datetimes, from inclusive, to exclusive), besides the query's own filters.
    """
    conditions = []
    for name, values in parsed.filters.items():
        conditions.extend(_filter_query(name, value) for value in values)
    for name, values in (any_of or {}).items():
        if values:
            conditions.append(query.Or([_filter_query(name, value) for value in values]))
    if any(started):
        conditions.append(query.DateRange("started", *(_as_naive_utc(moment) for moment in started), endexcl=True))
    if tags:
        tag_terms = [query.Term("tags", tag.lower()) for tag in tags]
        conditions.append(query.And(tag_terms) if match_all_tags else query.Or(tag_terms))
    if parsed.after or parsed.before:
        conditions.append(query.DateRange(
            "started", _as_datetime(parsed.after) if parsed.after else None,
            _as_datetime(parsed.before) if parsed.before else None, endexcl=True,
        ))
    excluded = [q for q in (word_query(text) or bigram_query(text) for text in parsed.excluded) if q]
    for name, values in parsed.excluded_filters.items():
        excluded.extend(_filter_query(name, value) for value in values)
    hidden = hidden_from(user)

    texts = [(text, False) for text in parsed.words] + [(text, True) for text in parsed.phrases]
    by_words = [q for q in (word_query(text, exact) or bigram_query(text) for text, exact in texts) if q]
    by_bigrams = [q for q in (bigram_query(text) for text, _exact in texts) if q]
    partial = any(has_cjk(text) for text, _exact in texts)  # else both are the same

    def run(text_query):
        parts = [*([text_query] if text_query else []), *conditions]
        positive = query.And(parts) if parts else query.Every()
        if excluded:
            positive = query.AndNot(positive, query.Or(excluded))
        return _page(positive, max(1, page), page_size, hidden)

    passes = [(query.And, by_words, False, False), (query.And, by_bigrams, False, True),
              (query.Or, by_words, True, False), (query.Or, by_bigrams, True, True)]
    results = run(query.And(by_words) if by_words else None)
    fallback = partial_words = False
    for combine, queries, any_word, bigrams in passes[1:]:
        if results.total or (any_word and len(queries) < 2) or (bigrams and not partial):
            continue
        results, fallback = run(combine(queries)), any_word
        partial_words = bigrams and results.total > 0
    if page > results.pagecount and results.total:
        return Results(results.total, fallback, [], partial_words)
    return Results(results.total, fallback, _hits(results), partial_words)


def facets(user):
    """Counts of visible incidents per tag, service, severity, status, factor category and year."""
    names = ["tags", "services", "severity", "status", "categories", "year"]
    groups = {name: sorting.FieldFacet(name, allow_overlap=name in {"tags", "services", "categories"}) for name in names}
    results = searcher().search(query.Every(), limit=None, groupedby=groups, mask=hidden_from(user))
    return {name: {str(key): len(ids) for key, ids in results.groups(name).items()} for name in names}

