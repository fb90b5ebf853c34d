"""/api/v1/glossary/: everyone signed in reads, editors write, bad terms are 400s with field errors."""

import pytest
from rest_framework.test import APIClient

from incidents.models import GlossaryEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/glossary/"


def client_for(role):
    client = APIClient()
    client.force_authenticate(UserFactory(username=f"{role}-user", role=role))
    return client


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


def test_viewer_lists_and_filters(entries):
    viewer = client_for("viewer")
    assert keys(viewer.get(URL)) == ["user", "kubernetes", "connection-refused"]  # by category, then key
    assert keys(viewer.get(URL, {"q": "refused"})) == ["connection-refused"]
    assert keys(viewer.get(URL, {"q": "ユーザ"})) == ["user"]
    assert keys(viewer.get(URL, {"q": "ＫＵＢＥ"})) == ["kubernetes"]
    assert keys(viewer.get(URL, {"q": "nothing-like-it"})) == []
    assert keys(viewer.get(URL, {"category": "product"})) == ["kubernetes"]
    assert keys(viewer.get(URL, {"enabled": "false"})) == ["kubernetes"]
    one = viewer.get(URL + "connection-refused/").json()
    assert one["terms"] == ["接続拒否", "connection refused", "ECONNREFUSED"] and one["enabled"] is True


def test_bad_filters_are_400(entries):
    viewer = client_for("viewer")
    assert viewer.get(URL, {"category": "weather"}).status_code == 400
    assert viewer.get(URL, {"enabled": "maybe"}).status_code == 400
    assert viewer.get(URL, {"q": "a\x00b"}).status_code == 400


def test_anonymous_is_401_and_viewer_cannot_write(entries):
    assert APIClient().get(URL).status_code == 401
    viewer = client_for("viewer")
    assert viewer.post(URL, {"key": "x", "category": "symptom", "terms": ["x"]}, format="json").status_code == 403
    assert viewer.patch(URL + "user/", {"enabled": False}, format="json").status_code == 403
    assert viewer.delete(URL + "user/").status_code == 403
    assert GlossaryEntry.objects.get(key="user").enabled


def test_editor_creates_updates_and_deletes(entries):
    editor = client_for("editor")
    created = editor.post(URL, {"key": "deadlock", "category": "symptom",
                                "terms": [" デッドロック ", "相互待ち", "deadlock"]}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["terms"] == ["デッドロック", "相互待ち", "deadlock"]
    assert [e.key for e in GlossaryEntry.objects.expansions(["相互待ち"])] == ["deadlock"]
    changed = editor.patch(URL + "deadlock/", {"terms": ["デッドロック", "deadlock", "dead lock"]}, format="json")
    assert changed.status_code == 200, changed.content
    assert GlossaryEntry.objects.expansions(["相互待ち"]) == []
    replaced = editor.put(URL + "user/", {"key": "user", "category": "component", "terms": ["ユーザ", "user", "利用者"],
                                          "enabled": True}, format="json")
    assert replaced.status_code == 200, replaced.content
    assert editor.delete(URL + "deadlock/").status_code == 204
    assert GlossaryEntry.objects.expansions(["deadlock"]) == []
    assert editor.get(URL + "deadlock/").status_code == 404


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
def test_bad_input_is_400_with_field_errors(entries, change, field):
    document = {"key": "new-entry", "category": "symptom", "terms": ["遅い", "slow"], **change}
    response = client_for("editor").post(URL, document, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not GlossaryEntry.objects.filter(key="new-entry").exists()
