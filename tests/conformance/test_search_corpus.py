"""Search over the public English postmortems of icco/postmortems (issue #29): recall@5 and MRR per query
class, on both engines.

The 242 write-ups are not in the repository: POSTMORTEM_CORPUS_DIR, else the shared copy (as
tests/imports/test_corpus.py); the module is skipped without them, except on CI where they must be there.
The queries are in corpus_queries.yaml (written before measuring; see its header), each naming the file(s)
it must find. The files are imported once per module through the importer (committed outside the tests'
transactions, deleted afterwards), then each engine builds its own index and runs every query once; the
tests read the figures. `pytest -s tests/conformance/test_search_corpus.py` prints the table and the misses.

Two levels are asserted: FLOORS, the figures measured when the set was written (a change may not make
search worse on this corpus), and the issue's target (90 % recall@5 on a held-out set over this corpus).
"""

import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.test import override_settings

from incidents import search
from incidents.actions.imports import import_sources
from incidents.imports.files import from_paths
from incidents.models import GitHubReference, Incident, IndexChange, IndexCursor, Service, Tag
from incidents.search import backends, follower
from tests.factories import UserFactory, ensure_glossary_seed

CORPUS = Path(os.environ.get("POSTMORTEM_CORPUS_DIR") or "/work/shared/corpora/icco-postmortems/data")
SIZE = 242
QUERIES = Path(__file__).with_name("corpus_queries.yaml")
ENGINES = ("whoosh", "tantivy")
TOP = 5  # recall is measured in the first TOP results
DEPTH = 50  # ranks (and MRR) are read from the first DEPTH results
USERNAME = "corpus-reader"

# The issue's target for its held-out set over this corpus.
TARGET_RECALL = 0.90

# Measured when corpus_queries.yaml was written, before any work on these queries (SQLite), then raised: recall@5
# as found / expected files, MRR as printed (3 decimals). Raise them as search improves; never lower them to make a
# change pass. First measured (whoosh / tantivy): japanese 6/11 (MRR 0.341 / 0.403), overall 37/54 / 38/54 (MRR
# 0.589 / 0.633); raised after JMdict glosses for Japanese words the glossary does not know (japanese 9/11), then
# after named vulnerabilities (CVE numbers) and general SRE vocabulary in the glossary (typos, accidental
# deletion, CPU pegged, downsizing, regex backtracking, dry run, browser extensions): 43/54 and 44/54; then after
# the any-word fallback was re-ranked by the rarity-weighted share of the query each hit covers
# (search/coverage.py): 48/54 on both; then after English function words stopped being asked for (of, a, after),
# sign-in / login and locked out entered the glossary, and tags the first fallback hits share lifted the hits below
# them (pseudo-relevance feedback): 50/54, MRR 0.894, on both.
FLOORS = {
    engine: {
        "recall": {"symptom": 9 / 10, "paraphrase": 12 / 12, "identifier": 12 / 12, "cause": 8 / 9,
                   "japanese": 9 / 11, None: 50 / 54},
        "mrr": {"symptom": 0.853, "paraphrase": 1.000, "identifier": 0.950, "cause": 0.898, "japanese": 0.736,
                None: 0.894},
    }
    for engine in ENGINES
}


@dataclass
class Outcome:
    query: str
    cls: str
    expect: list
    ranked: list  # file names of the first DEPTH hits ("#id" for an incident not from the corpus)

    @property
    def ranks(self):
        return {name: self.ranked.index(name) + 1 if name in self.ranked else None for name in self.expect}

    @property
    def found(self):
        return [name for name in self.expect if name in self.ranked[:TOP]]

    @property
    def reciprocal_rank(self):
        ranks = [rank for rank in self.ranks.values() if rank]
        return 1 / min(ranks) if ranks else 0.0


@dataclass
class Measured:
    engine: str
    outcomes: list = field(default_factory=list)
    seconds: float = 0.0  # building the index and running the queries

    def _of(self, cls):
        return [o for o in self.outcomes if cls in (None, o.cls)]

    def recall(self, cls=None):
        outcomes = self._of(cls)
        expected = sum(len(o.expect) for o in outcomes)
        return sum(len(o.found) for o in outcomes) / expected if expected else 1.0

    def mrr(self, cls=None):
        outcomes = self._of(cls)
        return sum(o.reciprocal_rank for o in outcomes) / len(outcomes) if outcomes else 1.0

    @property
    def classes(self):
        return list(dict.fromkeys(o.cls for o in self.outcomes))


@dataclass
class Corpus:
    imported: int
    import_seconds: float
    engines: dict  # engine -> Measured
    titles: dict  # file name -> the imported incident's title (to read the misses)


def load_queries():
    with open(QUERIES, encoding="utf-8") as f:
        return yaml.safe_load(f)["queries"]


def _sources():
    if not CORPUS.is_dir():
        message = f"the icco postmortem corpus is not at {CORPUS} (set POSTMORTEM_CORPUS_DIR)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    sources, problems = from_paths([CORPUS])
    assert problems == [] and len(sources) == SIZE, problems
    return sources


def _measure(engine, queries, names, user, directory):
    """Build ``engine``'s index in ``directory`` from the database and run every query on it."""
    begun = time.perf_counter()
    with override_settings(SEARCH_BACKEND=engine, SEARCH_INDEX_DIR=directory):
        backends.forget()
        follower.create_empty()
        search.rebuild(procs=1)
        measured = Measured(engine)
        for spec in queries:
            hits = search.search(spec["query"], user, page_size=DEPTH).hits
            measured.outcomes.append(Outcome(spec["query"], spec["class"], spec["expect"],
                                             [names.get(hit.id, f"#{hit.id}") for hit in hits]))
        backends.forget()
    measured.seconds = time.perf_counter() - begun
    return measured


@pytest.fixture(scope="module")
def corpus(django_db_setup, django_db_blocker, tmp_path_factory):
    """Import the corpus once (published, as a team's write-ups are), then measure each engine."""
    sources = _sources()
    queries = load_queries()
    # No GitHub calls for the links the write-ups hold; the change log of the import and of the clean-up goes
    # to an index nobody reads (each engine builds its own in _measure), never the data directory's.
    with django_db_blocker.unblock(), override_settings(
            SEARCH_INDEX_DIR=tmp_path_factory.mktemp("import") / "index", GITHUB_SYNC=False):
        ensure_glossary_seed()  # a transactional test before this module may have emptied it
        before = set(Incident.objects.values_list("pk", flat=True))
        references = set(GitHubReference.objects.values_list("pk", flat=True))  # the write-ups' GitHub links
        cursors = set(IndexCursor.objects.values_list("pk", flat=True))
        last_change = IndexChange.objects.aggregate(last=Max("pk"))["last"] or 0
        try:
            begun = time.perf_counter()
            with transaction.atomic():  # one commit for the 242 files (each file is still its own savepoint)
                report = import_sources(sources, status="published")
                user = UserFactory(username=USERNAME, role="viewer")
            import_seconds = time.perf_counter() - begun
            assert [file.problems for file in report.files if file.problems] == []
            assert report.counts["imported"] == SIZE, report.counts
            rows = Incident.objects.exclude(pk__in=before).values_list("pk", "uid", "title")
            names = {pk: f"{uid}.md" for pk, uid, _title in rows}
            titles = {f"{uid}.md": title for _pk, uid, title in rows}
            engines = {engine: _measure(engine, queries, names, user, tmp_path_factory.mktemp(engine) / "index")
                       for engine in ENGINES}
            yield Corpus(len(names), import_seconds, engines, titles)
        finally:
            backends.forget()
            # Committed outside any test transaction: remove it all so other modules start clean.
            Incident.objects.exclude(pk__in=before).delete()
            get_user_model().objects.filter(username=USERNAME).delete()
            Tag.objects.filter(incidents=None).delete()
            Service.objects.filter(incidents=None).delete()
            GitHubReference.objects.exclude(pk__in=references).delete()  # else a later poll finds them due
            IndexChange.objects.filter(pk__gt=last_change).delete()
            IndexCursor.objects.exclude(pk__in=cursors).delete()
            backends.forget()


def test_queries_are_consistent():
    queries = load_queries()
    assert 35 <= len(queries) <= 60
    files = {path.name for path in CORPUS.glob("*.md")} if CORPUS.is_dir() else None
    for spec in queries:
        assert isinstance(spec["query"], str) and spec["query"].strip(), spec
        assert spec["class"] in {"symptom", "paraphrase", "identifier", "cause", "japanese"}, spec
        assert spec["expect"] and len(set(spec["expect"])) == len(spec["expect"]), spec
        if files is not None:
            assert set(spec["expect"]) <= files, spec["query"]
    assert 5 <= sum(1 for spec in queries if spec["class"] == "japanese") <= 8


def _describe(outcome, titles):
    ranks = ", ".join(f"{name[:8]}@{rank or '-'}" for name, rank in outcome.ranks.items())
    first = outcome.ranked[0] if outcome.ranked else None
    first = f"{first[:8]} ({titles.get(first, '?')[:60]})" if first else "(nothing)"
    return f"  [{outcome.cls}] {outcome.query!r}: {ranks}; first: {first}"


def test_report(db, corpus):
    """The figures, printed (pytest -s): per engine and class, then the misses."""
    lines = [f"\nicco postmortems: {corpus.imported} write-ups imported in {corpus.import_seconds:.1f} s"]
    for engine, measured in corpus.engines.items():
        lines.append(f"{engine} (index built and {len(measured.outcomes)} queries run in {measured.seconds:.1f} s)")
        lines.append(f"  {'class':<12}{'queries':>8}{'found':>7}{'expected':>9}{'recall@5':>10}{'MRR':>8}")
        per_class = defaultdict(list)
        for outcome in measured.outcomes:
            per_class[outcome.cls].append(outcome)
        for cls in [*measured.classes, None]:
            outcomes = per_class[cls] if cls else measured.outcomes
            lines.append(f"  {cls or 'overall':<12}{len(outcomes):>8}{sum(len(o.found) for o in outcomes):>7}"
                         f"{sum(len(o.expect) for o in outcomes):>9}{measured.recall(cls):>10.0%}"
                         f"{measured.mrr(cls):>8.3f}")
        misses = [o for o in measured.outcomes if len(o.found) < len(o.expect)]
        lines.append(f"  misses (expected file@rank in the first {DEPTH}, '-' = not found):" if misses else "  no miss")
        lines += [_describe(o, corpus.titles) for o in misses]
    print("\n".join(lines))
    assert corpus.imported == SIZE
    for measured in corpus.engines.values():
        assert len(measured.outcomes) == len(load_queries())


@pytest.mark.parametrize("engine", ENGINES)
def test_floors(db, corpus, engine):
    """Never worse than when the queries were written."""
    measured = corpus.engines[engine]
    floors = FLOORS[engine]
    for cls in [*measured.classes, None]:
        assert measured.recall(cls) >= floors["recall"][cls], cls or "overall"
        assert round(measured.mrr(cls), 3) >= floors["mrr"][cls], cls or "overall"


@pytest.mark.parametrize("engine", ENGINES)
def test_issue_target(db, corpus, engine):
    recall = corpus.engines[engine].recall()
    assert recall >= TARGET_RECALL, f"{engine}: recall@5 {recall:.0%} on this corpus, the target is {TARGET_RECALL:.0%}"
