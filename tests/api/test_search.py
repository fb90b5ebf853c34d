"""REST API v1, search (incidents/api/search.py): the facets of every match and the glossary entries applied."""

import pytest

from incidents import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def facet_corpus(make_incident):
    """Four incidents mention "connection refused" (one as 接続拒否, one a draft); a fifth does not."""
    def incident(title, severity, status, tags, services, categories):
        return make_incident(title=title, severity=severity, status=status, tags=tags, services=services,
                             categories=categories)

    incident("connection refused by the API", "sev1", "published", ["network", "api"], ["Payment API"], ["defect"])
    incident("nginx: connection refused", "sev2", "published", ["network"], ["nginx"], ["defect", "dependency"])
    incident("接続拒否 upstream", "sev2", "published", ["network", "proxy"], ["nginx"], ["dependency"])
    incident("connection refused while drafting", "sev1", "draft", ["network", "secret"], ["vault"], ["change"])
    incident("disk full", "sev3", "published", ["disk"], ["nginx"], ["capacity"])
    search.rebuild(procs=1)


def facet(body, name):
    return {item["value"]: item["count"] for item in body["facets"][name]}


def test_search_returns_facets_of_every_match_and_glossary(facet_corpus, viewer_api, editor_api):
    body = viewer_api.get("/api/v1/search/", {"q": "connection refused", "page_size": 1}).json()
    assert body["count"] == 3 and len(body["results"]) == 1  # the facets count all pages, not the one shown
    # the viewer's counts leave the draft out: no "secret" tag, no sev1 from it, no "change" category
    assert facet(body, "tags") == {"network": 3, "api": 1, "proxy": 1}
    assert facet(body, "services") == {"nginx": 2, "Payment API": 1}  # named as stored
    assert facet(body, "severity") == {"sev2": 2, "sev1": 1}
    assert facet(body, "status") == {"published": 3}
    assert facet(body, "categories") == {"defect": 2, "dependency": 2}
    assert [item["value"] for item in body["facets"]["tags"]] == ["network", "api", "proxy"]  # most, then by value
    assert set(body["facets"]) == {"tags", "services", "severity", "status", "categories", "year", "fields"}
    assert body["glossary"] == [{"text": "connection refused", "key": "connection-refused",
                                 "terms": ["接続拒否", "ECONNREFUSED", "接続が拒否", "errno=111"]}]

    body = editor_api.get("/api/v1/search/", {"q": "connection refused"}).json()
    assert body["count"] == 4 and facet(body, "tags")["secret"] == 1 and facet(body, "status")["draft"] == 1
    # the facets follow the filters of the query: narrowing by one is what its count said
    body = viewer_api.get("/api/v1/search/", {"q": "connection refused service:nginx"}).json()
    assert body["count"] == 2 and facet(body, "services") == {"nginx": 2}
    assert facet(body, "tags") == {"network": 2, "proxy": 1}


def test_search_without_matches_has_empty_facets(facet_corpus, viewer_api):
    body = viewer_api.get("/api/v1/search/", {"q": "nothing-matches-this"}).json()
    assert body["count"] == 0 and body["glossary"] == []
    assert body["facets"] == {name: [] for name in ("tags", "services", "severity", "status", "categories", "year", "fields")}
