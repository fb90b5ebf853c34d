"""One suite, both engines: Whoosh and tantivy receive the same plan and the same tokens, so they must
find the same incidents, count them alike, page, mark, facet and find similar incidents the same way, keep
up with the change log, and recover from a damaged index. ``rebuild_search_index`` switches engines."""

import datetime

import pytest
from django.core.management import call_command

from incidents import search
from incidents.models import Incident
from incidents.search import backends, follower, generations
from tests.factories import IncidentFactory

ENGINES = ["whoosh", "tantivy"]


def at(year, month, day):
    return datetime.datetime(year, month, day, 12, tzinfo=datetime.UTC)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block's on-commit callbacks (the test's transaction never commits): the change log is then
    applied to the index, and a later change to the same incident is logged again."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def corpus(committed, make_incident):
    """A few mixed incidents, applied to the index as the follower applies the change log."""
    with committed():
        incidents = _corpus(make_incident)
    return incidents


def _corpus(make_incident):
    return {
        "port": make_incident(title="エフェメラルポートの枯渇", summary="ポートが枯渇して接続できなくなった",
                              tags=["network"], services=["nginx"], severity="sev1", started_at=at(2023, 5, 1),
                              categories=["capacity"]),
        "support": make_incident(title="サポート窓口の障害", summary="サポートの電話が鳴り続けた", tags=["support"],
                                 severity="sev3", started_at=at(2023, 6, 1)),
        "podman": make_incident(title="aardvark-dns fails with No route to host",
                                summary="podman containers could not resolve names: No route to host",
                                tags=["podman", "dns"], services=["aardvark-dns"], severity="sev2",
                                started_at=at(2022, 3, 1), categories=["defect"]),
        "leak": make_incident(title="datadog-agent のメモリリーク", summary="datadog-agent がメモリリークしていた",
                              tags=["datadog", "memory"], services=["datadog-agent"], started_at=at(2024, 1, 10),
                              links=["https://github.com/DataDog/datadog-agent/issues/12997"],
                              categories=["defect"]),
        "leak2": make_incident(title="datadog-agent restarts again", summary="メモリリークで OOMKilled が続いた",
                               tags=["datadog", "memory"], services=["datadog-agent"], started_at=at(2024, 2, 1),
                               links=["https://github.com/DataDog/datadog-agent/issues/12997"]),
        "dns": make_incident(title="名前解決が遅い", summary="coredns の名前解決がタイムアウトした", tags=["dns"],
                             services=["coredns"], severity="sev3", started_at=at(2023, 9, 1)),
        "draft": make_incident(title="下書きの名前解決障害", summary="まだ書きかけの名前解決の記録", tags=["dns"],
                               status="draft", started_at=at(2023, 10, 1)),
    }


def found(corpus, results):
    names = {incident.reference: name for name, incident in corpus.items()}
    return {names[hit.reference] for hit in results.hits}


QUERIES = {  # query: (incidents an editor finds, partial_words, fallback)
    "podman": ({"podman"}, False, False),
    "dns": ({"podman", "dns", "draft"}, False, False),  # the tag (in the labels) and a piece of aardvark-dns
    '"No route to host"': ({"podman"}, False, False),
    "route host": ({"podman"}, False, False),
    "名前解決": ({"dns", "draft"}, False, False),
    "メモリリーク": ({"leak", "leak2"}, False, False),
    "ポート": ({"port"}, False, False),
    "サポート": ({"support"}, False, False),
    "窓": ({"support"}, True, False),  # only inside 窓口: a part of a word (and a lone CJK character)
    "podman メモリリーク": ({"podman", "leak", "leak2"}, False, True),
    "datadog-agent tag:memory -OOMKilled": ({"leak"}, False, False),
    "tag:dns": ({"podman", "dns", "draft"}, False, False),
    "service:datadog-agent": ({"leak", "leak2"}, False, False),
    "severity:sev3": ({"support", "leak", "leak2", "dns", "draft"}, False, False),  # sev3: the default
    "status:draft": ({"draft"}, False, False),
    "category:defect": ({"podman", "leak"}, False, False),
    "after:2023-01-01 before:2024-01-01": ({"port", "support", "dns", "draft"}, False, False),
    "after:2024-01-01": ({"leak", "leak2"}, False, False),
    "名前解決 -tag:dns": (set(), False, False),
    "datadog -メモリリーク": (set(), False, False),
    "/proc/sys/kernel/pid_max": (set(), False, False),
}


@pytest.mark.parametrize("query", QUERIES)
def test_the_same_incidents_match(engine, corpus, editor, query):
    expected, partial_words, fallback = QUERIES[query]
    results = search.search(query, editor)
    assert (found(corpus, results), results.partial_words, results.fallback) == (expected, partial_words, fallback)
    assert results.count == len(expected)


def test_drafts_are_hidden_from_viewers_but_not_from_their_authors(engine, corpus, viewer, user, committed):
    assert found(corpus, search.search("名前解決", viewer)) == {"dns"}
    author = user("viewer", username="author")
    with committed():
        corpus["draft"].authors.add(author)
    assert found(corpus, search.search("名前解決", author)) == {"dns", "draft"}


def test_ranking_prefers_the_title_and_words(engine, corpus, editor):
    # メモリリーク is in both titles' text, but only leak's title has it; podman only in the other fallback.
    assert [hit.reference for hit in search.search("メモリリーク", editor).hits][0] == corpus["leak"].reference
    hits = search.search("podman メモリリーク", editor).hits
    assert hits[0].score >= hits[-1].score


def test_pages_and_exact_counts(engine, db, editor, viewer):
    for i in range(30):
        IncidentFactory(title=f"dns outage {i}", summary="the resolver was slow " * (1 + i % 5),
                        status="draft" if i % 10 == 9 else "published")
    follower.catch_up()
    assert search.search("dns", editor, page_size=1).count == 30
    assert search.search("dns", viewer, page_size=7).count == 27
    everything = [hit.id for hit in search.search("dns", viewer, page_size=100).hits]
    paged = [hit.id for page in range(1, 5) for hit in search.search("dns", viewer, page=page, page_size=7).hits]
    assert paged == everything and len(set(paged)) == 27
    assert search.search("dns", viewer, page=9, page_size=7).hits == []


def test_snippets_mark_the_matches(engine, corpus, editor):
    snippet = search.search("名前解決", editor).hits[0].snippet
    assert "<mark>名前解決</mark>" in snippet
    snippet = search.search('"No route to host"', editor).hits[0].snippet
    assert "<mark>No</mark> <mark>route</mark> <mark>to</mark> <mark>host</mark>" in snippet
    assert "<mark>窓口</mark>" in search.search("窓", editor).hits[0].snippet
    IncidentFactory(title="escaped", summary="<script>alert(1)</script> escaped & marked")
    follower.catch_up()
    snippet = search.search("escaped", editor).hits[0].snippet
    assert "<script>" not in snippet and "<mark>escaped</mark>" in snippet


def test_facets(engine, corpus, editor, viewer):
    counts = search.facets(editor)
    assert counts["tags"]["dns"] == 3 and counts["tags"]["datadog"] == 2
    assert counts["services"]["datadog-agent"] == 2 and counts["severity"] == {"sev1": 1, "sev2": 1, "sev3": 5}
    assert counts["status"] == {"published": 6, "draft": 1}
    assert counts["categories"] == {"capacity": 1, "defect": 2}
    assert counts["year"] == {"2022": 1, "2023": 4, "2024": 2}
    assert search.facets(viewer)["tags"]["dns"] == 2


def test_similar(engine, corpus, editor, viewer):
    results = search.similar(corpus["leak"], editor)
    assert results[0]["id"] == corpus["leak2"].pk
    assert "also links DataDog/datadog-agent#12997" in results[0]["reasons"]
    assert any(reason.startswith("same tags: ") for reason in results[0]["reasons"])
    assert corpus["leak"].pk not in [r["id"] for r in results]
    assert corpus["draft"].pk not in [r["id"] for r in search.similar(corpus["dns"], viewer)]
    assert corpus["draft"].pk in [r["id"] for r in search.similar(corpus["dns"], editor)]


def test_write_remove_and_catch_up(engine, corpus, editor, committed):
    incident = corpus["podman"]
    Incident.objects.filter(pk=incident.pk).update(title="netavark replaced it")
    follower.catch_up()  # nothing logged for a bulk update: check finds it stale
    assert search.check()[1] == [incident.pk]
    incident.refresh_from_db()
    with committed():
        incident.save()
    assert search.check() == ([], [], [])
    assert found(corpus, search.search("netavark", editor)) == {"podman"}
    assert search.search('"aardvark-dns fails"', editor).count == 0  # the old title is gone
    with committed():
        Incident.objects.get(pk=corpus["support"].pk).delete()
    assert search.search("窓", editor).count == 0
    assert str(corpus["support"].pk) not in backends.current().stored_documents()


def test_a_damaged_index_is_unavailable_then_repaired(engine, corpus, editor):
    for path in generations.current().iterdir():
        if path.is_file() and path.name not in {generations.CURSOR, generations.ENGINE}:
            path.write_bytes(b"garbage" * 50)
    backends.forget()
    with pytest.raises(search.SearchUnavailable):
        search.search("名前解決", editor)
    assert generations.damaged()
    assert "unreadable" in follower.repair()
    assert found(corpus, search.search("名前解決", editor)) == {"dns", "draft"}


def test_rebuild_in_worker_processes(engine, corpus, editor):
    count, _seconds = search.rebuild(procs=2)
    assert count == len(corpus)
    assert found(corpus, search.search("メモリリーク", editor)) == {"leak", "leak2"}
    assert search.check() == ([], [], [])


def test_a_tantivy_index_with_other_fields_is_rebuilt(settings, search_index, monkeypatch, db):
    from incidents.search.backends import tantivy

    settings.SEARCH_BACKEND = "tantivy"
    builder = tantivy.tantivy.SchemaBuilder()
    builder.add_text_field("id", tokenizer_name="raw", index_option="basic")
    monkeypatch.setattr(tantivy, "SCHEMA", builder.build())
    follower.create_empty()  # as an older version built it
    monkeypatch.undo()
    assert follower.needs_rebuild() == "it was built by an older version (its fields differ)"
    assert follower.repair() and follower.needs_rebuild() == ""


def test_engines_agree_and_a_rebuild_switches_engines(corpus, editor, viewer, settings):
    """The engine that built the index is recorded: another configured engine answers 503 until the
    index is rebuilt (by the follower's repair or the command), and both find and count the same."""
    answers = {}
    for name in ENGINES:
        settings.SEARCH_BACKEND = name
        if generations.read_engine(generations.current()) != name:
            with pytest.raises(search.SearchUnavailable):
                search.search("dns", editor)
            assert "another engine" in follower.needs_rebuild()
            call_command("rebuild_search_index")
        assert follower.needs_rebuild() == ""
        answers[name] = (
            {(query, user.pk): (found(corpus, search.search(query, user)), search.search(query, user).count)
             for query in QUERIES for user in (editor, viewer)},
            search.facets(viewer),
        )  # not similar(): Whoosh's document frequencies count replaced documents until segments merge
    assert answers["whoosh"] == answers["tantivy"]
