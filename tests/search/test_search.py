"""Full-text search: the mixed Japanese/English analyzer, the query language, keeping the index true,
visibility, similar incidents, and the API endpoints."""

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from incidents import search
from incidents.search import follower
from incidents.models import FactorCategory, Incident, Tag
from incidents.search.analysis import MixedAnalyzer
from incidents.search.query import parse
from tests.factories import IncidentFactory, LessonFactory


def tokens(text, mode="index"):
    return [t.text for t in MixedAnalyzer()(text, mode=mode)]


def test_japanese_runs_become_bigrams():
    assert tokens("がメモリリーク") == ["がメ", "メモ", "モリ", "リリ", "リー", "ーク"]
    assert tokens("猫") == ["猫"]


def test_identifiers_are_kept_whole_and_in_pieces():
    assert tokens("aardvark-dns") == ["aardvark-dns", "aardvark", "dns"]
    assert tokens("/proc/sys/kernel/pid_max", mode="query") == ["proc/sys/kernel/pid_max"]
    assert {"proc/sys/kernel/pid_max", "pid_max", "kernel", "pid"} <= set(tokens("/proc/sys/kernel/pid_max"))
    assert tokens("172.31.0.0/16", mode="query") == ["172.31.0.0/16"]
    assert tokens("DataDog/datadog-agent", mode="query") == ["datadog/datadog-agent"]
    assert "datadog-agent" in tokens("https://github.com/DataDog/datadog-agent/issues/12997")


def test_mixed_text_full_width_and_offsets():
    text = "ＡＷＳ の aws-node が落ちた"
    assert tokens(text)[:2] == ["aws", "の"]
    node = next(t for t in MixedAnalyzer()(text, chars=True) if t.text == "aws-node")
    assert text[node.startchar:node.endchar] == "aws-node"


def test_english_is_stemmed_on_both_sides():
    assert tokens("restarting pods") == tokens("restarted pod", mode="query")


def test_query_language():
    q = parse('memory "No route to host" -podman -"dbus session" tag:DNS -tag:old service:nginx '
              'severity:sev1 status:published category:resource-exhaustion after:2023-01-01 before:2024-01-01')
    assert q.words == ["memory"]
    assert q.phrases == ["No route to host"]
    assert q.excluded == ["podman", "dbus session"]
    assert q.filters == {"tag": ["dns"], "service": ["nginx"], "severity": ["sev1"], "status": ["published"],
                         "category": ["resource-exhaustion"]}
    assert q.excluded_filters == {"tag": ["old"]}
    assert (str(q.after), str(q.before)) == ("2023-01-01", "2024-01-01")


@pytest.mark.parametrize("text, words", [
    ('after:someday "unclosed', (["after:someday"], ["unclosed"])),
    ("foo:bar", (["foo:bar"], [])),
    ("- -- ::: tag:", ([":::", "tag:"], [])),
    ("", ([], [])),
])
def test_malformed_queries_are_plain_text(text, words):
    q = parse(text)
    assert (q.words, q.phrases) == words


# --- on the demo data ---------------------------------------------------------------------------------


def refs(results):
    return [hit.reference for hit in results.hits]


def incident_with(text):
    return next(i for i in Incident.objects.all() if text in " ".join(
        [i.title, i.summary, i.impact, i.analysis, i.resolution, *i.timeline.values_list("description", flat=True)]))


@pytest.mark.parametrize("query", ["メモリリーク", "名前解決", "ゾンビプロセス", "pid_max", "172.31.0.0/16",
                                   "aardvark-dns", "No route to host", '"No route to host"', "/proc/sys/kernel/pid_max"])
def test_seed_vocabulary_finds_the_demo_incident(demo, editor, query):
    expected = incident_with(query.strip('"'))
    results = search.search(query, editor)
    assert expected.reference in refs(results)[:3]
    assert not results.fallback
    assert "<mark>" in next(h.snippet for h in results.hits if h.reference == expected.reference)


def test_snippets_are_escaped_and_marked(demo, editor):
    hit = search.search("502 Bad Gateway", editor).hits[0]
    assert "<html>" not in hit.snippet and "<mark>" in hit.snippet


def test_all_words_must_match_else_fallback(demo, editor):
    strict = search.search("aardvark-dns pid_max", editor)
    assert strict.fallback and len(strict.hits) >= 2  # no incident has both: any-word matching, said so
    assert search.search("aardvark-dns nginx", editor).fallback is False


def test_filters_exclusions_and_dates(demo, editor):
    podman = {i.reference for i in Incident.objects.filter(tags__name="podman")}
    assert set(refs(search.search("tag:podman", editor))) == podman
    assert set(refs(search.search("dns -tag:podman", editor))) & podman == set()
    assert refs(search.search("ゾンビプロセス severity:sev1", editor)) == [Incident.objects.get(severity="sev1").reference]
    assert all(Incident.objects.by_reference(r).started_at.year == 2022
               for r in refs(search.search("after:2022-01-01 before:2023-01-01", editor)))
    assert refs(search.search("status:draft", editor)) == [Incident.objects.get(status="draft").reference]
    assert refs(search.search("category:resource-exhaustion", editor))
    assert not search.search("aardvark-dns -名前解決", editor).hits


@pytest.mark.parametrize("query", ['"', "-", '""', "(((", "\\", "* ? ~"])
def test_a_query_of_syntax_alone_lists_what_the_empty_query_lists(demo, editor, query):
    every = refs(search.search("", editor))
    assert len(every) == Incident.objects.count()  # an editor sees every demo incident, the draft too
    assert refs(search.search(query, editor)) == every


@pytest.mark.parametrize("query, words", [("tag:", "tag"), ("after:2023-13-45", "after 2023-13-45"), ("a" * 400, "a" * 400)])
def test_a_malformed_filter_is_searched_as_its_words(demo, editor, query, words):
    assert refs(search.search(query, editor)) == refs(search.search(words, editor))


def test_drafts_are_hidden_from_viewers_but_not_from_their_authors(demo, editor, viewer, user):
    author = user("viewer", username="author")
    draft = Incident.objects.get(status="draft")
    assert draft.reference not in refs(search.search("aardvark-dns", viewer))
    draft.authors.add(author)
    follower.catch_up()  # what the follower does once the change is committed
    assert draft.reference in refs(search.search("aardvark-dns", author))
    assert draft.reference in refs(search.search("aardvark-dns", editor))


def test_tag_names_are_matched_as_stored(demo, editor):
    expected = set(refs(search.search("tag:resource-exhaustion", editor)))
    assert expected
    assert set(refs(search.search('tag:"Resource Exhaustion"', editor))) == expected
    assert set(refs(search.search("", editor, tags=["Resource Exhaustion"]))) == expected


def test_tag_search_all_or_any(demo, editor):
    both = search.search("", editor, tags=["podman", "dns"])
    either = search.search("", editor, tags=["podman", "datadog"], match_all_tags=False)
    assert both.count == 2 and either.count == Incident.objects.with_tags(["podman", "datadog"], match_all=False).count()


def test_similar_incidents_say_why(demo, editor):
    eks = Incident.objects.get(title__contains="pid_max")
    earlier = Incident.objects.exclude(pk=eks.pk).get(title__contains="NotReady", status="published")
    results = search.similar(eks, editor)
    assert 0 < len(results) <= 5 and eks.pk not in [r["id"] for r in results]
    assert results[0]["id"] == earlier.pk
    assert any(reason.startswith("same tags: ") and "eks" in reason for reason in results[0]["reasons"])


def test_similar_names_shared_factor_categories_in_the_current_language(demo, editor, settings):
    settings.SEARCH_SIMILAR_CACHE_SECONDS = 0
    eks = Incident.objects.get(title__contains="pid_max")
    labels = {str(label) for label in FactorCategory.labels}
    with translation.override("en"):
        reasons = [reason for result in search.similar(eks, editor) for reason in result["reasons"]
                   if reason.startswith("same factor categories: ")]
    assert reasons, "the demo's similar incidents share a factor category"
    for reason in reasons:
        assert set(reason.removeprefix("same factor categories: ").split(", ")) <= labels


def test_similar_mentions_shared_github_references(demo, editor, django_capture_on_commit_callbacks):
    eks = Incident.objects.get(title__contains="pid_max")
    with django_capture_on_commit_callbacks(execute=True):
        other = IncidentFactory(title="another zombie incident")
        other.links.create(url="https://github.com/DataDog/datadog-agent/issues/12997")
    reasons = next(r["reasons"] for r in search.similar(eks, editor) if r["id"] == other.pk)
    assert "also links DataDog/datadog-agent#12997" in reasons


# --- keeping the index true ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_saving_and_deleting_update_the_index_in_process(editor):
    incident = IncidentFactory(title="ロードバランサの設定ミス")
    assert refs(search.search("ロードバランサ", editor)) == [incident.reference]
    LessonFactory(incident=incident, text="canary で気付けた")
    assert refs(search.search("canary", editor)) == [incident.reference]
    incident.tags.add(*Tag.objects.resolve(["lb"]))
    assert refs(search.search("tag:lb", editor)) == [incident.reference]
    Tag.objects.filter(name="lb").update(name="x")  # a bulk update sends no signal: check finds it
    assert search.check()[1] == [incident.pk]
    incident.delete()
    assert search.search("ロードバランサ", editor).count == 0


def test_rolled_back_changes_do_not_reach_the_index(db, editor):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        IncidentFactory(title="never committed")
        raise RuntimeError
    assert search.search("committed", editor).count == 0


def test_check_search_index_command(db, capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = IncidentFactory(title="indexed")
    call_command("check_search_index")
    Incident.objects.filter(pk=incident.pk).update(title="changed behind the index's back")
    with pytest.raises(CommandError) as exc:
        call_command("check_search_index")
    assert exc.value.returncode == 1
    assert f"stale in the index: {incident.reference}" in capsys.readouterr().out
    call_command("rebuild_search_index")
    call_command("check_search_index")


# --- API -----------------------------------------------------------------------------------------------


def test_search_endpoint(demo, viewer_api):
    body = viewer_api.get("/api/v1/search/", {"q": "名前解決"}).json()
    assert body["count"] >= 1 and body["fallback"] is False
    hit = body["results"][0]
    assert set(hit) == {"id", "reference", "title", "url", "score", "snippet", "tags"}
    assert "<mark>名前解決</mark>" in hit["snippet"] and hit["url"].startswith("http://testserver/")
    assert Incident.objects.get(pk=hit["id"]).status == "published"


def test_search_endpoint_tags_and_paging(demo, viewer_api):
    body = viewer_api.get("/api/v1/search/", {"tag": ["aws", "network"], "page_size": 1}).json()
    assert body["count"] == 2 and len(body["results"]) == 1
    assert viewer_api.get("/api/v1/search/", {"q": "aws", "page": 99}).json()["results"] == []
    for bad in ({"page_size": 101}, {"page_size": 0}, {"page": 0}, {"tag_mode": "maybe"}, {"q": "x" * 501}):
        response = viewer_api.get("/api/v1/search/", bad)
        assert response.status_code == 400 and set(bad) <= set(response.json())


def test_similar_endpoint(demo, viewer_api):
    eks = Incident.objects.get(title__contains="pid_max")
    results = viewer_api.get(f"/api/v1/incidents/{eks.pk}/similar/").json()["results"]
    assert results and all(set(r) == {"id", "reference", "title", "score", "reasons"} for r in results)
    draft = Incident.objects.get(status="draft")
    assert draft.pk not in [r["id"] for r in results]
    assert viewer_api.get(f"/api/v1/incidents/{draft.pk}/similar/").status_code == 404


def test_patterns_endpoint(demo, viewer_api):
    body = viewer_api.get("/api/v1/patterns/").json()
    assert body["window_days"] == 180 and body["min_count"] == 2
    tags = {row["name"]: row for row in body["tags"]}
    assert tags["eks"]["recurring"] is True
    assert [c["quarter"] for c in tags["eks"]["per_quarter"]] == body["quarters"]
    assert sum(c["count"] for c in tags["eks"]["per_quarter"]) == tags["eks"]["total"]
    assert tags["eks"]["median_time_to_resolve"] > 0
    assert "systemd" not in tags  # draft-only tag
    assert viewer_api.get("/api/v1/patterns/", {"window_days": 0}).status_code == 400


def test_similar_on_an_empty_or_tiny_index(editor):
    lonely = IncidentFactory(title="ひとつだけ")  # not indexed: the test transaction never commits
    assert search.similar(lonely, editor) == []


# --- the count is every match, however small the page ---------------------------------------------------


@pytest.fixture
def many_matches(db):
    """130 incidents with "dns": 25 in the title, each title shorter (so ranking higher) than the one before,
    then 100 published and 5 drafts with it once in a long summary. A top-20 collector soon needs scores
    that a summary match cannot reach, and Whoosh then stops looking at summary-only matches."""
    for i in range(25):
        IncidentFactory(title="dns " + " ".join(["outage"] * (25 - i)))
    long_summary = "the resolver for dns was slow; " + " ".join(f"word{j}" for j in range(100))
    for i in range(105):
        IncidentFactory(title=f"outage {i}", summary=long_summary, status="draft" if i % 21 == 20 else "published")
    search.rebuild(procs=1)
    return {"all": 130, "published": 125}


@pytest.mark.parametrize("page_size", [1, 2, 20, 100])
def test_count_is_every_matching_incident_whatever_the_page_size(many_matches, page_size, editor, viewer):
    assert search.search("dns", editor, page_size=page_size).count == many_matches["all"]
    assert search.search("dns", viewer, page_size=page_size).count == many_matches["published"]


def test_pages_walk_every_match_once_in_the_order_of_one_big_page(many_matches, viewer):
    everything = [hit.id for hit in search.search("dns", viewer, page_size=200).hits]
    paged = [hit.id for page in range(1, 8) for hit in search.search("dns", viewer, page=page, page_size=20).hits]
    assert paged == everything and len(everything) == many_matches["published"]
    assert set(everything) == set(Incident.objects.filter(status="published").values_list("pk", flat=True))


def test_search_endpoint_and_list_page_count_every_match(many_matches, viewer_client, viewer_api):
    body = viewer_api.get("/api/v1/search/", {"q": "dns", "page_size": 2}).json()
    assert body["count"] == many_matches["published"] and len(body["results"]) == 2
    response = viewer_client.get("/incidents/", {"q": "dns"})
    assert response.context["count"] == many_matches["published"] and response.context["page"].paginator.num_pages == 5
    assert f"{many_matches['published']} incidents match" in response.content.decode()
