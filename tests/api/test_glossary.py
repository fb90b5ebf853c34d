"""/api/v1/glossary/: everyone signed in reads, editors write, bad terms are 400s with field errors."""

import pytest
from rest_framework.test import APIClient

from incidents.models import GlossaryEntry

pytestmark = pytest.mark.django_db

URL = "/api/v1/glossary/"


@pytest.fixture
def entries(db):
    GlossaryEntry.objects.all().delete()
    GlossaryEntry.objects.create(key="connection-refused", category="symptom",
                                 terms=["接続拒否", "connection refused", "ECONNREFUSED"])
    GlossaryEntry.objects.create(key="user", category="component", terms=["ユーザー", "user"])
    GlossaryEntry.objects.create(key="kubernetes", category="product", terms=["Kubernetes", "k8s"], enabled=False)


def keys(response):
    assert response.status_code == 200, response.content
    return [entry["key"] for entry in response.json()["results"]]


def test_viewer_lists_and_filters(entries, viewer_api):
    assert keys(viewer_api.get(URL)) == ["user", "kubernetes", "connection-refused"]  # by category, then key
    assert keys(viewer_api.get(URL, {"q": "refused"})) == ["connection-refused"]
    assert keys(viewer_api.get(URL, {"q": "ユーザ"})) == ["user"]
    assert keys(viewer_api.get(URL, {"q": "ＫＵＢＥ"})) == ["kubernetes"]
    assert keys(viewer_api.get(URL, {"q": "nothing-like-it"})) == []
    assert keys(viewer_api.get(URL, {"category": "product"})) == ["kubernetes"]
    assert keys(viewer_api.get(URL, {"enabled": "false"})) == ["kubernetes"]
    one = viewer_api.get(URL + "connection-refused/").json()
    assert one["terms"] == ["接続拒否", "connection refused", "ECONNREFUSED"] and one["enabled"] is True


def test_bad_filters_are_400(entries, viewer_api):
    for params, errors in [({"category": "weather"}, {"category": ['"weather" is not a valid choice.']}),
                           ({"enabled": "maybe"}, {"enabled": ["Must be a valid boolean."]}),
                           ({"q": "a\x00b"}, {"q": ["Null characters are not allowed."]})]:
        response = viewer_api.get(URL, params)
        assert (response.status_code, response.json()) == (400, errors)


def test_anonymous_is_401_and_viewer_cannot_write(entries, viewer_api):
    assert APIClient().get(URL).status_code == 401
    assert viewer_api.post(URL, {"key": "x", "category": "symptom", "terms": ["x"]}, format="json").status_code == 403
    assert viewer_api.patch(URL + "user/", {"enabled": False}, format="json").status_code == 403
    assert viewer_api.delete(URL + "user/").status_code == 403
    assert GlossaryEntry.objects.get(key="user").enabled


def test_editor_creates_updates_and_deletes(entries, editor_api):
    created = editor_api.post(URL, {"key": "deadlock", "category": "symptom",
                                    "terms": [" デッドロック ", "相互待ち", "deadlock"]}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["terms"] == ["デッドロック", "相互待ち", "deadlock"]
    assert [e.key for e in GlossaryEntry.objects.expansions(["相互待ち"])] == ["deadlock"]
    changed = editor_api.patch(URL + "deadlock/", {"terms": ["デッドロック", "deadlock", "dead lock"]}, format="json")
    assert changed.status_code == 200, changed.content
    assert GlossaryEntry.objects.expansions(["相互待ち"]) == []
    replaced = editor_api.put(URL + "user/", {"key": "user", "category": "component", "terms": ["ユーザ", "user", "利用者"],
                                              "enabled": True}, format="json")
    assert replaced.status_code == 200, replaced.content
    assert editor_api.delete(URL + "deadlock/").status_code == 204
    assert GlossaryEntry.objects.expansions(["deadlock"]) == []
    assert editor_api.get(URL + "deadlock/").status_code == 404


@pytest.mark.parametrize("change, field", [
    ({"terms": []}, "terms"),
    ({"terms": ["ok", ""]}, "terms"),
    ({"terms": ["x" * 101]}, "terms"),
    ({"terms": ["Timeout", "timeout"]}, "terms"),
    ({"terms": ["サーバー", "サーバ"]}, "terms"),
    ({"terms": "timeout"}, "terms"),
    ({"terms": [True]}, "terms"),
    ({"terms": [["nested"]]}, "terms"),
    ({"category": "weather"}, "category"),
    ({"key": "not a slug"}, "key"),
    ({"key": "user"}, "key"),  # taken
])
def test_bad_input_is_400_with_field_errors(entries, change, field, editor_api):
    document = {"key": "new-entry", "category": "symptom", "terms": ["遅い", "slow"], **change}
    response = editor_api.post(URL, document, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not GlossaryEntry.objects.filter(key="new-entry").exists()
