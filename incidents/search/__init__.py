"""Full-text search over incidents: the narrow interface the rest of the project uses.

Writes never touch the index directly: ``record_change`` logs a change in the writer's transaction and
this machine's follower applies the log (see ``follower``). ``rebuild`` / ``repair`` / ``check`` /
``status`` / ``reconcile`` look after the index; ``search`` / ``similar`` / ``facets`` read it, and raise
SearchUnavailable (the API answers 503 with Retry-After) while there is no readable index, never an
empty result. Hits are checked against the database at query time, so an index that lags can never
show an incident to someone who may not see it now. The engine is settings.SEARCH_BACKEND (see
``backends``); only its modules touch Whoosh or tantivy.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Min
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import get_language, override

from .. import outages, roles
from ..models import Incident, IndexChange, Service, Tag, current_glossary
from ..models.types import facet_fields, facet_sections, field_keys
from ..text.fieldsearch import facet_counts_of_terms
from . import backends, concepts, coverage, cursor, follower, freshness, generations, likeness, plan, usage
from .changes import record_change
from .documents import document_for, incidents_for_index
from .query import ParsedQuery, parse
from .reasons import Reasons

log = logging.getLogger(__name__)

__all__ = ["ParsedQuery", "SearchUnavailable", "check", "facets", "parse", "rebuild", "reconcile", "record_change",
           "repair", "search", "similar", "similar_ids", "status"]


# A search whose pass matches fewer incidents than this shows, below them, those of the next pass that matches
# more (the strict ones first: a looser match never outranks them).
FILL = 5


class SearchUnavailable(Exception):
    """No readable index on this machine right now (being built or repaired): try again shortly."""

    retry_after = 30

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _read(read, retry=True):
    """Run a read of the index. A missing index, or one that fails to read (reported to the follower,
    which rebuilds it), raises SearchUnavailable instead of answering as if nothing matched, as does an
    index built by another engine than the one configured (until the follower has rebuilt it). A read
    that fails because a rebuild switched generations under it (and removed the old one) is tried again."""
    generation = generations.current()
    if generation is not None and generations.read_engine(generation) != backends.name():
        raise SearchUnavailable(f"the search index was built by {generations.read_engine(generation)}; "
                                f"it is being rebuilt with {backends.name()}")
    try:
        return read()
    except generations.IndexMissing as exc:
        raise SearchUnavailable(str(exc)) from exc
    except Exception as exc:
        if retry and generations.current() != generation:
            backends.forget()
            return _read(read, retry=False)
        if outages.classify(exc) == outages.STORAGE:  # not damage: a rebuild on a full disk would only fail
            raise SearchUnavailable(f"storage is full: {exc}") from exc
        log.exception("search index under %s could not be read; reported for repair", generations.root())
        generations.report_damage(generations.current())
        backends.forget()
        raise SearchUnavailable(f"{exc.__class__.__name__}: {exc}") from exc


def rebuild(procs=None):
    """Build a new index generation from the database and switch to it. Returns (incidents, seconds).
    ``procs`` worker processes analyse the text (default: settings.SEARCH_REBUILD_PROCS)."""
    return follower.rebuild(procs=procs or settings.SEARCH_REBUILD_PROCS)


def repair():
    """Rebuild the index when it is missing, damaged or behind the pruned log; the reason, or ''."""
    return follower.repair()


def check():
    """(ids missing from the index, ids whose entry is stale, ids in the index but not in the database)."""
    stored = _read(lambda: backends.current().stored_documents())
    missing, stale = [], []
    for incident in incidents_for_index().iterator(chunk_size=500):
        entry = stored.pop(str(incident.pk), None)
        if entry is None:
            missing.append(incident.pk)
        elif entry.get("digest") != document_for(incident)["digest"]:
            stale.append(incident.pk)
    return missing, stale, sorted(int(pk) for pk in stored)


def status():
    """Where this machine's index is in the change log, as its writer last stored it: {"problem": why it must
    be rebuilt or "", "position" and "horizon": its place (see ``cursor``), "behind": changes logged after
    the position (not read yet), "oldest_seconds": age of the oldest of those, "rereading": changes at or
    below the position whose transactions were still open at the last pass (read again on every pass until
    they have ended; most are applied), "reconciled": what the last reconcile found ({} before the first)}."""
    directory = generations.current()
    place = follower.stored_place(directory) if directory else cursor.Place()
    later = IndexChange.objects.after(place.position)
    oldest = later.aggregate(first=Min("created_at"))["first"]
    return {"problem": follower.needs_rebuild(), "position": place.position, "horizon": place.horizon,
            "behind": later.count(), "oldest_seconds": (timezone.now() - oldest).total_seconds() if oldest else 0.0,
            "rereading": cursor.pending(place).filter(pk__lte=place.position).count(),
            "reconciled": generations.read_reconcile() if directory else {}}


def reconcile():
    """Compare the index with the database now and fix what differs (the follower does it every
    SEARCH_RECONCILE_SECONDS); the report (see ``reconcile``), or None without an index."""
    return follower.reconcile_now()


def _visible_ids(user, ids):
    return set(Incident.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


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
    glossary: list = field(default_factory=list)  # glossary.Expansion applied to the query
    # With ``with_facets``: {facet: {value: count}} of every incident matched (not only this page); see search()
    facets: dict = field(default_factory=dict)
    # Fewer than FILL incidents matched: from this position in the whole list on, the incidents of a looser
    # pass follow (``more_fallback``: with only some of the words; ``more_partial_words``: as parts of words).
    more_from: int | None = None
    more_fallback: bool = False
    more_partial_words: bool = False

    def top_facets(self, limit):
        """Per facet (tags, services, severity, status, categories, year), its ``limit`` values with the
        most incidents as [(value, count)], most first, then by value."""
        return {name: sorted(self.facets.get(name, {}).items(), key=lambda item: (-item[1], item[0]))[:limit]
                for name in plan.FACETS if name != "fields"}

    def field_facets(self, limit):
        """models.types.facet_sections of the custom fields' counts: [(field, [(value, shown, count)])]."""
        definitions = facet_fields()
        kinds = {key: definition.kind for key, definition in definitions.items()}
        return facet_sections(facet_counts_of_terms(self.facets.get("fields"), kinds), limit, definitions)


def search(text, user, *, page=1, page_size=20, tags=(), match_all_tags=True, any_of=None, started=(None, None),
           with_facets=False, fields=()):
    """Results for a query typed by a person (see ``query`` for the language), visible to ``user``,
    narrowed by the list's filters: ``tags`` (all or any), ``any_of`` ({filter name: values, one of which
    must match}), ``started`` (aware datetimes, from inclusive, to exclusive) and ``fields`` ((key, value)
    custom field filters, all of which must match).

    The passes of the plan are tried in order until one matches: every word matched as a word; every word
    as characters (CJK bigrams: ポート inside サポート, ``partial_words``); any word as a word, then as
    characters (``fallback``). A bigram-only match therefore never outranks, nor crowds out, a word match.
    The page's hits are then reordered by what people opened after the same or a similar search
    (``usage.boost``: modest, and only among the hits ``user`` may see). What ``user`` created or edited in
    the last minute is applied to this node's index first (``freshness``: read-your-writes, bounded).
    """
    freshness.wait_for(user)
    parsed = parse(text, field_keys())
    # Tag names as stored (``Resource Exhaustion`` is ``resource-exhaustion``), as the list filter does.
    for filters in (parsed.filters, parsed.excluded_filters):
        if "tag" in filters:
            filters["tag"] = [Tag.normalize(name) for name in filters["tag"]]
    tags = [Tag.normalize(name) for name in tags]
    the_plan = plan.build(parsed, tags=tags, match_all_tags=match_all_tags, any_of=any_of, started=started,
                          glossary=current_glossary(), fields=fields)
    mask = plan.hidden_from(user)

    def run():
        passes = list(enumerate(the_plan.passes))
        for position, (number, (text_query, fallback, partial_words)) in enumerate(passes):
            node = the_plan.query(text_query)
            if number == the_plan.any_pass:
                total, hits = coverage.rerank(the_plan, node, mask, page, page_size)
            else:
                total, hits = backends.current().run(node, mask, page, page_size)
            if not total:
                continue
            expansions = the_plan.expansions + the_plan.extra_expansions.get(number, [])
            results = Results(total, fallback, hits, partial_words, glossary=expansions)
            if total < FILL:  # a match as part of a longer word never joins matches as words (bigram traps)
                later = [entry for entry in passes[position + 1:] if partial_words or not entry[1][2]]
                every = hits if page == 1 and len(hits) == total else None  # this page held them all already
                node = _fill(results, later, node, mask, page, page_size, every) or node
            if with_facets:
                results.facets = backends.current().facets(mask, node)
            return results
        return Results(0, False, [], glossary=the_plan.expansions)

    def _fill(results, later, node, mask, page, page_size, strict=None):
        """Fewer than FILL matches (``strict``, when the page read them all): below them, the matches of the next
        pass that finds more (its node)."""
        strict_total, strict = (len(strict), strict) if strict is not None else backends.current().run(node, mask, 1, FILL)
        seen = {document["id"] for document, _score, _snippet in strict}
        for number, (text_query, fallback, partial_words) in later:
            looser = the_plan.query(text_query)
            total, hits = backends.current().run(looser, mask, 1, page * page_size + strict_total)
            more = [hit for hit in hits if hit[0]["id"] not in seen]
            if not more:
                continue
            merged = strict + more
            results.hits = merged[(page - 1) * page_size:page * page_size]
            results.count = strict_total + total - (len(hits) - len(more))
            results.more_from = strict_total
            results.more_fallback, results.more_partial_words = fallback, partial_words
            results.glossary = results.glossary + [
                e for e in the_plan.extra_expansions.get(number, []) if e not in results.glossary]
            return plan.Or((node, looser))
        return None

    results = _read(run)
    results.facets = _named(results.facets)
    visible = _visible_ids(user, [int(document["id"]) for document, _score, _snippet in results.hits])
    # Where the looser matches begin on this page, counted in the hits shown (the boost keeps to each side)
    cut = None if results.more_from is None else max(0, results.more_from - (page - 1) * page_size)
    if cut is not None:
        cut = sum(1 for hit in results.hits[:cut] if int(hit[0]["id"]) in visible)
    shown = [hit for hit in results.hits if int(hit[0]["id"]) in visible]
    results.count -= len(results.hits) - len(shown)
    hits = [Hit(int(document["id"]), document["reference"], document["title"], score, snippet, document["tags"])
            for document, score, snippet in shown]
    # Incidents people opened after this search (or a similar one) rise a little: among these visible hits only
    results.hits = usage.boost(hits, text, split=cut)
    return results


def similar(incident, user, limit=5):
    """Up to ``limit`` other incidents most like this one, each with the reasons why. Kept for
    SEARCH_SIMILAR_CACHE_SECONDS per incident version, index generation, language and who may see what
    (a new similar incident shows up after at most that long; an edit of this one at once)."""
    seconds = settings.SEARCH_SIMILAR_CACHE_SECONDS
    if not seconds:
        return _similar(incident, user, limit)
    who = "admins" if roles.is_admin(user) else f"user{user.pk}"
    key = (f"similar:{incident.pk}:{incident.version}:{generations.current()}:{get_language()}:{who}:{limit}")
    results = cache.get(key)
    if results is None:
        results = _similar(incident, user, limit)  # only incidents ``user`` may see, as of now
        cache.set(key, results, seconds)
        return results
    # Checked again: an incident restricted (or drafted) since the results were kept must not show.
    visible = _visible_ids(user, [result["id"] for result in results])
    return [result for result in results if result["id"] in visible]


def similar_ids(incident, limit=5, fresh=False):
    """The ids of ``similar(incident, …)`` among every incident, whoever may see them: only for a reader that
    keeps those its user may see (``incidents.recurrence``: the recurrence rate and filter, which need every
    incident's). Kept POSTMORTEM_RECURRENCE_CACHE_SECONDS per incident version and index generation."""
    seconds = settings.POSTMORTEM_RECURRENCE_CACHE_SECONDS
    key = f"similar-ids:{incident.pk}:{incident.version}:{generations.current()}:{limit}"
    ids = cache.get(key) if seconds and not fresh else None
    if ids is None:
        with override("en"):  # the reasons are only read for whether there is one
            ids = [result["id"] for result in _similar(incident, None, limit)]
        if seconds:
            cache.set(key, ids, seconds)
    return ids


def _similar(incident, user, limit):
    """``similar`` uncached; ``user`` None: among every incident."""
    document = _read(lambda: backends.current().stored_document(incident.pk))
    if document is None:  # not indexed (yet): read it from the database
        document = document_for(Incident.objects.for_document().get(pk=incident.pk))
    text = "\n".join([document["title"], document["summary"], document["body"]])
    tokens, cjk_words = concepts.text_words(text, document.get("digest"))
    found = [concept for concept in concepts.concepts(text, current_glossary(), tokens) if likeness.telling(concept)]
    mask = plan.hidden_from(user) if user is not None else None
    hits = _read(lambda: backends.similar(document, mask, limit=2 * limit + 5, concepts=found))
    ids = [int(other["id"]) for other, *_rest in hits]
    visible = _visible_ids(user, ids) if user is not None else set(Incident.objects.filter(pk__in=ids).values_list("pk", flat=True))
    hits = sorted((hit for hit in hits if int(hit[0]["id"]) in visible), key=lambda hit: (-hit[1], int(hit[0]["id"])))
    results, why = [], Reasons(document, text, found, cjk_words)
    for other, score, words, keys in hits:
        reasons = why.of(other, words, keys)
        if reasons:  # only an incident with a reason a reader understands is listed
            results.append({"id": int(other["id"]), "reference": other["reference"], "title": other["title"],
                            "score": score, "reasons": reasons})
            if len(results) == limit:
                break
    return results


def facets(user):
    """Counts of the incidents ``user`` may see per tag, service, severity, status, factor category and year."""
    return _named(_read(lambda: backends.current().facets(plan.hidden_from(user))))  # the database outside _read


def _named(counts):
    """Facet counts with services named as stored (``Payment API``; an index may hold them lower-cased)."""
    services = counts.get("services")
    if services:
        names = dict(Service.objects.annotate(key=Lower("name")).filter(key__in=[name.lower() for name in services])
                     .values_list("key", "name"))
        counts["services"] = {names.get(name.lower(), name): count for name, count in services.items()}
    return counts
