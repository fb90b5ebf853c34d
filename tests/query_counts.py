"""What tests/web/test_query_counts.py and tests/api/test_query_counts.py share: a measure of one request's
queries, taken on a render (the cache forgotten first), and the comparison of the world of 1 with that of 50."""

from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext


def forget():
    """What the cache keeps (whole answers under their ETags, the list's counts): each measure is of a render."""
    for alias in ("default", "pages"):
        caches[alias].clear()


def queries(client, path):
    """(queries, response) of GET ``path`` rendered; it must answer 200."""
    forget()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured), response


def no_more_with_many(client, few_path, many_path, label, budget, assert_max_queries, grow=None):
    """GET ``few_path`` within ``budget`` queries, then ``many_path`` (after ``grow()`` when given) in no more."""
    queries(client, few_path)  # the session, the caches (severity scale, glossary) warmed
    few, _response = queries(client, few_path)
    assert few <= budget, f"{label} takes {few} queries (budget {budget})"
    if grow:
        grow()
    forget()
    with assert_max_queries(few):
        assert client.get(many_path).status_code == 200
