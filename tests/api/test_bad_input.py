"""Bad input to the API gets a 400 naming the problem, never a 500, and a refused write stores nothing."""

import json

import pytest

from incidents.api.parsers import MAX_DEPTH, nesting_depth
from incidents.models import Incident
from tests.api.test_api import FULL, client_for
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


@pytest.fixture
def editor():
    return client_for("editor", token=True)


@pytest.fixture
def stored(editor):
    """An incident written through the API, and a snapshot of it to compare with after a refused write."""
    response = editor.post(URL, FULL, format="json")
    assert response.status_code == 201
    return response.json()


def snapshot(pk):
    return {key: value for key, value in client_for("admin").get(f"{URL}{pk}/").json().items() if key != "url"}


def nested(depth, leaf="1"):
    return "[" * depth + leaf + "]" * depth


# --- JSON nested too deep ----------------------------------------------------------------------------


@pytest.mark.parametrize("text, depth", [
    ("1", 0), ("[]", 1), ('{"a": [{"b": {}}]}', 4), ('["[[[", "\\"[[", {"x": "]]]"}]', 2),
    ('"unclosed [[[', 0), (nested(5000), 5000),
])
def test_nesting_depth_skips_brackets_in_strings(text, depth):
    assert nesting_depth(text) == depth


@pytest.mark.parametrize("method", ["post", "put", "patch"])
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5_000, 200_000])
def test_json_nested_too_deep_is_a_400_naming_the_limit(editor, stored, method, depth):
    before = snapshot(stored["id"])
    url = URL if method == "post" else f"{URL}{stored['id']}/"
    body = '{"title": "deep", "summary": ' + nested(depth) + "}"
    response = getattr(editor, method)(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": f"JSON parse error - arrays and objects are nested more than {MAX_DEPTH} "
                                         "levels deep."}
    assert Incident.objects.count() == 1 and snapshot(stored["id"]) == before


def test_json_nested_up_to_the_limit_is_parsed(editor):
    # Reaches the serializer, which names the field: the parser let it through.
    response = editor.post(URL, '{"title": "ok", "tags": ' + nested(MAX_DEPTH - 1, '"x"') + "}",
                           content_type="application/json")
    assert response.status_code == 400 and "tags" in response.json()
    assert not Incident.objects.exists()


def test_strings_full_of_brackets_are_not_nesting(editor):
    summary = "[{" * 5_000 + ' \\" ' + "}]" * 5_000
    response = editor.post(URL, {"title": "brackets", "summary": summary}, format="json")
    assert response.status_code == 201 and response.json()["summary"] == summary


def test_other_json_errors_are_still_parse_errors(editor):
    for body in ['{"title": ', '{"title": NaN}', "[" * 10 + '"unclosed']:
        response = editor.post(URL, body, content_type="application/json")
        assert response.status_code == 400 and response.json()["detail"].startswith("JSON parse error - ")
    assert not Incident.objects.exists()


# --- dates the application cannot hold -----------------------------------------------------------------

RANGE = "Enter a date from 1000-01-02 to 9999-12-30."


@pytest.mark.parametrize("params, field", [
    ({"started_after": "0001-01-01T00:00:00+14:00"}, "started_after"),  # year 0 in UTC
    ({"started_after": "0001-01-01"}, "started_after"),  # midnight in Tokyo: year 0 in UTC
    ({"started_after": "0999-12-31T00:00:00Z"}, "started_after"),
    ({"started_before": "9999-12-31T23:59:59-14:00"}, "started_before"),  # year 10000 in UTC
    ({"started_before": "9999-12-31T12:00:00Z", "tag": "dns"}, "started_before"),
])
def test_filter_dates_out_of_range_are_a_400(editor, params, field):
    IncidentFactory()
    response = editor.get(URL, params)
    assert response.status_code == 400 and response.json() == {field: [RANGE]}


def test_filter_dates_at_the_edges_of_the_range_work(editor):
    incident = IncidentFactory()
    response = editor.get(URL, {"started_after": "1000-01-02T00:00:00Z", "started_before": "9999-12-30T23:59:59Z"})
    assert response.status_code == 200 and [i["id"] for i in response.json()["results"]] == [incident.pk]


@pytest.mark.parametrize("q, message", [
    ("after:0001-01-01 dns", f"after:0001-01-01: {RANGE}"),
    ("before:0001-01-01", f"before:0001-01-01: {RANGE}"),
    ("dns after:9999-12-31", f"after:9999-12-31: {RANGE}"),
    ("before:0999-12-31", f"before:0999-12-31: {RANGE}"),
])
def test_search_dates_out_of_range_are_a_400(editor, q, message):
    IncidentFactory(title="dns outage")
    response = editor.get("/api/v1/search/", {"q": q})
    assert response.status_code == 400 and response.json() == {"q": [message]}


def test_malformed_search_dates_are_still_plain_text(editor):
    response = editor.get("/api/v1/search/", {"q": "after:2023-13-45 dns"})
    assert response.status_code == 200


@pytest.mark.parametrize("document, errors", [
    ({"started_at": "0001-01-01T00:00:00Z"}, {"started_at": [RANGE]}),
    ({"started_at": "0001-01-01T00:00:00+14:00"}, {"started_at": [RANGE]}),
    ({"resolved_at": "9999-12-31T23:59:59Z"}, {"resolved_at": [RANGE]}),  # Tokyo: year 10000
    ({"detected_at": "9999-12-31T23:59:59-14:00"}, {"detected_at": [RANGE]}),
    ({"timeline": [{"occurred_at": "0001-01-01T00:00:00Z", "kind": "trigger", "description": "x"}]},
     {"timeline": {"0": {"occurred_at": [RANGE]}}}),
    ({"action_items": [{"title": "x", "due_date": "0001-01-01"}]}, {"action_items": {"0": {"due_date": [RANGE]}}}),
])
def test_incident_dates_out_of_range_are_a_400_and_nothing_changes(editor, stored, document, errors):
    before = snapshot(stored["id"])
    for method, url in (("post", URL), ("patch", f"{URL}{stored['id']}/"), ("put", f"{URL}{stored['id']}/")):
        response = getattr(editor, method)(url, document if method == "patch" else {**FULL, **document}, format="json")
        assert response.status_code == 400 and response.json() == errors, method
    assert Incident.objects.count() == 1 and snapshot(stored["id"]) == before


@pytest.mark.parametrize("document, field", [
    ({"date": "0001-01-01"}, "date"), ({"select_since": "0001-01-01"}, "select_since"),
    ({"select_since": "9999-12-31"}, "select_since"),
])
def test_meeting_dates_out_of_range_are_a_400(editor, document, field):
    response = editor.post("/api/v1/retrospectives/", {"title": "retro", "date": "2024-01-10", **document}, format="json")
    assert response.status_code == 400 and response.json() == {field: [RANGE]}
    assert not editor.get("/api/v1/retrospectives/").json()["results"]

