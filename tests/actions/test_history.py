"""incidents.actions.history.writable: a stored revision's document as save_incident's input — every field
but the status, label names, the authors who still exist, each child with its own fields only (and its id
while the incident still has that row), and the factors with their references and links."""

import pytest

from incidents.actions.history import writable
from incidents.models.history import SCALARS
from tests.factories import FactorFactory, IncidentFactory, LessonFactory, UserFactory

pytestmark = pytest.mark.django_db


def document():
    scalars = {name: f"{name} value" for name in SCALARS}
    return {
        **scalars, "id": 7, "version": 3, "reviewers": ["carol"],
        "tags": ("dns", "cache"), "services": ("api",), "authors": ["alice", "gone", "bob"],
        "timeline": [{"occurred_at": "2026-11-01T09:00:00Z", "kind": "trigger", "description": "d", "source": "",
                      "id": 1}],
        "factors": [{"ref": "f1", "category": "defect", "description": "one", "leads_to": ("f2",), "id": 2},
                    {"ref": "f2", "category": "process", "description": "two", "leads_to": [], "id": 3}],
        "lessons": [{"kind": "went_well", "text": "alerts fired", "id": 4}],
        "action_items": [{"title": "t", "kind": "prevent", "status": "open", "owner": "o", "due_date": None,
                          "url": "", "tracker": "", "id": 5, "link_note": "x"}],
        "links": [{"url": "https://example.com", "relation": "doc", "title": "Doc", "id": 6}],
    }


def test_a_revision_is_written_back_without_its_status_ids_or_departed_authors():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    data = writable(document())
    assert {name: data[name] for name in SCALARS if name != "status"} == {
        name: f"{name} value" for name in SCALARS if name != "status"}
    assert "status" not in data and "reviewers" not in data and "id" not in data and "version" not in data
    assert (data["tags"], data["services"]) == (["dns", "cache"], ["api"])
    assert sorted(data["authors"], key=lambda user: user.username) == [alice, bob]
    assert data["timeline"] == [{"occurred_at": "2026-11-01T09:00:00Z", "kind": "trigger", "description": "d",
                                 "source": ""}]
    assert data["factors"] == [
        {"category": "defect", "description": "one", "ref": "f1", "leads_to": ["f2"]},
        {"category": "process", "description": "two", "ref": "f2", "leads_to": []},
    ]
    assert data["lessons"] == [{"kind": "went_well", "text": "alerts fired"}]
    assert data["action_items"] == [{"title": "t", "kind": "prevent", "status": "open", "owner": "o", "due_date": None,
                                     "url": "", "tracker": ""}]
    assert data["links"] == [{"url": "https://example.com", "relation": "doc", "title": "Doc"}]


def test_rows_the_incident_still_has_keep_their_ids_deleted_ones_come_back_as_new_rows():
    incident = IncidentFactory()
    lesson, factor = LessonFactory(incident=incident), FactorFactory(incident=incident)
    stored = document()
    stored["lessons"] = [{**stored["lessons"][0], "id": lesson.pk}, {"kind": "lucky", "text": "gone since", "id": 9999}]
    stored["factors"][0]["id"], stored["factors"][1]["id"] = factor.pk, 99998  # deleted since
    stored["timeline"][0]["id"] = 99999
    data = writable(stored, incident)
    assert [row.get("id") for row in data["lessons"]] == [lesson.pk, None]
    assert [row.get("id") for row in data["factors"]] == [factor.pk, None]
    assert [row.get("id") for row in data["timeline"]] == [None]
