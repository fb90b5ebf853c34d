"""The facet panel beside the incident list without a search query: counts from the database."""

import datetime

import pytest

from incidents.models import Service, Tag
from tests.factories import FactorFactory, IncidentFactory
from tests.web.test_facets import panel

pytestmark = pytest.mark.django_db


def when(year, month=6):
    return datetime.datetime(year, month, 1, tzinfo=datetime.UTC)


@pytest.fixture
def listed(db):
    def incident(title, severity, status, tags, services, categories, started):
        made = IncidentFactory(title=title, severity=severity, status=status, started_at=started)
        made.tags.set([Tag.objects.get_or_create(name=name)[0] for name in tags])
        made.services.set([Service.objects.get_or_create(name=name)[0] for name in services])
        for category in categories:
            FactorFactory(incident=made, category=category)

    incident("API refused", "sev1", "published", ["network", "api"], ["Payment API"], ["defect", "defect"], when(2022))
    incident("nginx refused", "sev2", "published", ["network"], ["nginx"], ["defect", "dependency"], when(2023))
    incident("upstream", "sev2", "published", ["network", "proxy"], ["nginx"], ["dependency"], when(2023, 12))
    incident("drafting", "sev1", "draft", ["network", "secret"], ["vault"], ["change"], when(2023))
    # 2023-12-31 20:00 UTC is 2024-01-01 in Tokyo, the display time zone: a 2024 incident, as the date filters say
    incident("new year", "sev3", "published", [], [], [], datetime.datetime(2023, 12, 31, 20, tzinfo=datetime.UTC))


def count_of(page):
    return int(page.split('<p class="result-summary">')[1].split(" incident")[0])


def test_the_list_without_a_query_counts_what_the_viewer_may_see(viewer_client, listed):
    found = panel(viewer_client.get("/incidents/").content.decode())
    assert found[("Tags", "network")] == (3, {"tag": ["network"]}) and ("Tags", "secret") not in found  # no draft
    assert found[("Services", "nginx")] == (2, {"service": ["nginx"]})
    assert found[("Severity", "SEV2 – major")] == (2, {"severity": ["sev2"]})
    assert found[("Status", "Published")][0] == 4 and ("Status", "Draft") not in found
    assert found[("Factor categories", "Defect")][0] == 2  # incidents, not factors
    assert found[("Year", "2023")] == (2, {"started_after": ["2023-01-01"], "started_before": ["2024-01-01"]})
    assert found[("Year", "2024")][0] == 1 and found[("Year", "2022")][0] == 1


def test_every_link_leads_to_as_many_incidents_as_it_counts_and_narrows_further(viewer_client, listed):
    for (title, label), (count, query) in panel(viewer_client.get("/incidents/").content.decode()).items():
        narrowed = viewer_client.get("/incidents/", query).content.decode()
        assert count_of(narrowed) == count, (title, label)
        assert panel(narrowed)[(title, label)] == (count, None)  # chosen: no link
    found = panel(viewer_client.get("/incidents/", {"tag": "network"}).content.decode())
    assert found[("Tags", "proxy")] == (1, {"tag": ["network", "proxy"]})
    assert found[("Year", "2023")][1] == {"tag": ["network"], "started_after": ["2023-01-01"],
                                          "started_before": ["2024-01-01"]}
    in_2023 = {"started_after": "2023-01-01", "started_before": "2024-01-01"}
    assert set(panel(viewer_client.get("/incidents/", in_2023).content.decode())) >= {("Year", "2023")}


def test_values_that_only_a_search_could_narrow_to_have_no_link(viewer_client, listed):
    found = panel(viewer_client.get("/incidents/", {"service": "nginx", "category": "dependency"}).content.decode())
    assert found[("Services", "nginx")] == (2, None)
    assert found[("Factor categories", "Defect")] == (1, None)  # a second category would widen the list
    found = panel(viewer_client.get("/incidents/", {"tag": "api", "tag_mode": "any"}).content.decode())
    assert found[("Tags", "network")] == (1, None)


def test_an_editor_counts_drafts_and_an_empty_list_has_no_panel(editor_client, listed):
    assert panel(editor_client.get("/incidents/").content.decode())[("Tags", "network")][0] == 4
    page = editor_client.get("/incidents/", {"tag": "nothing-has-this"}).content.decode()
    assert 'class="facets"' not in page and "No incidents found." in page
