"""The Whoosh backend. Every Whoosh call of the project is in this module.

One on-disk index under ``settings.SEARCH_INDEX_DIR``. Writes go through ``writer()``, which waits for
the index lock instead of failing; reads use one searcher per thread, refreshed (cheaply, only when
the index changed) before each use, because opening one costs tens of milliseconds on a large index.
"""

import datetime
import logging
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import nh3
from django.conf import settings
from django.utils import timezone
from whoosh import highlight, index, query
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.index import EmptyIndexError
from whoosh.searching import Searcher

from .analysis import MixedAnalyzer

log = logging.getLogger(__name__)

ANALYZER = MixedAnalyzer()
TEXT_FIELDS = {"title": 3.0, "summary": 1.5, "labels": 2.0, "body": 1.0}
FILTER_FIELDS = {"tag": "tags", "service": "services", "severity": "severity", "status": "status", "category": "categories"}
LOCK_TIMEOUT_SECONDS = 60


def make_schema():
    return Schema(
        id=ID(stored=True, unique=True),
        reference=ID(stored=True),
        title=TEXT(analyzer=ANALYZER, stored=True, field_boost=TEXT_FIELDS["title"]),
        summary=TEXT(analyzer=ANALYZER, stored=True, field_boost=TEXT_FIELDS["summary"]),
        body=TEXT(analyzer=ANALYZER, stored=True),
        labels=TEXT(analyzer=ANALYZER, field_boost=TEXT_FIELDS["labels"]),
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


def _directory():
    return Path(settings.SEARCH_INDEX_DIR)


def _open():
    """The index, created when missing. A corrupt index raises; callers rebuild it."""
    directory = _directory()
    with _lock:
        ix = _indexes.get(directory)
        if ix is None:
            directory.mkdir(parents=True, exist_ok=True)
            if index.exists_in(directory):
                ix = index.open_dir(directory)
            else:
                log.warning("search index: none at %s; creating an empty one", directory)
                ix = index.create_in(directory, make_schema())
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


def recreate():
    """An empty index, replacing whatever is on disk."""
    forget()
    directory = _directory()
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    with _lock:
        _indexes[directory] = index.create_in(directory, make_schema())
        return _indexes[directory]


def _fields(document):
    values = dict(document)
    for name in ("tags", "services", "categories", "github", "authors"):
        values[name] = ",".join(values[name])
    values["github_display"] = document["github"]
    if values["started"] is None:
        del values["started"]
    if values["year"] is None:
        del values["year"]
    return values


def write(documents=(), remove_ids=()):
    """Add or replace documents and remove ids, in one commit, waiting for the index lock."""
    writer = _open().writer(timeout=LOCK_TIMEOUT_SECONDS)
    try:
        for pk in remove_ids:
            writer.delete_by_term("id", str(pk))
        for document in documents:
            writer.update_document(**_fields(document))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def bulk_load(documents, limitmb=256):
    """Fill a freshly recreated index in one large commit (the fast path for rebuilds)."""
    writer = recreate().writer(limitmb=limitmb)
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
    current = getattr(_local, "searcher", None)
    if current is None or not current.up_to_date():
        if current is not None:
            current.close()
        current = _open().searcher()
    _local.searcher = current
    return current


def stored_documents():
    """{id: stored fields} of everything in the index."""
    return {fields["id"]: fields for fields in searcher().all_stored_fields()}


# --- queries ----------------------------------------------------------------------------------------


def _text_query(text):
    """Query for one word or phrase in every text field: a term, or the phrase of its tokens."""
    tokens = [token.text for token in ANALYZER(text, mode="query")]
    if not tokens:
        return None
    per_field = []
    for name, boost in TEXT_FIELDS.items():
        if len(tokens) == 1:
            per_field.append(query.Term(name, tokens[0], boost=boost))
            if len(tokens[0]) == 1 and ord(tokens[0]) > 0x2FFF:  # a lone CJK character: also inside bigrams
                per_field.append(query.Prefix(name, tokens[0], boost=boost))
        else:
            per_field.append(query.Phrase(name, tokens, boost=boost))
    return query.Or(per_field)


def _filter_query(name, value):
    if name == "category":
        return query.Term("categories", value)
    return query.Term(FILTER_FIELDS[name], value.lower())


def _visibility(user):
    """None (no restriction) for editors; otherwise published incidents and the user's own."""
    if user.has_perm("incidents.change_incident"):
        return None
    return query.Or([query.Term("status", "published"), query.Term("authors", str(user.pk))])


def _as_datetime(date):
    """Midnight of ``date`` in the display time zone, as the naive UTC the index stores."""
    midnight = timezone.make_aware(datetime.datetime.combine(date, datetime.time.min))
    return midnight.astimezone(datetime.UTC).replace(tzinfo=None)


@dataclass
class Hit:
    id: int
    reference: str
    title: str
    score: float
    snippet: str
    tags: list
    fields: dict = field(default_factory=dict, repr=False)


@dataclass
class Results:
    count: int
    fallback: bool
    hits: list


class MarkFormatter(highlight.HtmlFormatter):
    """``<mark>`` around matches, overlapping CJK bigrams merged into one mark; text escaped."""

    def __init__(self):
        super().__init__(tagname="mark", between=" … ")

    def format_fragment(self, fragment, replace=False):
        text, output, index = fragment.text, [], fragment.startchar
        spans = []
        for token in sorted(fragment.matches, key=lambda t: t.startchar):
            if spans and token.startchar <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], token.endchar)
            else:
                spans.append([token.startchar, token.endchar])
        for start, end in spans:
            if start > index:
                output.append(self._text(text[index:start]))
            output.append(f"<mark>{self._text(text[start:end])}</mark>")
            index = end
        output.append(self._text(text[index:fragment.endchar]))
        return "".join(output)


def _snippet(hit):
    hit.results.fragmenter = highlight.ContextFragmenter(maxchars=240, surround=60)
    hit.results.formatter = MarkFormatter()
    for name in ("summary", "body", "title"):
        text = hit.highlights(name, top=2)
        if text:
            break
    else:
        text = MarkFormatter()._text((hit.get("summary") or hit.get("body") or "")[:200])
    return nh3.clean(text, tags={"mark"}, attributes={})


def _hits(page):
    return [
        Hit(int(hit["id"]), hit["reference"], hit["title"], round(hit.score or 0.0, 4), _snippet(hit),
            hit.get("tags", "").split(",") if hit.get("tags") else [], dict(hit.fields()))
        for hit in page
    ]


def search(parsed, user, *, page=1, page_size=20, tags=(), match_all_tags=True):
    """Search with a ParsedQuery; every-word matching first, any-word matching when that finds nothing."""
    conditions, extras = [], []
    for name, values in parsed.filters.items():
        conditions.extend(_filter_query(name, value) for value in values)
    if tags:
        tag_terms = [query.Term("tags", tag.lower()) for tag in tags]
        conditions.append(query.And(tag_terms) if match_all_tags else query.Or(tag_terms))
    if parsed.after or parsed.before:
        conditions.append(query.DateRange(
            "started", _as_datetime(parsed.after) if parsed.after else None,
            _as_datetime(parsed.before) if parsed.before else None, endexcl=True,
        ))
    excluded = [q for q in (_text_query(text) for text in parsed.excluded) if q]
    for name, values in parsed.excluded_filters.items():
        excluded.extend(_filter_query(name, value) for value in values)
    visibility = _visibility(user)
    if visibility is not None:
        extras.append(visibility)

    text_queries = [q for q in (_text_query(text) for text in [*parsed.words, *parsed.phrases]) if q]

    def run(text_query):
        positive = query.And([*([text_query] if text_query else []), *conditions, *extras]) if (text_query or conditions or extras) else query.Every()
        if excluded:
            positive = query.AndNot(positive, query.Or(excluded))
        return searcher().search_page(positive, max(1, page), pagelen=page_size, terms=True)

    results = run(query.And(text_queries) if text_queries else None)
    fallback = False
    if results.total == 0 and len(text_queries) > 1:
        results, fallback = run(query.Or(text_queries)), True
    if page > results.pagecount and results.total:
        return Results(results.total, fallback, [])
    return Results(results.total, fallback, _hits(results))


def similar(document, user, limit=5):
    """Incidents sharing labels, factor categories, GitHub references or distinctive words with ``document``."""
    s = searcher()
    clauses = [query.Term("tags", t.lower(), boost=2.0) for t in document["tags"]]
    clauses += [query.Term("services", v.lower(), boost=1.5) for v in document["services"]]
    clauses += [query.Term("categories", c, boost=1.0) for c in document["categories"]]
    clauses += [query.Term("github", g.lower(), boost=10.0) for g in document["github"]]  # the same upstream bug is the strongest sign
    text = "\n".join([document["title"], document["summary"], document["body"]])
    key_terms = [word for word, _ in s.key_terms_from_text("body", text, numterms=12, normalize=False)]
    clauses += [query.Term("body", word, boost=0.5) for word in key_terms]
    if not clauses:
        return []
    q = query.AndNot(query.Or(clauses), query.Term("id", document["id"]))
    visibility = _visibility(user)
    results = s.search(q, limit=limit, filter=visibility, terms=True)
    hits = []
    for hit in results:
        fields = hit.fields()
        matched_words = sorted({term.decode() if isinstance(term, bytes) else term
                                for name, term in hit.matched_terms() if name == "body"})
        hits.append((fields, round(hit.score or 0.0, 4), matched_words))
    return hits


def facets(user):
    """Counts of visible incidents per tag, service, severity, status, factor category and year."""
    from whoosh import sorting

    names = ["tags", "services", "severity", "status", "categories", "year"]
    groups = {name: sorting.FieldFacet(name, allow_overlap=name in {"tags", "services", "categories"}) for name in names}
    results = searcher().search(query.Every(), limit=None, groupedby=groups, filter=_visibility(user))
    return {name: {str(key): len(ids) for key, ids in results.groups(name).items()} for name in names}


def is_corruption(exc):
    return isinstance(exc, (EmptyIndexError, OSError, EOFError, ValueError, KeyError)) or exc.__class__.__module__.startswith("whoosh")
