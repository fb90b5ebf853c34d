"""Custom fields on the incident list (#32): their facets (headings in English and Japanese, counts of what the
reader may see, in a fixed number of queries), the ``?field=KEY:VALUE`` filter with and without a search, and
the patterns page's counts by a choice field."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents import search
from incidents.models import CustomField, IncidentType
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields_corpus(search_index, user):
    kind = IncidentType.objects.create(key="near-miss", name_ja="ニアミス", name_en="Near miss")
    CustomField.objects.create(incident_type=kind, key="region", label_ja="リージョン", label_en="Region",
                               kind="choice", choices=["ap-northeast-1", "us-east-1"])
    CustomField.objects.create(incident_type=kind, key="oncall", label_ja="当番", label_en="On call", kind="user",
                               order=1)
    CustomField.objects.create(incident_type=kind, key="detected", label_ja="検知日", label_en="Detected",
                               kind="date", order=2)
    user("editor", username="hana", first_name="Hana", last_name="Sato")
    made = [IncidentFactory(title="queue stall tokyo", type=kind, started_at="2025-05-01T00:00:00Z",
                            fields={"region": "ap-northeast-1", "oncall": "hana", "detected": "2026-01-15"}),
            IncidentFactory(title="queue stall virginia", type=kind, started_at="2025-11-01T00:00:00Z",
                            fields={"region": "us-east-1", "detected": "2026-01-20"}),
            IncidentFactory(title="queue stall hidden", type=kind, status="draft",
                            fields={"region": "ap-northeast-1"})]
    search.rebuild(procs=1)
    return made


def facet_section(page, heading):
    start = page.index(f"<h3>{heading}</h3>")
    return page[start:page.index("</section>", start)]


@pytest.mark.parametrize("q", ["", "queue"])
def test_field_facets_in_english_and_japanese(fields_corpus, viewer_client, q):
    page = viewer_client.get("/incidents/", {"q": q}).content.decode()
    region = facet_section(page, "Region")
    assert "ap-northeast-1</a> <span class=\"count\">1</span>" in region  # the draft is not counted
    assert "field=region%3Aus-east-1" in region
    assert "Hana Sato" in facet_section(page, "On call")
    assert "2026-01</a> <span class=\"count\">2</span>" in facet_section(page, "Detected")
    japanese = viewer_client.get("/incidents/", {"q": q}, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "<h3>リージョン</h3>" in japanese and "<h3>検知日</h3>" in japanese


def test_field_facet_queries_do_not_grow_with_fields(fields_corpus, viewer_client, viewer):
    viewer_client.get("/incidents/")  # the session and caches warmed
    cache.clear()  # the list's counts are kept (facet_counts.counted): measure a render
    with CaptureQueriesContext(connection) as few:
        viewer_client.get("/incidents/")
    kind = IncidentType.objects.get(key="near-miss")
    for n in range(5):
        CustomField.objects.create(incident_type=kind, key=f"extra{n}", label_en=f"Extra {n}", kind="choice",
                                   choices=["a", "b"], order=10 + n)
        IncidentFactory(title=f"more {n}", type=kind, fields={f"extra{n}": "a"})
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        page = viewer_client.get("/incidents/").content.decode()
    assert "<h3>Extra 4</h3>" in page
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("q", ["", "queue"])
def test_the_field_filter_narrows_the_list_and_a_search(fields_corpus, viewer_client, q):
    page = viewer_client.get("/incidents/", {"q": q, "field": "region:us-east-1"}).content.decode()
    assert "queue stall virginia" in page and "queue stall tokyo" not in page
    page = viewer_client.get("/incidents/", {"q": q, "field": ["detected:2026-01", "oncall:hana"]}).content.decode()
    assert "queue stall tokyo" in page and "queue stall virginia" not in page
    bad = viewer_client.get("/incidents/", {"q": q, "field": "nosuch:x"})
    assert bad.status_code == 200 and "No custom field to filter by has the key nosuch." in bad.content.decode()


def test_patterns_count_by_a_choice_field(fields_corpus, viewer_client, viewer_api):
    page = viewer_client.get("/patterns/").content.decode()
    assert '<option value="region">Region</option>' in page and 'id="field-region"' not in page
    assert "On call" not in page  # only choice and multiple choice fields
    page = viewer_client.get("/patterns/", {"field": "region"}).content.decode()
    section = page[page.index('id="field-region"'):]
    assert "<h2>Region</h2>" in section and "?field=region%3Aus-east-1&amp;started_after=2025-10-01" in section
    japanese = viewer_client.get("/patterns/", {"field": "region"}, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "<h2>リージョン</h2>" in japanese
    assert viewer_client.get("/patterns/", {"field": "nosuch"}).status_code == 200
    found = viewer_api.get("/api/v1/patterns/", {"field": "region"}).json()
    assert found["field"] == "region"
    assert {row["name"]: row["total"] for row in found["field_values"]} == {"ap-northeast-1": 1, "us-east-1": 1}
    assert viewer_api.get("/api/v1/patterns/").json()["field"] is None
    bad = viewer_api.get("/api/v1/patterns/", {"field": "oncall"})
    assert bad.status_code == 400 and list(bad.json()) == ["field"]
