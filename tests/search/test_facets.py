"""Facet counts: of everything a user may see, and of a search's matches, whichever way the backend gets them."""

import pytest

from incidents import search
from incidents.models import Service, Tag, current_glossary
from incidents.search import plan
from incidents.search import backends
from tests.factories import FactorFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(db):
    def incident(title, status, tags, services, categories, severity="sev2"):
        made = IncidentFactory(title=title, status=status, severity=severity)
        made.tags.set([Tag.objects.get_or_create(name=name)[0] for name in tags])
        made.services.set([Service.objects.get_or_create(name=name)[0] for name in services])
        for category in categories:
            FactorFactory(incident=made, category=category)

    incident("disk full on the primary", "published", ["disk", "database"], ["Payment API"], ["capacity"], "sev1")
    incident("disk latency", "published", ["disk"], ["nginx"], ["dependency", "capacity"])
    incident("disk secrets", "draft", ["disk", "secret"], ["vault"], ["change"])
    incident("certificate expired", "published", ["tls"], ["nginx"], ["process"])
    search.rebuild(procs=1)


def test_facets_of_everything_a_user_may_see(corpus, viewer, editor):
    seen = search.facets(viewer)
    assert seen["tags"] == {"disk": 2, "database": 1, "tls": 1}
    assert seen["services"] == {"Payment API": 1, "nginx": 2}
    assert seen["status"] == {"published": 3} and seen["severity"] == {"sev1": 1, "sev2": 2}
    assert seen["categories"] == {"capacity": 2, "dependency": 1, "process": 1}
    assert sum(seen["year"].values()) == 3
    assert search.facets(editor)["tags"] == {"disk": 3, "database": 1, "tls": 1, "secret": 1}


def test_facets_of_a_search_are_the_same_after_its_run_or_alone(corpus, viewer):
    results = search.search("disk", viewer, page_size=1, with_facets=True)
    assert results.count == 2 and len(results.hits) == 1
    assert results.facets["tags"] == {"disk": 2, "database": 1}
    assert results.facets["categories"] == {"capacity": 2, "dependency": 1}
    assert results.top_facets(1)["categories"] == [("capacity", 2)]
    assert search.search("disk", viewer).facets == {}  # only when asked
    # the backend counts the same without the run it otherwise reuses (and with another searcher)
    the_plan = plan.build(search.parse("disk"), glossary=current_glossary())
    node, mask = the_plan.query(the_plan.passes[0][0]), plan.hidden_from(viewer)
    backends.forget()
    assert search._named(backends.current().facets(mask, node)) == results.facets
    # an index change is seen by the next count
    IncidentFactory(title="disk again", status="published").tags.set([Tag.objects.get(name="tls")])
    search.rebuild(procs=1)
    assert search.search("disk", viewer, with_facets=True).facets["tags"] == {"disk": 2, "database": 1, "tls": 1}
