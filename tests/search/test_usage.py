"""Learning from use (incidents.search.usage), on both engines: an incident people opened after a search
ranks higher for that search and for similar ones (modestly), never across visibility — what members opened
in a restricted incident changes nothing a non-member sees, not even the order or scores of other hits —
and a log that cannot be read leaves the search as it was."""

import datetime
import logging

import pytest
from django.utils import timezone

from incidents import search
from incidents.actions import searchlog
from incidents.models import SearchOpen, SearchRecord
from incidents.search import usage

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def world(engine, committed, make_incident, user):
    """Two public incidents about a full disk, worded alike, and a restricted one its member may see."""
    member = user("viewer", username="member")
    with committed():
        first = make_incident(title="Disk full on db-1", summary="The data disk was full; writes failed.")
        second = make_incident(title="Disk full on db-2", summary="The data disk was full; writes failed.")
        secret = make_incident(title="Disk full on vault-3", summary="The data disk was full; writes failed.",
                               visibility="restricted")
        secret.members.set([member])
    return {"first": first, "second": second, "secret": secret, "member": member}


def listed(results):
    return [(hit.reference, hit.score) for hit in results.hits]


def refs(results):
    return [hit.reference for hit in results.hits]


def opened(text, incident, people):
    for person in people:
        searchlog.record_open(text, incident, person)


def test_terms_and_normalized_queries():
    assert usage.normalize("  Disk   FULL ") == "disk full"
    assert usage.normalize("ＳＥＲＶＥＲ サーバー") == "server サーバ"
    assert usage.terms("full disk") == usage.terms("Disk  full") == "disk full"
    assert usage.terms("disk full tag:db -podman") == "disk full"  # filters and excluded words are not terms
    assert usage.terms("レスポンスが遅い") == usage.terms("遅い レスポンス")
    assert usage.terms("tag:dns") == ""


def test_opening_lifts_the_incident_for_the_same_query_on_both_engines(world, viewer, user):
    before = refs(search.search("disk full", viewer))
    assert sorted(before) == sorted([world["first"].reference, world["second"].reference])
    lower = world["first"] if before[-1] == world["first"].reference else world["second"]
    opened("Disk  FULL", lower, [user("viewer", username=f"reader{n}") for n in range(3)])
    after = search.search("disk full", viewer)
    assert refs(after) == [lower.reference] + before[:-1]
    assert after.hits[0].score == pytest.approx(after.hits[1].score * 1.5, rel=1e-3)  # ×1.5 at most
    assert after.count == 2


def test_similar_queries_share_the_boost_in_proportion(world, viewer, user):
    people = [user("viewer", username=f"reader{n}") for n in range(3)]
    opened("disk full", world["second"], people)
    ids = [world["first"].pk, world["second"].pk]
    assert usage.factors("full disk", ids) == {world["second"].pk: 1.5}  # the same terms
    assert usage.factors("disk full writes", ids) == {world["second"].pk: pytest.approx(1 + 0.5 * 2 / 3)}
    assert usage.factors("disk", ids) == {world["second"].pk: pytest.approx(1.25)}  # half the terms
    assert usage.factors("disk writes failed", ids) == {}  # a fifth of the terms: unrelated
    assert refs(search.search("full disk", viewer))[0] == world["second"].reference


def test_one_person_opening_often_counts_once_and_old_openings_expire(world, viewer, user, settings):
    reader = user("viewer", username="reader")
    opened("disk full", world["second"], [reader] * 5)
    assert usage.factors("disk full", [world["second"].pk]) == {world["second"].pk: pytest.approx(1 + 0.5 / 3)}
    settings.SEARCH_LOG_DAYS = 30
    SearchOpen.objects.update(at=timezone.now() - datetime.timedelta(days=31))
    assert usage.factors("disk full", [world["second"].pk]) == {}


def test_openings_of_a_restricted_incident_change_nothing_for_others(world, viewer, editor, user):
    member, secret = world["member"], world["secret"]
    for who in (viewer, editor):
        assert secret.reference not in refs(search.search("disk full", who))
    before = {who: search.search("disk full", who) for who in (viewer, editor)}
    member_before = search.search("disk full", member)
    assert secret.reference in refs(member_before)

    admin = user("admin", username="boss")
    opened("disk full", secret, [member, admin] + [user("viewer", username=f"m{n}") for n in range(4)])
    opened("full disk data", secret, [member, admin])
    secret.members.add(*[user("viewer", username=f"m{n}") for n in range(4)])

    for who in (viewer, editor):
        after = search.search("disk full", who)
        assert listed(after) == listed(before[who]) and after.count == before[who].count
        assert (after.fallback, after.partial_words) == (before[who].fallback, before[who].partial_words)
        assert listed(search.search("full disk", who)) == listed(before[who])
    # For those who may see it, it did rise
    member_after = search.search("disk full", member)
    score = {hit.reference: hit.score for hit in member_after.hits}
    assert refs(member_after)[0] == secret.reference
    assert score[secret.reference] == pytest.approx(1.5 * {h.reference: h.score for h in member_before.hits}[secret.reference], rel=1e-3)


def test_a_log_that_cannot_be_read_leaves_the_search_as_it_was(world, viewer, user, monkeypatch, caplog):
    before = listed(search.search("disk full", viewer))
    opened("disk full", world["first"], [user("viewer", username=f"r{n}") for n in range(3)])

    def broken(*args, **kwargs):
        raise RuntimeError("log table gone")

    monkeypatch.setattr(usage, "factors", broken)
    with caplog.at_level(logging.ERROR, logger="incidents.search.usage"):
        assert listed(search.search("disk full", viewer)) == before
    assert "the search log could not be read; results are not boosted" in caplog.text


def test_gaps_lists_searches_that_found_nothing_or_led_nowhere(db, world):
    now = timezone.now()
    for hits in (0, 0, 0):
        searchlog.record_search("レスポンスが遅い", hits, False, SearchRecord.Source.PAGE)
    for _ in range(2):
        searchlog.record_search("Disk full", 2, False, SearchRecord.Source.API)
    searchlog.record_search("stale DNS record", 1, True, SearchRecord.Source.PAGE)
    searchlog.record_search("scripted", 4, False, SearchRecord.Source.API)  # the API's hits have no links to open
    searchlog.record_open("disk full", world["first"], world["member"])
    old = searchlog.record_search("ancient", 0, False, SearchRecord.Source.PAGE)
    SearchRecord.objects.filter(pk=old.pk).update(at=now - datetime.timedelta(days=40))
    rows = [(gap.query, gap.searches, gap.empty, gap.partial, gap.opened) for gap in usage.gaps(30)]
    assert rows == [("レスポンスが遅い", 3, 3, 0, 0), ("stale dns record", 1, 0, 1, 0)]
    assert [gap.query for gap in usage.gaps(60)] == ["レスポンスが遅い", "ancient", "stale dns record"]


def test_an_opened_looser_match_rises_only_among_the_looser_ones(engine, committed, make_incident, viewer, user):
    with committed():
        both = make_incident(title="Disk full on db-1", summary="The data disk was full.")
        looser = [make_incident(title=f"Disk latency on db-{n}", summary="The data disk was slow.") for n in (2, 3)]
    before = search.search("disk full", viewer)
    assert before.more_from == 1 and refs(before)[0] == both.reference
    lower = next(incident for incident in looser if incident.reference == refs(before)[-1])
    opened("disk full", lower, [user("viewer", username=f"reader{n}") for n in range(3)])
    after = search.search("disk full", viewer)
    assert refs(after) == [both.reference, lower.reference, refs(before)[1]] and after.more_from == 1


def test_the_boost_keeps_to_each_side_of_where_the_looser_matches_begin(monkeypatch):
    def hits():
        return [search.Hit(pk, f"INC-{pk}", "", score, "", []) for pk, score in ((1, 1.0), (2, 0.9), (3, 0.8))]

    monkeypatch.setattr(usage, "factors", lambda text, ids, now=None: {3: 1.5})
    assert [hit.id for hit in usage.boost(hits(), "disk full")] == [3, 1, 2]
    assert [hit.id for hit in usage.boost(hits(), "disk full", split=1)] == [1, 3, 2]
    assert [hit.id for hit in usage.boost(hits(), "disk full", split=0)] == [3, 1, 2]
