"""Bad input to the API gets a 400 naming the problem, never a 500, and a refused write stores nothing."""


import pytest

from incidents import search
from incidents.api.parsers import MAX_DEPTH, nesting_depth
from incidents.models import Incident
from tests.api.test_serializers import FULL
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


@pytest.fixture
def stored(editor_api, reviewer):
    """An incident written through the API (FULL names the reviewer), to compare with after a refused write."""
    response = editor_api.post(URL, FULL, format="json")
    assert response.status_code == 201
    return response.json()


@pytest.fixture
def snapshot(api_as, user):
    """snapshot(pk): the incident as an admin reads it through the API, to compare before and after a refused write."""
    admin = api_as(user("admin"))
    return lambda pk: {key: value for key, value in admin.get(f"{URL}{pk}/").json().items() if key != "url"}


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
def test_json_nested_too_deep_is_a_400_naming_the_limit(editor_api, stored, method, depth, snapshot):
    before = snapshot(stored["id"])
    url = URL if method == "post" else f"{URL}{stored['id']}/"
    body = '{"title": "deep", "summary": ' + nested(depth) + "}"
    response = getattr(editor_api, method)(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": f"JSON parse error - arrays and objects are nested more than {MAX_DEPTH} "
                                         "levels deep."}
    assert Incident.objects.count() == 1 and snapshot(stored["id"]) == before


def test_json_nested_up_to_the_limit_is_parsed(editor_api):
    # Reaches the serializer, which names the field: the parser let it through.
    response = editor_api.post(URL, '{"title": "ok", "tags": ' + nested(MAX_DEPTH - 1, '"x"') + "}",
                               content_type="application/json")
    assert response.status_code == 400 and "tags" in response.json()
    assert not Incident.objects.exists()


def test_strings_full_of_brackets_are_not_nesting(editor_api):
    summary = "[{" * 5_000 + ' \\" ' + "}]" * 5_000
    response = editor_api.post(URL, {"title": "brackets", "summary": summary}, format="json")
    assert response.status_code == 201 and response.json()["summary"] == summary


def test_other_json_errors_are_still_parse_errors(editor_api):
    for body in ['{"title": ', '{"title": NaN}', "[" * 10 + '"unclosed']:
        response = editor_api.post(URL, body, content_type="application/json")
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
def test_filter_dates_out_of_range_are_a_400(editor_api, params, field):
    IncidentFactory()
    response = editor_api.get(URL, params)
    assert response.status_code == 400 and response.json() == {field: [RANGE]}


def test_filter_dates_at_the_edges_of_the_range_work(editor_api):
    incident = IncidentFactory()
    response = editor_api.get(URL, {"started_after": "1000-01-02T00:00:00Z", "started_before": "9999-12-30T23:59:59Z"})
    assert response.status_code == 200 and [i["id"] for i in response.json()["results"]] == [incident.pk]


def test_a_filter_time_with_an_offset_postgresql_cannot_hold_is_compared_in_utc(editor_api):
    incident = IncidentFactory()  # started a day ago
    # -18:31 is a valid ISO 8601 offset that PostgreSQL refuses (it holds ±15:59): found by schemathesis, a 500
    response = editor_api.get(URL, {"started_before": "7396-08-06T20:23:42.909-18:31"})
    assert response.status_code == 200 and [i["id"] for i in response.json()["results"]] == [incident.pk]
    response = editor_api.get(URL, {"started_after": "2000-01-01T00:00:00+23:59"})
    assert response.status_code == 200 and [i["id"] for i in response.json()["results"]] == [incident.pk]


@pytest.mark.parametrize("q, message", [
    ("after:0001-01-01 dns", f"after:0001-01-01: {RANGE}"),
    ("before:0001-01-01", f"before:0001-01-01: {RANGE}"),
    ("dns after:9999-12-31", f"after:9999-12-31: {RANGE}"),
    ("before:0999-12-31", f"before:0999-12-31: {RANGE}"),
])
def test_search_dates_out_of_range_are_a_400(editor_api, q, message):
    IncidentFactory(title="dns outage")
    response = editor_api.get("/api/v1/search/", {"q": q})
    assert response.status_code == 400 and response.json() == {"q": [message]}


def test_malformed_search_dates_are_still_plain_text(editor_api, django_capture_on_commit_callbacks):
    parsed = search.parse("after:2023-13-45 dns")  # the word is kept, not dropped and not a date filter
    assert parsed.words == ["after:2023-13-45", "dns"] and parsed.after is None and not parsed.problems
    with django_capture_on_commit_callbacks(execute=True):  # indexed
        IncidentFactory(title="dns outage", status="published")
    response = editor_api.get("/api/v1/search/", {"q": "after:2023-13-45 dns"})
    # no incident has the word: the answer says it fell back to any word (dropping it would not)
    assert response.status_code == 200 and response.json()["fallback"] is True
    assert [hit["title"] for hit in response.json()["results"]] == ["dns outage"]


@pytest.mark.parametrize("document, errors", [
    ({"started_at": "0001-01-01T00:00:00Z"}, {"started_at": [RANGE]}),
    ({"started_at": "0001-01-01T00:00:00+14:00"}, {"started_at": [RANGE]}),
    ({"resolved_at": "9999-12-31T23:59:59Z"}, {"resolved_at": [RANGE]}),  # Tokyo: year 10000
    ({"detected_at": "9999-12-31T23:59:59-14:00"}, {"detected_at": [RANGE]}),
    ({"timeline": [{"occurred_at": "0001-01-01T00:00:00Z", "kind": "trigger", "description": "x"}]},
     {"timeline": {"0": {"occurred_at": [RANGE]}}}),
    ({"action_items": [{"title": "x", "due_date": "0001-01-01"}]}, {"action_items": {"0": {"due_date": [RANGE]}}}),
])
def test_incident_dates_out_of_range_are_a_400_and_nothing_changes(editor_api, stored, document, errors, snapshot):
    before = snapshot(stored["id"])
    for method, url in (("post", URL), ("patch", f"{URL}{stored['id']}/"), ("put", f"{URL}{stored['id']}/")):
        response = getattr(editor_api, method)(url, document if method == "patch" else {**FULL, **document}, format="json")
        assert response.status_code == 400 and response.json() == errors, method
    assert Incident.objects.count() == 1 and snapshot(stored["id"]) == before


@pytest.mark.parametrize("document, field", [
    ({"date": "0001-01-01"}, "date"), ({"select_since": "0001-01-01"}, "select_since"),
    ({"select_since": "9999-12-31"}, "select_since"),
])
def test_meeting_dates_out_of_range_are_a_400(editor_api, document, field):
    response = editor_api.post("/api/v1/retrospectives/", {"title": "retro", "date": "2024-01-10", **document}, format="json")
    assert response.status_code == 400 and response.json() == {field: [RANGE]}
    assert not editor_api.get("/api/v1/retrospectives/").json()["results"]


# --- NUL characters --------------------------------------------------------------------------------------

NUL = "Null characters are not allowed."


@pytest.mark.parametrize("document, errors", [
    ({"title": "a\x00b"}, {"title": [NUL]}),
    ({"summary": "\x00"}, {"summary": [NUL]}),
    ({"impact": "x\x00"}, {"impact": [NUL]}),
    ({"analysis": "x\x00"}, {"analysis": [NUL]}),
    ({"resolution": "x\x00"}, {"resolution": [NUL]}),
    ({"tags": ["dns", "a\x00"]}, {"tags": {"1": [NUL]}}),
    ({"services": ["a\x00"]}, {"services": {"0": [NUL]}}),
    ({"timeline": [{"occurred_at": "2022-08-06T01:00:00Z", "kind": "trigger", "description": "x\x00"}]},
     {"timeline": {"0": {"description": [NUL]}}}),
    ({"timeline": [{"occurred_at": "2022-08-06T01:00:00Z", "kind": "trigger", "description": "x", "source": "\x00"}]},
     {"timeline": {"0": {"source": [NUL]}}}),
    ({"factors": [{"category": "defect", "description": "x\x00"}]}, {"factors": {"0": {"description": [NUL]}}}),
    ({"factors": [{"ref": "a\x00", "category": "defect", "description": "x"}]}, {"factors": {"0": {"ref": [NUL]}}}),
    ({"factors": [{"ref": "a", "category": "defect", "description": "x", "leads_to": ["b\x00"]}]},
     {"factors": {"0": {"leads_to": {"0": [NUL]}}}}),
    ({"lessons": [{"kind": "lucky", "text": "x\x00"}]}, {"lessons": {"0": {"text": [NUL]}}}),
    ({"action_items": [{"title": "x\x00"}]}, {"action_items": {"0": {"title": [NUL]}}}),
    ({"action_items": [{"title": "x", "owner": "o\x00"}]}, {"action_items": {"0": {"owner": [NUL]}}}),
    ({"action_items": [{"title": "x", "url": "https://example.com/\x00"}]}, {"action_items": {"0": {"url": [NUL]}}}),
    ({"links": [{"url": "https://example.com/", "title": "x\x00"}]}, {"links": {"0": {"title": [NUL]}}}),
    ({"links": [{"url": "https://example.com/\x00"}]}, {"links": {"0": {"url": [NUL]}}}),
])
def test_nul_characters_anywhere_in_the_document_are_a_400_naming_the_field(editor_api, stored, document, errors, snapshot):
    before = snapshot(stored["id"])
    for method, url in (("post", URL), ("patch", f"{URL}{stored['id']}/"), ("put", f"{URL}{stored['id']}/")):
        response = getattr(editor_api, method)(url, document if method == "patch" else {**FULL, **document}, format="json")
        assert response.status_code == 400 and response.json() == errors, method
    assert Incident.objects.count() == 1 and snapshot(stored["id"]) == before


def test_nul_in_an_author_name_is_a_400(editor_api, stored):
    response = editor_api.patch(f"{URL}{stored['id']}/", {"authors": ["a\x00"]}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["authors"]


@pytest.mark.parametrize("url, errors", [
    ("/api/v1/search/?q=dns%00", {"q": [NUL]}),
    ("/api/v1/search/?q=dns&tag=a%00", {"tag": {"0": [NUL]}}),
    (f"{URL}?tag=a%00", {"tag": ["A name is at most 100 characters, without NUL characters."]}),
    (f"{URL}?service=a%00", {"service": ["A name is at most 100 characters, without NUL characters."]}),
    (f"{URL}?github=a%00/b%231", {"github": ["Use OWNER/REPO#N or a GitHub issue or pull request URL."]}),
    (f"{URL}?github=https://github.com/a%00/b/issues/1",
     {"github": ["Use OWNER/REPO#N or a GitHub issue or pull request URL."]}),
    (f"{URL}?started_after=2023-01-01%00", {"started_after": ["Enter a valid date/time."]}),
    (f"{URL}?status=%00", {"status": ["Select a valid choice. \x00 is not one of the available choices."]}),
])
def test_nul_characters_in_parameters_are_a_400(editor_api, url, errors):
    IncidentFactory(title="dns outage")
    response = editor_api.get(url)
    assert response.status_code == 400 and response.json() == errors


# --- invalid UTF-8 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b'{"title": "\xff"}', b"\xff\xfe", b'{"title": "\xed\xa0\x80"}',
                                  b'{"title": "ok", "tags": ["\xc3"]}'])
def test_invalid_utf8_in_a_json_body_is_a_400(editor_api, stored, body, snapshot):
    before = snapshot(stored["id"])
    for method, url in (("POST", URL), ("PATCH", f"{URL}{stored['id']}/"), ("PUT", f"{URL}{stored['id']}/")):
        response = editor_api.generic(method, url, body, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["detail"].startswith("JSON parse error - 'utf-8' codec can't decode byte")
    assert Incident.objects.count() == 1 and snapshot(stored["id"]) == before


def test_escaped_lone_surrogates_are_a_400(editor_api):
    response = editor_api.post(URL, b'{"title": "\\ud800", "tags": ["\\udfff"]}', content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"title": ["Surrogate characters are not allowed: U+D800."],
                               "tags": {"0": ["Surrogate characters are not allowed: U+DFFF."]}}
    assert not Incident.objects.exists()


def test_invalid_utf8_in_query_strings_is_read_with_replacement_characters(editor_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # indexed
        IncidentFactory(title="dns outage")
    # Read with U+FFFD: a query of that alone lists everything (like an empty one), "dns" + U+FFFD still finds
    # the incident, and a bad tag filters on that tag (nothing has it) rather than being dropped.
    expected = {"/api/v1/search/?q=%ff": 1, "/api/v1/search/?q=dns%ff": 1, "/api/v1/search/?q=dns&tag=%ff": 0,
                f"{URL}?tag=%ff": 0}
    for url, count in expected.items():
        response = editor_api.get(url)
        assert (response.status_code, response.json()["count"]) == (200, count), url
    response = editor_api.get(f"{URL}?github=%ff")
    assert response.status_code == 400
    assert response.json() == {"github": ["Use OWNER/REPO#N or a GitHub issue or pull request URL."]}
    response = editor_api.get("/api/v1/search/?q=dns%ED%A0%80")
    assert response.status_code == 200 and response.json()["count"] == 1  # read as dns + U+FFFD
