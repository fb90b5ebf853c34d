"""Learning from use: what the search log (models.searchlog, written by actions.searchlog) teaches.

- ``boost``: an incident people opened after searching for the same words ranks a little higher for that
  search and for similar ones. A query's *terms* are its word tokens as the search reads them (Sudachi's
  normalized forms, Latin words stemmed: ``terms``), sorted; a logged opening counts for the same normalized
  query fully and for a query sharing at least ``SIMILAR`` of its terms (Jaccard) in proportion. Each hit's
  score is multiplied by 1 + ``WEIGHT`` × min(1, people / ``PEOPLE``), where people are the distinct people
  who opened that incident from such a search within settings.SEARCH_LOG_DAYS: at most ×1.5, so an opened
  incident overtakes only hits that scored less than 1.5 times it. Hits are reordered within the page
  the engine answered (an incident on page 2 stays there).
- **Never across visibility**: ``boost`` is given the hits already filtered for the searcher (the mask and
  the database, ``search.search``) and reads the openings of those incidents only. An incident's factor
  depends on the openings of that incident alone (nothing is shared or normalised across incidents), so
  what members opened in a restricted incident changes nothing a non-member can observe: not its presence,
  not the order or scores of the other hits.
- ``gaps``: for the admins' page, the searches that found nothing, or after which nothing was opened.
"""

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..glossary import fold
from ..models import SearchOpen, SearchRecord
from ..models.searchlog import MAX_QUERY_LENGTH
from .query import parse
from .words import query_words

log = logging.getLogger(__name__)

WEIGHT = 0.5  # the most an opened incident's score is raised: ×(1 + WEIGHT)
PEOPLE = 3  # people who opened it (for the same query) for the full boost
SIMILAR = 0.5  # share of terms (Jaccard) from which another query's openings count, in proportion


def normalize(text):
    """A query as logged and compared: NFKC, case-folded, single-spaced, a katakana word's trailing ー
    dropped (as the glossary compares terms), cut to the log's length."""
    return fold(text or "")[:MAX_QUERY_LENGTH]


def terms(text):
    """The query's terms: the word tokens of its words and phrases (not its filters nor excluded words),
    unique, sorted, space-separated: ``レスポンスが遅い`` and ``遅い レスポンス`` have the same."""
    parsed = parse(text or "")
    words = query_words(" ".join(parsed.words + parsed.phrases))[0] if parsed.has_text else []
    return " ".join(sorted({fold(word) for word in words if word.strip()}))[:MAX_QUERY_LENGTH]


def _likeness(mine, theirs):
    """How much an opening after a query of terms ``theirs`` counts for a query of terms ``mine`` (sets)."""
    if not mine or not theirs:
        return 0.0
    share = len(mine & theirs) / len(mine | theirs)
    return share if share >= SIMILAR else 0.0


def factors(text, ids, now=None):
    """{incident id: score factor > 1} for the incidents ``ids`` opened after searching for ``text`` or a
    similar query (see the module's docstring); incidents without openings are left out."""
    query, mine = normalize(text), None
    if not ids or not query:
        return {}
    since = (now or timezone.now()) - datetime.timedelta(days=settings.SEARCH_LOG_DAYS)
    rows = (SearchOpen.objects.filter(incident_id__in=ids, at__gte=since)
            .values("incident_id", "query", "terms").annotate(people=Count("opener", distinct=True)).order_by())
    people = defaultdict(float)
    for row in rows:
        if row["query"] == query:
            likeness = 1.0
        else:
            if mine is None:  # read by Sudachi only when another query's openings are there
                mine = set(terms(text).split())
            likeness = _likeness(mine, set(row["terms"].split()))
        if likeness:
            people[row["incident_id"]] += likeness * row["people"]
    return {pk: 1 + WEIGHT * min(1.0, count / PEOPLE) for pk, count in people.items()}


def boost(hits, text, split=None, now=None):
    """``hits`` (search.Hit, only those the searcher may see) with the scores of incidents opened from this
    search or similar ones raised, reordered by score (stable: otherwise the engine's order); with ``split``
    (where the looser matches begin: ``Results.more_from`` on this page) each side is reordered on its own,
    so an opened looser match never rises above the matches of every word. A failure to read the log is
    logged and leaves the hits as they were: the search never depends on it."""
    if not hits:
        return hits
    try:
        found = factors(text, [hit.id for hit in hits], now=now)
    except Exception:
        log.exception("the search log could not be read; results are not boosted")
        return hits
    if not found:
        return hits
    for hit in hits:
        if hit.id in found:
            hit.score = round(hit.score * found[hit.id], 4)
    def by_score(part):
        return sorted(part, key=lambda hit: -hit.score)

    return by_score(hits) if split is None else by_score(hits[:split]) + by_score(hits[split:])


@dataclass
class Gap:
    query: str
    searches: int
    empty: int  # searches that found nothing
    partial: int  # answered only partially (any word, or parts of words)
    opened: int  # results opened from it


def gaps(days, limit=50, now=None):
    """The searches of the last ``days`` days that found nothing at least once, or that the list page
    answered with results of which none was opened (the API's answers have no result links to follow, so
    they count only when they found nothing), most searched first (then by text): [Gap]."""
    since = (now or timezone.now()) - datetime.timedelta(days=days)
    opened = (SearchOpen.objects.filter(query=OuterRef("query"), at__gte=since).order_by().values("query")
              .annotate(count=Count("pk")).values("count"))
    rows = (SearchRecord.objects.filter(at__gte=since).values("query")
            .annotate(searches=Count("pk"), empty=Count("pk", filter=Q(hits=0)),
                      partial=Count("pk", filter=Q(partial=True)), opened=Coalesce(Subquery(opened), 0),
                      listed=Count("pk", filter=Q(hits__gt=0, source=SearchRecord.Source.PAGE)))
            .filter(Q(empty__gt=0) | Q(opened=0, listed__gt=0)).order_by("-searches", "query")[:limit])
    return [Gap(row["query"], row["searches"], row["empty"], row["partial"], row["opened"]) for row in rows]
