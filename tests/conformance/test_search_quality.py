"""The search quality set (issue #14): recall@5 per query class, bigram-trap decoys kept out of the top 5,
and Japanese/English write-ups of one failure in each other's top 3 of similar incidents.

The incidents and queries are in quality_set.yaml (written for this test; see its header for the rules that
keep the figures honest). The index is built once per module: the incidents are committed outside the
tests' transactions (and deleted afterwards) and every query is run once; the tests then read the figures.
`pytest -s tests/conformance/test_search_quality.py` prints the per-class table and every query that misses.

Two levels are asserted: FLOORS, the figures measured now (a change may not make search worse: all 74
expected incidents in the top 5, no decoy, 7/7 pairs), and the issue's TARGETS (90 %, no decoy, every pair).
This set was written by the team; the issue's maintainers keep a held-out set of other queries of the same
classes, so passing it here is necessary, not sufficient.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from incidents import search
from incidents.models import Incident, IndexChange, IndexCursor, Service, Tag
from incidents.search import follower
from incidents.search import backends
from tests.factories import IncidentFactory, UserFactory, ensure_glossary_seed

QUALITY_SET = Path(__file__).with_name("quality_set.yaml")
TOP = 5  # recall and traps are measured in the first TOP results
SIMILAR_TOP = 3  # a similar pair must be within each other's first SIMILAR_TOP similar incidents
USERNAME = "quality-reader"

# The issue's targets on its held-out set (of the same classes).
TARGET_RECALL = 0.90  # expected incidents found in the top 5, overall
TARGET_TRAP_VIOLATIONS = 0
TARGET_SIMILAR_PAIRS = 1.0  # share of pairs in each other's top 3

# Measured on SQLite (Whoosh; words + bigrams, identifiers, the glossary at query time and in similar matching).
# Raise them as search improves; never lower them to make a change pass.
# symptom and paraphrase (issue #29) were written before the work on them and measured first at 6/13 and 1/7.
FLOOR_RECALL = 74 / 74
FLOOR_CLASS_RECALL = {"cross_language": 14 / 14, "synonym": 11 / 11, "orthography": 8 / 8, "bigram_trap": 4 / 4,
                      "identifier": 10 / 10, "sentence": 7 / 7, "symptom": 13 / 13, "paraphrase": 7 / 7}
MAX_TRAP_VIOLATIONS = 0
FLOOR_SIMILAR_PAIRS = 7 / 7


@dataclass
class QueryOutcome:
    query: str
    cls: str
    expect: list
    traps: list
    top: list  # keys of the first TOP hits
    ranks: dict  # expected key -> 1-based rank within the first 50 hits, or None
    fallback: bool
    partial_words: bool

    @property
    def found(self):
        return [key for key in self.expect if key in self.top]

    @property
    def trapped(self):
        return [key for key in self.traps if key in self.top]


@dataclass
class Measured:
    directory: Path
    keys: dict  # incident key -> pk
    outcomes: list = field(default_factory=list)
    pairs: list = field(default_factory=list)  # (ja, en, rank of en from ja, rank of ja from en)

    def recall(self, cls=None):
        outcomes = [o for o in self.outcomes if cls in (None, o.cls)]
        expected = sum(len(o.expect) for o in outcomes)
        return sum(len(o.found) for o in outcomes) / expected if expected else 1.0

    @property
    def trap_violations(self):
        return sum(len(o.trapped) for o in self.outcomes)

    @property
    def similar_share(self):
        good = [p for p in self.pairs if p[2] is not None and p[3] is not None]
        return len(good) / len(self.pairs) if self.pairs else 1.0

    @property
    def classes(self):
        return list(dict.fromkeys(o.cls for o in self.outcomes))


def load_set():
    with open(QUALITY_SET, encoding="utf-8") as f:
        return yaml.safe_load(f)


def _create_incidents(incidents):
    """The set's incidents, published, a day apart (their order in the file is no ranking signal)."""
    now, keys = timezone.now(), {}
    for n, spec in enumerate(incidents):
        incident = IncidentFactory(
            title=spec["title"], summary=spec.get("summary", ""), analysis=spec.get("analysis", ""),
            resolution=spec.get("resolution", ""), severity=spec.get("severity", "sev3"),
            started_at=now - timedelta(days=n + 1))
        incident.tags.set(Tag.objects.resolve(spec.get("tags", [])))
        incident.services.set(Service.objects.resolve(spec.get("services", [])))
        keys[spec["key"]] = incident.pk
    return keys


def _measure(data, keys, user):
    by_pk = {pk: key for key, pk in keys.items()}
    measured = Measured(directory=None, keys=keys)
    for spec in data["queries"]:
        results = search.search(spec["query"], user, page_size=50)
        ranked = [by_pk.get(hit.id, f"#{hit.id}") for hit in results.hits]
        measured.outcomes.append(QueryOutcome(
            query=spec["query"], cls=spec["class"], expect=spec.get("expect") or [], traps=spec.get("traps") or [],
            top=ranked[:TOP], ranks={key: ranked.index(key) + 1 if key in ranked else None for key in spec["expect"]},
            fallback=results.fallback, partial_words=results.partial_words))
    for ja, en in data["similar_pairs"]:
        ranks = []
        for mine, other in ((ja, en), (en, ja)):
            incident = Incident.objects.get(pk=keys[mine])
            similar = [by_pk.get(row["id"]) for row in search.similar(incident, user, limit=SIMILAR_TOP)]
            ranks.append(similar.index(other) + 1 if other in similar else None)
        measured.pairs.append((ja, en, *ranks))
    return measured


@pytest.fixture(scope="module")
def quality(django_db_setup, django_db_blocker, tmp_path_factory):
    """Build the set's incidents and index once, run every query and similar pair, then clean up."""
    data = load_set()
    directory = tmp_path_factory.mktemp("quality") / "search-index"
    with override_settings(SEARCH_INDEX_DIR=directory), django_db_blocker.unblock():
        backends.forget()
        follower.create_empty()
        ensure_glossary_seed()  # a transactional test before this module may have emptied it
        keys = {}
        cursors = set(IndexCursor.objects.values_list("pk", flat=True))
        last_change = IndexChange.objects.aggregate(last=Max("pk"))["last"] or 0
        try:
            with transaction.atomic():
                keys = _create_incidents(data["incidents"])
                user = UserFactory(username=USERNAME, role="viewer")
            search.rebuild(procs=1)
            measured = _measure(data, keys, user)
            measured.directory = directory
            yield measured
        finally:
            backends.forget()
            # Committed outside any test transaction: remove it all so other modules start clean.
            Incident.objects.filter(pk__in=keys.values()).delete()
            get_user_model().objects.filter(username=USERNAME).delete()
            Tag.objects.filter(incidents=None).delete()
            Service.objects.filter(incidents=None).delete()
            IndexChange.objects.filter(pk__gt=last_change).delete()
            IndexCursor.objects.exclude(pk__in=cursors).delete()


@pytest.fixture
def search_index(settings, quality):
    """This module's tests read the index built once by ``quality`` (replaces conftest's empty one)."""
    settings.SEARCH_INDEX_DIR = quality.directory
    backends.forget()
    yield quality.directory
    backends.forget()


def test_quality_set_is_consistent():
    data = load_set()
    keys = [spec["key"] for spec in data["incidents"]]
    assert len(keys) == len(set(keys))
    for spec in data["queries"]:
        assert isinstance(spec["query"], str), spec["query"]  # YAML reads 0x… and 1.27 as numbers: quote them
        assert set(spec.get("expect") or []) | set(spec.get("traps") or []) <= set(keys), spec["query"]
        assert not set(spec.get("expect") or []) & set(spec.get("traps") or []), spec["query"]
    by_key = {spec["key"]: spec for spec in data["incidents"]}
    for ja, en in data["similar_pairs"]:
        # the pair must find each other by what they say, not by a tag put on both
        assert not {t.lower() for t in by_key[ja]["tags"]} & {t.lower() for t in by_key[en]["tags"]}, (ja, en)


def _describe(outcome):
    flags = [name for name in ("fallback", "partial_words") if getattr(outcome, name)]
    ranks = ", ".join(f"{key}@{rank or '-'}" for key, rank in outcome.ranks.items()) or "no expectation"
    trapped = f"  TRAPS in top {TOP}: {', '.join(outcome.trapped)}" if outcome.trapped else ""
    return (f"  [{outcome.cls}] {outcome.query!r}: {ranks}{trapped}"
            f"{'  (' + ', '.join(flags) + ')' if flags else ''}\n      top {TOP}: {', '.join(outcome.top) or '(none)'}")


def test_report(quality):
    """The figures, printed (pytest -s): per class, the misses, the similar pairs."""
    lines = [f"\nsearch quality set: {len(quality.keys)} incidents, {len(quality.outcomes)} queries",
             f"{'class':<16}{'queries':>8}{'found':>8}{'expected':>9}{'recall@5':>10}{'traps':>7}"]
    per_class = defaultdict(list)
    for outcome in quality.outcomes:
        per_class[outcome.cls].append(outcome)
    for cls in quality.classes:
        outcomes = per_class[cls]
        lines.append(f"{cls:<16}{len(outcomes):>8}{sum(len(o.found) for o in outcomes):>8}"
                     f"{sum(len(o.expect) for o in outcomes):>9}{quality.recall(cls):>10.0%}"
                     f"{sum(len(o.trapped) for o in outcomes):>7}")
    lines.append(f"{'overall':<16}{len(quality.outcomes):>8}{sum(len(o.found) for o in quality.outcomes):>8}"
                 f"{sum(len(o.expect) for o in quality.outcomes):>9}{quality.recall():>10.0%}"
                 f"{quality.trap_violations:>7}")
    good_pairs = sum(1 for p in quality.pairs if p[2] and p[3])
    lines.append(f"similar pairs in each other's top {SIMILAR_TOP}: {good_pairs}/{len(quality.pairs)}")
    misses = [o for o in quality.outcomes if len(o.found) < len(o.expect) or o.trapped]
    if misses:
        lines.append("misses (expected key@rank in the first 50, '-' = not found):")
        lines += [_describe(o) for o in misses]
    for ja, en, en_rank, ja_rank in quality.pairs:
        if not (en_rank and ja_rank):
            lines.append(f"  similar: {ja} -> {en}: {en_rank or '-'}; {en} -> {ja}: {ja_rank or '-'}")
    print("\n".join(lines))
    # the report accounts for every query (each in a class it lists) and every pair
    assert sum(len(per_class[cls]) for cls in quality.classes) == len(quality.outcomes) > 0
    assert len(quality.pairs) == len(load_set()["similar_pairs"])


def test_floors(quality):
    """Never worse than when the set was written."""
    assert quality.recall() >= FLOOR_RECALL
    for cls, floor in FLOOR_CLASS_RECALL.items():
        assert quality.recall(cls) >= floor, cls
    assert quality.trap_violations <= MAX_TRAP_VIOLATIONS
    assert quality.similar_share >= FLOOR_SIMILAR_PAIRS


def test_issue_targets(quality):
    assert quality.recall() >= TARGET_RECALL
    assert quality.trap_violations <= TARGET_TRAP_VIOLATIONS
    assert quality.similar_share >= TARGET_SIMILAR_PAIRS


def test_every_query_answers_through_the_api(db, quality):
    """The same queries through the search endpoint (and the pairs through similar/): never an error."""
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username=USERNAME))
    for outcome in quality.outcomes:
        response = client.get("/api/v1/search/", {"q": outcome.query, "page_size": TOP})
        assert response.status_code == 200, (outcome.query, response.content[:300])
        assert response.json()["count"] >= len(outcome.found)
    for ja, en, *_ranks in quality.pairs:
        for key in (ja, en):
            assert client.get(f"/api/v1/incidents/{quality.keys[key]}/similar/").status_code == 200
