"""Every API endpoint reads an incident's children in a fixed number of queries, and a list in a fixed number
whatever its length: each is asked for in the world of 1 child (or 1 incident) and in the world of 50
(``children_corpus``, tests/conftest.py), as an admin and as a viewer, and the second may not take more queries
than the first. BUDGET is what the first took when this was written (tests/web/test_query_counts.py for
pages)."""

import pytest

from tests.query_counts import no_more_with_many, queries

EVERYONE = ("admin", "viewer")
API = "/api/v1"


def incident(world):
    return f"{API}/incidents/{world.incident.pk}"


# name: (path in a world, who asks, the most queries it may take)
ENDPOINTS = {
    "incident": (lambda w: f"{incident(w)}/", EVERYONE, 20),  # + the ETag's stamp
    "list": (lambda w: f"{API}/incidents/?tag={w.tag}&page_size=50", EVERYONE, 20),
    "similar": (lambda w: f"{incident(w)}/similar/", EVERYONE, 10),
    "export-md": (lambda w: f"{incident(w)}/export/?format=md", EVERYONE, 22),
    "comments": (lambda w: f"{incident(w)}/comments/", EVERYONE, 6),
    "attachments": (lambda w: f"{incident(w)}/attachments/", EVERYONE, 5),
    "reviews": (lambda w: f"{incident(w)}/reviews/", EVERYONE, 5),
    "revisions": (lambda w: f"{incident(w)}/revisions/", EVERYONE, 5),
    "revision": (lambda w: f"{incident(w)}/revisions/{max(w.n, 2)}/", EVERYONE, 19),  # one with a previous one
    "search": (lambda w: f"{API}/search/?q={w.word}&page_size=50", EVERYONE, 12),
    "retrospective": (lambda w: f"{API}/retrospectives/{w.meeting.pk}/", EVERYONE, 5),
    "incident-type": (lambda w: f"{API}/incident-types/{w.type.key}/", EVERYONE, 3),
}

CASES = [pytest.param(name, role, id=f"{name}-{role}") for name, (_path, roles, _budget) in ENDPOINTS.items()
         for role in roles]


@pytest.mark.parametrize("name, role", CASES)
def test_an_endpoint_takes_as_many_queries_with_50_children_as_with_1(children, api_as, name, role,
                                                                       django_assert_max_num_queries):
    make_path, _roles, budget = ENDPOINTS[name]
    api = api_as(getattr(children, role))
    no_more_with_many(api, make_path(children.one), make_path(children.many), f"{name} as {role}", budget,
                      django_assert_max_num_queries)


def test_the_worlds_differ_where_it_counts(children, api_as):
    """The many world's answers do hold 50 of everything (else the comparison above proves nothing)."""
    api = api_as(children.admin)
    document = api.get(f"{incident(children.many)}/").json()
    assert all(len(document[key]) == 50 for key in ("timeline", "factors", "lessons", "action_items", "links", "tags",
                                                     "services", "authors", "members", "reviews", "fields"))
    assert len(api.get(f"{incident(children.many)}/comments/").json()) == 50
    assert len(api.get(f"{incident(children.many)}/revisions/").json()) == 50
    assert api.get(f"{API}/incidents/?tag={children.many.tag}&page_size=50").json()["count"] == 50


# Endpoints listing a whole table: (path, who, the table 50 more rows are added to (tests.factories.fifty_more), budget)
TABLES = {
    "users": (f"{API}/users/?page_size=100", ("admin",), "users", 6),
    "audit": (f"{API}/audit/?page_size=100", ("admin",), "audit", 5),
    "retrospectives": (f"{API}/retrospectives/?page_size=100", EVERYONE, "meetings", 6),
    "incident-types": (f"{API}/incident-types/", EVERYONE, "types", 3),
    "tags": (f"{API}/tags/", EVERYONE, "labels", 4),
    "services": (f"{API}/services/", EVERYONE, "labels", 4),
}


@pytest.mark.parametrize("name, role", [pytest.param(name, role, id=f"{name}-{role}") for name, (_p, roles, *_r)
                                        in TABLES.items() for role in roles])
def test_a_whole_table_takes_as_many_queries_with_50_more_rows(children, api_as, name, role,
                                                               django_assert_max_num_queries):
    from tests.factories import fifty_more

    path, _roles, table, budget = TABLES[name]
    api = api_as(getattr(children, role))
    no_more_with_many(api, path, path, f"{name} as {role}", budget, django_assert_max_num_queries,
                      grow=lambda: fifty_more(table, children.one.incident))


# Endpoints whose queries depend on no incident's children: only their budgets.
FIXED = {
    "incidents": (f"{API}/incidents/", EVERYONE, 20),
    "patterns": (f"{API}/patterns/", EVERYONE, 13),
    "severities": (f"{API}/severities/", EVERYONE, 2),
    "glossary": (f"{API}/glossary/", EVERYONE, 3),
    "user": (f"{API}/users/viewer/", ("admin",), 5),
}


@pytest.mark.parametrize("name, role", [pytest.param(name, role, id=f"{name}-{role}") for name, (_p, roles, _b)
                                        in FIXED.items() for role in roles])
def test_an_endpoint_keeps_to_its_budget(children, api_as, name, role):
    path, _roles, budget = FIXED[name]
    api = api_as(getattr(children, role))
    queries(api, path)
    few, _response = queries(api, path)
    assert few <= budget, f"{name} takes {few} queries as {role} (budget {budget})"
