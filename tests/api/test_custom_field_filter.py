"""GET /api/v1/incidents/?field=KEY:VALUE (#32): the shared FilterSet's custom field filter, every kind it takes,
on SQLite and PostgreSQL; bad input is a 400 naming the parameter."""

import pytest

from incidents.models import CustomField, IncidentType
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def made(db):
    kind = IncidentType.objects.create(key="near-miss", name_en="Near miss")
    for order, (key, field_kind, choices) in enumerate([
            ("region", "choice", ["ap-northeast-1", "us-east-1"]), ("teams", "multi_choice", ["db", "SRE", "東京"]),
            ("customers", "number", []), ("detected", "date", []), ("noticed", "datetime", []),
            ("note", "text", [])]):
        CustomField.objects.create(incident_type=kind, key=key, kind=field_kind, choices=choices, order=order)
    return {
        "a": IncidentFactory(title="a", type=kind, fields={"region": "ap-northeast-1", "teams": ["SRE", "東京"],
                                                           "customers": 12, "detected": "2026-01-15",
                                                           "noticed": "2026-01-31T16:00:00Z", "note": "x"}),
        "b": IncidentFactory(title="b", type=kind, fields={"region": "us-east-1", "teams": ["db"], "customers": 3.5,
                                                           "detected": "2026-03-02", "noticed": "2026-01-31T14:00:00Z"}),
        "c": IncidentFactory(title="c"),
    }


def titles(api, *pairs):
    response = api.get("/api/v1/incidents/", {"field": list(pairs)})
    assert response.status_code == 200, response.content
    return sorted(item["title"] for item in response.json()["results"])


def test_each_kind(made, viewer_api, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    assert titles(viewer_api, "region:ap-northeast-1") == ["a"]
    assert titles(viewer_api, "region:US-EAST-1") == ["b"]
    assert titles(viewer_api, "teams:sre") == ["a"] and titles(viewer_api, "teams:東京") == ["a"]
    assert titles(viewer_api, "teams:db") == ["b"]
    assert titles(viewer_api, "customers:12") == ["a"] and titles(viewer_api, "customers:3.5") == ["b"]
    assert titles(viewer_api, "detected:2026-01") == ["a"] and titles(viewer_api, "detected:2026") == ["a", "b"]
    assert titles(viewer_api, "detected:2026-03-02") == ["b"]
    assert titles(viewer_api, "noticed:2026-02-01") == ["a"]  # 16:00Z is 01:00 on the 1st in Tokyo
    assert titles(viewer_api, "noticed:2026-01") == ["b"]
    assert titles(viewer_api, "region:ap-northeast-1", "teams:db") == []  # all must match


@pytest.mark.parametrize("value", ["region", "region:", "nosuch:x", "note:x", "customers:many", "detected:2026-13",
                                   "detected:yesterday", "region:" + "x" * 400])
def test_bad_input_is_a_400_naming_the_parameter(made, viewer_api, value):
    response = viewer_api.get("/api/v1/incidents/", {"field": value})
    assert response.status_code == 400 and list(response.json()) == ["field"], response.content


def test_search_facets_of_custom_fields(made, search_index, viewer_api):
    from incidents import search

    CustomField.objects.filter(key="region").update(label_en="Region", label_ja="リージョン")
    search.rebuild(procs=1)
    found = viewer_api.get("/api/v1/search/", {"q": "region:ap-northeast-1"}).json()
    assert found["count"] == 1
    region = next(facet for facet in found["facets"]["fields"] if facet["key"] == "region")
    assert region == {"key": "region", "label": "Region",
                      "values": [{"value": "ap-northeast-1", "label": "ap-northeast-1", "count": 1}]}
    japanese = viewer_api.get("/api/v1/search/", {"q": "a"}, HTTP_ACCEPT_LANGUAGE="ja").json()
    assert "リージョン" in [facet["label"] for facet in japanese["facets"]["fields"]]
