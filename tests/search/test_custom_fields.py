"""Custom fields in search (#32), on both engines: ``key:value`` filters (choice, multiple choice, user, number,
date by day, month and range), text field words found in the body (Japanese too), facets counted with the
reader's visibility, and unknown keys searched as plain words."""

import pytest

from incidents import search
from incidents.search import query
from tests import factories
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def near_miss_type():
    return factories.near_miss_type(fields=factories.EVERY_KIND)


@pytest.fixture
def corpus(engine, user):
    kind = near_miss_type()
    user("editor", username="hana", first_name="Hana", last_name="Sato")
    made = {
        "tokyo": IncidentFactory(title="queue stall", type=kind, fields={
            "region": "ap-northeast-1", "teams": ["SRE", "db"], "oncall": "hana", "detected": "2026-01-15",
            "customers": 12, "cause-note": "kinesis shard exhaustion", "details": "**証明書**の期限切れ"}),
        "virginia": IncidentFactory(title="queue stall again", type=kind, fields={
            "region": "us-east-1", "teams": ["net"], "detected": "2026-03-02", "customers": 3.5}),
        "draft": IncidentFactory(title="queue stall draft", type=kind, status="draft", fields={
            "region": "ap-northeast-1", "teams": ["db"], "detected": "2026-02-01"}),
        "plain": IncidentFactory(title="region:ap-northeast-1 note"),
    }
    search.rebuild(procs=1)
    return made


def refs(results):
    return sorted(hit.reference for hit in results.hits)


def test_key_value_filters_by_each_kind(corpus, viewer):
    tokyo, virginia = corpus["tokyo"].reference, corpus["virginia"].reference
    assert refs(search.search("region:ap-northeast-1", viewer)) == [tokyo]  # the draft stays hidden
    assert refs(search.search("queue region:us-east-1", viewer)) == [virginia]
    assert refs(search.search("teams:sre", viewer)) == [tokyo]  # multiple choice: contains; any case
    assert refs(search.search("oncall:hana", viewer)) == [tokyo]
    assert refs(search.search("customers:12", viewer)) == [tokyo]
    assert refs(search.search("customers:3.5", viewer)) == [virginia]
    assert refs(search.search("detected:2026-01-15", viewer)) == [tokyo]
    assert refs(search.search("detected:2026-03", viewer)) == [virginia]
    assert refs(search.search("detected:2026", viewer)) == sorted([tokyo, virginia])
    assert refs(search.search("detected:2026-02..2026-03", viewer)) == [virginia]
    assert refs(search.search("queue -region:ap-northeast-1", viewer)) == [virginia]


def test_text_fields_are_searchable_as_the_body(corpus, viewer, editor):
    tokyo = corpus["tokyo"].reference
    assert refs(search.search("kinesis", viewer)) == [tokyo]
    assert refs(search.search("証明書", viewer)) == [tokyo]  # Markdown, as plain text, Japanese analysed
    assert refs(search.search("us-east-1", viewer)) == [corpus["virginia"].reference]  # a choice is text too
    assert refs(search.search("kinesis", editor)) == [tokyo]


def test_unknown_keys_stay_plain_words():
    parsed = query.parse("zone:ap-northeast-1 region:us-east-1 cause-note:x", frozenset({"region", "cause-note"}))
    assert parsed.fields == {"region": ["us-east-1"], "cause-note": ["x"]}
    assert parsed.words == ["zone:ap-northeast-1"]
    assert query.parse("region:us-east-1").words == ["region:us-east-1"]  # no field has that key
    assert query.parse("detected:2026-01..x", frozenset({"detected"})).words == ["detected:2026-01..x"]
    assert query.parse("-region:x", frozenset({"region"})).excluded_fields == {"region": ["x"]}


def test_facets_count_only_what_the_reader_sees(corpus, viewer, editor, settings):
    settings.LANGUAGE_CODE = "en"
    seen = {definition.key: rows for definition, rows in search.search("queue", viewer, with_facets=True).field_facets(8)}
    assert seen["region"] == [("ap-northeast-1", "ap-northeast-1", 1), ("us-east-1", "us-east-1", 1)]
    assert seen["teams"] == [("SRE", "SRE", 1), ("db", "db", 1), ("net", "net", 1)]  # choices as defined
    assert seen["oncall"] == [("hana", "Hana Sato", 1)]
    assert seen["detected"] == [("2026-01", "2026-01", 1), ("2026-03", "2026-03", 1)]
    assert "customers" not in seen and "cause-note" not in seen
    edited = {d.key: rows for d, rows in search.search("queue", editor, with_facets=True).field_facets(8)}
    assert edited["region"] == [("ap-northeast-1", "ap-northeast-1", 2), ("us-east-1", "us-east-1", 1)]
    assert search.facets(viewer)["fields"]["region=ap-northeast-1"] == 1


def test_list_filters_narrow_a_search(corpus, viewer):
    found = search.search("queue", viewer, fields=[("region", "us-east-1")])
    assert refs(found) == [corpus["virginia"].reference]
