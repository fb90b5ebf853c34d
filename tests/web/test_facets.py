"""The facet panel and the glossary line beside search results on the incident list."""

import re
from html import unescape
from urllib.parse import parse_qs

import pytest

from incidents import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(make_incident):
    def incident(title, severity, status, tags, services, categories):
        make_incident(title=title, severity=severity, status=status, tags=tags, services=services,
                      categories=categories)

    incident("connection refused by the API", "sev1", "published", ["network", "api"], ["Payment API"], ["defect"])
    incident("nginx: connection refused", "sev2", "published", ["network"], ["nginx"], ["defect", "dependency"])
    incident("接続拒否 upstream", "sev2", "published", ["network", "proxy"], ["nginx"], ["dependency"])
    incident("connection refused while drafting", "sev1", "draft", ["network", "secret"], ["vault"], ["change"])
    search.rebuild(procs=1)


def panel(page):
    """{(facet title, value label): (count, link query or None)} of the facet panel."""
    aside = page[page.index('<aside class="facets"'):page.index("</aside>")]
    found = {}
    for section in re.findall(r"<section>(.*?)</section>", aside, re.S):
        title = re.search(r"<h3>(.*?)</h3>", section).group(1)
        for href, chosen, label, count in re.findall(
                r'<li>(?:<a href="\?([^"]*)">|<span class="(chosen)">)(.*?)</(?:a|span)> <span class="count">(\d+)</span>',
                section):
            found[(title, unescape(label))] = (int(count), parse_qs(unescape(href)) if href else None)
    return found


def test_facets_count_the_matches_a_viewer_may_see_and_link_to_narrower_searches(viewer_client, corpus):
    page = viewer_client.get("/incidents/", {"q": "connection refused"}).content.decode()
    found = panel(page)
    assert found[("Tags", "network")][0] == 3 and ("Tags", "secret") not in found  # the draft is not counted
    assert found[("Services", "nginx")][0] == 2 and found[("Services", "Payment API")][0] == 1
    assert found[("Severity", "SEV2 – major")][0] == 2 and found[("Status", "Published")][0] == 1 + 2
    assert found[("Factor categories", "Dependency")][0] == 2
    # links use the list's filter parameters and keep the query
    assert found[("Tags", "proxy")][1] == {"q": ["connection refused"], "tag": ["proxy"]}
    assert found[("Severity", "SEV2 – major")][1] == {"q": ["connection refused"], "severity": ["sev2"]}
    assert found[("Factor categories", "Dependency")][1] == {"q": ["connection refused"], "category": ["dependency"]}
    # following a link gives as many incidents as the count said
    narrowed = viewer_client.get("/incidents/", found[("Services", "nginx")][1]).content.decode()
    assert "2 incidents match" in narrowed
    found = panel(narrowed)
    assert found[("Services", "nginx")] == (2, None)  # already chosen: no link
    # a second service would widen the search (services match any of them): the query narrows instead
    assert panel(viewer_client.get("/incidents/", {"q": "connection refused", "category": "defect"}).content.decode())[
        ("Services", "nginx")][1] == {"q": ["connection refused"], "category": ["defect"], "service": ["nginx"]}
    assert panel(viewer_client.get("/incidents/", {"q": "connection refused", "service": "nginx"}).content.decode()).get(
        ("Services", "Payment API")) is None


def test_tags_in_any_mode_and_service_names_with_spaces_narrow_through_the_query(viewer_client, corpus):
    found = panel(viewer_client.get("/incidents/", {"q": "refused", "tag": "api", "tag_mode": "any"}).content.decode())
    assert found[("Tags", "network")][1]["q"] == ["refused tag:network"]
    found = panel(viewer_client.get("/incidents/", {"q": "refused", "service": "nginx"}).content.decode())
    assert ("Services", "Payment API") not in found  # nginx incidents only
    found = panel(viewer_client.get("/incidents/", {"q": "refused", "category": "dependency"}).content.decode())
    assert found[("Factor categories", "Defect")][1]["q"] == ["refused category:defect"]
    page = viewer_client.get("/incidents/", {"q": 'refused service:"payment api"'}).content.decode()
    assert "1 incident matches" in page
    assert panel(page)[("Services", "Payment API")] == (1, None)  # typed in the query: no link


def test_glossary_line_in_both_languages(viewer_client, corpus):
    page = viewer_client.get("/incidents/", {"q": "connection refused"}).content.decode()
    assert "Also searched:" in page and "connection refused = 接続拒否, ECONNREFUSED, 接続が拒否" in page
    assert "(glossary)" in page and "Narrow the results" in page
    page = viewer_client.get("/incidents/", {"q": "connection refused"}, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "あわせて検索:" in page and "(用語集)" in page and "結果を絞り込む" in page and "タグ" in page


def test_no_panel_without_matches(viewer_client, corpus):
    # the list without a query has its own panel (tests/test_facet_counts.py)
    page = viewer_client.get("/incidents/", {"q": "nothing-matches-this"}).content.decode()
    assert 'class="facets"' not in page and "Also searched" not in page
