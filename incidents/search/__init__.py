"""Full-text search over incidents: the narrow interface the rest of the project uses.

``index_incident`` / ``remove_incident`` / ``rebuild`` / ``check`` keep the index true;
``search`` / ``similar`` / ``facets`` read it. The backend (``backends/whoosh`` and its
``whoosh_similar``) is the only code that touches Whoosh, so another engine can be slotted in behind
these functions.
"""

import logging
import time

from django.conf import settings
from django.utils.translation import gettext as _

from ..models import Incident, Tag
from .backends import whoosh as engine
from .backends import whoosh_similar
from .documents import document_for, incidents_for_index
from .query import ParsedQuery, parse

log = logging.getLogger(__name__)

__all__ = ["ParsedQuery", "check", "facets", "index_incident", "parse", "rebuild", "remove_incident", "search", "similar"]


def index_incident(pk):
    """Bring one incident's index entry up to date (removing it if the incident is gone)."""
    incident = incidents_for_index().filter(pk=pk).first()
    if incident is None:
        engine.write(remove_ids=[pk])
    else:
        engine.write(documents=[document_for(incident)])


def remove_incident(pk):
    engine.write(remove_ids=[pk])


def rebuild(batch_size=500, procs=None):
    """Recreate the index from the database. Returns (incidents indexed, seconds taken).
    ``procs`` worker processes analyse the text (default: settings.SEARCH_REBUILD_PROCS)."""
    started = time.monotonic()

    def documents():
        last = 0
        while True:
            batch = list(incidents_for_index().filter(pk__gt=last)[:batch_size])
            if not batch:
                return
            for incident in batch:
                yield document_for(incident)
            last = batch[-1].pk

    count = engine.bulk_load(documents(), procs=procs or settings.SEARCH_REBUILD_PROCS)
    return count, time.monotonic() - started


def check():
    """(ids missing from the index, ids whose entry is stale, ids in the index but not in the database)."""
    stored = _guarded(engine.stored_documents)
    missing, stale = [], []
    for incident in incidents_for_index().iterator(chunk_size=500):
        entry = stored.pop(str(incident.pk), None)
        if entry is None:
            missing.append(incident.pk)
        elif entry.get("digest") != document_for(incident)["digest"]:
            stale.append(incident.pk)
    return missing, stale, sorted(int(pk) for pk in stored)


def _guarded(read):
    """Run a read on an index that opens; a missing or unreadable index is first rebuilt from the
    database (with an error-level log line) instead of failing the request."""
    try:
        engine.searcher().doc_count()
    except Exception as exc:  # any failure to open is treated as corruption: the database is the truth
        log.error("search index at %s is unreadable (%s: %s); rebuilding it from the database",
                  settings.SEARCH_INDEX_DIR, exc.__class__.__name__, exc)
        engine.forget()
        count, seconds = rebuild(procs=1)  # inside a request or worker: no forking
        log.error("search index rebuilt: %d incidents in %.1f s", count, seconds)
    return read()


def search(text, user, *, page=1, page_size=20, tags=(), match_all_tags=True, any_of=None, started=(None, None)):
    """Results for a query typed by a person (see ``query`` for the language), visible to ``user``,
    narrowed by the list's filters (see ``engine.search``)."""
    parsed = parse(text)
    # Tag names as stored (``Resource Exhaustion`` is ``resource-exhaustion``), as the list filter does.
    for filters in (parsed.filters, parsed.excluded_filters):
        if "tag" in filters:
            filters["tag"] = [Tag.normalize(name) for name in filters["tag"]]
    tags = [Tag.normalize(name) for name in tags]
    return _guarded(lambda: engine.search(parsed, user, page=page, page_size=page_size, tags=tags,
                                          match_all_tags=match_all_tags, any_of=any_of, started=started))


def similar(incident, user, limit=5):
    """Up to ``limit`` other incidents most like this one, each with the reasons why."""
    document = _guarded(lambda: engine.stored_document(incident.pk))
    if document is None:  # not indexed (yet): read it from the database
        document = document_for(Incident.objects.for_document().get(pk=incident.pk))
    hits = _guarded(lambda: whoosh_similar.similar(document, user, limit=limit))
    results = []
    for other, score, words in hits:
        reasons = []
        for label, key in ((_("same tags"), "tags"), (_("same services"), "services"),
                           (_("same factor categories"), "categories")):
            mine = {value.lower() for value in document[key]}
            shared = [value for value in other[key] if value.lower() in mine]
            if shared:
                reasons.append(f"{label}: {', '.join(shared)}")
        mine = {ref.lower() for ref in document["github"]}
        reasons += [_("also links %(reference)s") % {"reference": ref}
                    for ref in other["github"] if ref.lower() in mine]
        text = " ".join([document["title"], document["summary"], document["body"]]).lower()
        # Words as written (not stems like "notreadi", not CJK bigram fragments)
        readable = [word for word in words if word.isascii() and len(word) >= 3 and word in text]
        if readable:
            reasons.append(_("similar text: %(words)s") % {"words": ", ".join(readable[:5])})
        elif words:
            reasons.append(_("similar wording"))
        results.append({"id": int(other["id"]), "reference": other["reference"], "title": other["title"],
                        "score": score, "reasons": reasons})
    return results


def facets(user):
    return _guarded(lambda: engine.facets(user))
