"""Every page reads an incident's children (timeline, factors and their causes, lessons, action items, links and
their GitHub references, comments, attachments, tags, services, people, reviews, custom fields, revisions) in a
fixed number of queries, and a list in a fixed number whatever its length: each page is asked for in the world
of 1 child (or 1 incident) and in the world of 50 (``children_corpus``, tests/conftest.py), as an admin and as
a viewer, and the second may not take more queries than the first. BUDGET is what the first took when this was
written: a page that needs more now says so here (raise it knowingly)."""

import pytest

from tests.query_counts import no_more_with_many, queries

EDITORS = ("admin", "editor")
EVERYONE = ("admin", "viewer")


def ref(world):
    return world.incident.reference


# name: (path in a world, who may see the page, the most queries it may take)
PAGES = {
    "incident": (lambda w: f"/incidents/{ref(w)}/", EVERYONE, 36),
    "edit": (lambda w: f"/incidents/{ref(w)}/edit/", EDITORS, 19),
    "history": (lambda w: f"/incidents/{ref(w)}/history/", EVERYONE, 15),
    "restore": (lambda w: f"/incidents/{ref(w)}/history/1/restore/?version={w.incident.version}", EDITORS, 19),
    "export-md": (lambda w: f"/incidents/{ref(w)}/export.md", EVERYONE, 24),
    "export-zip": (lambda w: f"/incidents/{ref(w)}/export.zip", EVERYONE, 24),
    "attachments": (lambda w: f"/incidents/{ref(w)}/attachments/", EDITORS, 7),
    "mentionable": (lambda w: f"/incidents/{ref(w)}/mentionable/?q=person", EVERYONE, 36),
    "list": (lambda w: f"/incidents/?tag={w.tag}", EVERYONE, 15),  # + the change log's head (the kept counts)
    "search": (lambda w: f"/incidents/?q={w.word}", EVERYONE, 16),
    "patterns": (lambda w: f"/patterns/?tag={w.tag}", EVERYONE, 16),
    "action-items": (lambda w: f"/action-items/?tag={w.tag}", EVERYONE, 8),
    "retrospective": (lambda w: f"/retrospectives/{w.meeting.pk}/", EVERYONE, 7),
    "retrospective-edit": (lambda w: f"/retrospectives/{w.meeting.pk}/edit/", EDITORS, 5),
    "type-settings": (lambda w: f"/settings/types/{w.type.key}/", ("admin",), 7),
}

CASES = [pytest.param(name, role, id=f"{name}-{role}") for name, (_path, roles, _budget) in PAGES.items()
         for role in roles]


@pytest.mark.parametrize("name, role", CASES)
def test_a_page_takes_as_many_queries_with_50_children_as_with_1(children, client_as, name, role,
                                                                   django_assert_max_num_queries):
    make_path, _roles, budget = PAGES[name]
    client = client_as(getattr(children, role))
    no_more_with_many(client, make_path(children.one), make_path(children.many), f"{name} as {role}", budget,
                      django_assert_max_num_queries)


def test_the_worlds_differ_where_it_counts(children, client_as):
    """The many world's pages do show 50 of everything (else the comparison above proves nothing)."""
    client = client_as(children.admin)
    page = client.get(f"/incidents/{ref(children.many)}/").content.decode()
    assert all(f"factor {i}" in page and f"lesson {i}" in page and f"action {i}" in page for i in (0, 49))
    assert "log49.txt" in page and "comment 49" in page
    history = client.get(f"/incidents/{ref(children.many)}/history/").content.decode()
    assert "Big many (49)" in history and "Big many (50)" not in history
    listed = client.get(f"/incidents/?tag={children.many.tag}").content.decode()
    assert listed.count("osprey ") >= 25


# Pages listing a whole table: (path, who, the table 50 more rows are added to (tests.factories.fifty_more), budget)
TABLES = {
    "people": ("/people/", ("admin",), "users", 6),
    "audit": ("/people/audit/", ("admin",), "audit", 6),
    "retrospectives": ("/retrospectives/", EVERYONE, "meetings", 6),
    "types": ("/settings/types/", ("admin",), "types", 5),
}


@pytest.mark.parametrize("name, role", [pytest.param(name, role, id=f"{name}-{role}") for name, (_p, roles, *_r)
                                        in TABLES.items() for role in roles])
def test_a_whole_table_takes_as_many_queries_with_50_more_rows(children, client_as, name, role,
                                                               django_assert_max_num_queries):
    from tests.factories import fifty_more

    path, _roles, table, budget = TABLES[name]
    client = client_as(getattr(children, role))
    no_more_with_many(client, path, path, f"{name} as {role}", budget, django_assert_max_num_queries,
                      grow=lambda: fifty_more(table, children.one.incident))


# Pages whose queries depend on no incident's children: only their budgets.
FIXED = {
    "incidents": ("/incidents/", EVERYONE, 16),
    "patterns-all": ("/patterns/", EVERYONE, 15),
    "action-items-all": ("/action-items/", EVERYONE, 8),
    "new-incident": ("/incidents/new/", EDITORS, 9),
    "new-retrospective": ("/retrospectives/new/", EDITORS, 4),
    "import": ("/incidents/import/", EDITORS, 4),
    "severities": ("/settings/severities/", ("admin",), 6),
    "search-gaps": ("/search/gaps/", ("admin",), 5),
    "search-glossary": ("/search/gaps/glossary/", ("admin",), 5),
    "slack-settings": ("/people/slack/", ("admin",), 8),
    "notifications": ("/accounts/notifications/", EVERYONE, 5),
    "token": ("/accounts/token/", EVERYONE, 5),
    "severities-css": ("/severities.css", EVERYONE, 2),
    "healthz": ("/healthz", ("viewer",), 5),
}


@pytest.mark.parametrize("name, role", [pytest.param(name, role, id=f"{name}-{role}") for name, (_p, roles, _b)
                                        in FIXED.items() for role in roles])
def test_a_page_keeps_to_its_budget(children, client_as, name, role):
    path, _roles, budget = FIXED[name]
    client = client_as(getattr(children, role))
    queries(client, path)
    few, _response = queries(client, path)
    assert few <= budget, f"{name} takes {few} queries as {role} (budget {budget})"
