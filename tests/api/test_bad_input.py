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
