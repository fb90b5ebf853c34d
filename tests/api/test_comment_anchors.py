"""Comments on a row of the write-up through the API: ``anchor`` names a timeline event, a factor or an action
item of this incident (any other row, or another incident's, is a 400 naming the field); the thread (the
comments on one row) is resolved and reopened with ``resolved``; a deleted row leaves its comments in the
general discussion."""

import pytest

from tests.factories import ActionItemFactory, FactorFactory, IncidentFactory, TimelineEventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident():
    return IncidentFactory(status="published", title="DNS outage")


def url(incident, comment=None):
    return f"/api/v1/incidents/{incident.pk}/comments/" + (f"{comment}/" if comment else "")


@pytest.mark.parametrize("kind, make", [("timeline", TimelineEventFactory), ("factor", FactorFactory),
                                        ("action_item", ActionItemFactory)])
def test_a_comment_on_a_row(viewer_api, incident, kind, make):
    row = make(incident=incident)
    response = viewer_api.post(url(incident), {"body": "why here?", "anchor": {"type": kind, "id": row.pk}}, format="json")
    assert response.status_code == 201
    answer = response.json()
    assert answer["anchor"] == {"type": kind, "id": row.pk} and answer["resolved"] is False
    assert viewer_api.get(url(incident, answer["id"])).json()["anchor"] == {"type": kind, "id": row.pk}


@pytest.mark.parametrize("anchor, error", [
    ({"type": "timeline", "id": 999999}, "This incident has no such row."),
    ({"type": "lesson", "id": 1}, '"lesson" is not a valid choice.'),
    ({"type": "factor"}, "This field is required."),
    ("timeline", "Invalid data. Expected a dictionary, but got str."),
])
def test_a_bad_anchor_is_a_400(viewer_api, incident, anchor, error):
    response = viewer_api.post(url(incident), {"body": "x", "anchor": anchor}, format="json")
    assert response.status_code == 400
    assert error in str(response.json()["anchor"])
    assert not incident.comments.exists()


def test_another_incidents_row_is_a_400(viewer_api, incident):
    elsewhere = TimelineEventFactory(incident=IncidentFactory(status="published"))
    response = viewer_api.post(url(incident), {"body": "x", "anchor": {"type": "timeline", "id": elsewhere.pk}},
                               format="json")
    assert response.status_code == 400 and response.json() == {"anchor": ["This incident has no such row."]}


def test_resolve_and_reopen_a_thread(viewer_api, editor_api, api_as, user, incident):
    row = TimelineEventFactory(incident=incident)
    anchor = {"type": "timeline", "id": row.pk}
    first = viewer_api.post(url(incident), {"body": "why?", "anchor": anchor}, format="json").json()
    editor_api.post(url(incident), {"body": "because", "anchor": anchor}, format="json")
    other = api_as(user("viewer", username="other"))
    refused = other.patch(url(incident, first["id"]), {"resolved": True}, format="json")
    assert refused.status_code == 403
    resolved = editor_api.patch(url(incident, first["id"]), {"resolved": True}, format="json")
    assert resolved.status_code == 200 and resolved.json()["resolved"] is True
    assert [c["resolved"] for c in viewer_api.get(url(incident)).json()] == [True, True]  # the whole thread
    reopened = viewer_api.patch(url(incident, first["id"]), {"resolved": False}, format="json")  # the asker reopens
    assert reopened.status_code == 200
    assert [c["resolved"] for c in viewer_api.get(url(incident)).json()] == [False, False]
    moved = viewer_api.patch(url(incident, first["id"]), {"anchor": None}, format="json")
    assert moved.status_code == 400 and moved.json() == {"anchor": ["A comment stays on the row it was posted on."]}


def test_only_a_comment_on_a_row_is_resolved(viewer_api, incident):
    comment = viewer_api.post(url(incident), {"body": "general"}, format="json").json()
    response = viewer_api.patch(url(incident, comment["id"]), {"resolved": True}, format="json")
    assert response.status_code == 400
    assert response.json() == {"resolved": ["Only a comment on a row of the write-up can be resolved."]}


def test_a_deleted_row_leaves_its_comment_in_the_discussion(viewer_api, incident):
    row = FactorFactory(incident=incident)
    comment = viewer_api.post(url(incident), {"body": "x", "anchor": {"type": "factor", "id": row.pk}}, format="json").json()
    row.delete()
    assert viewer_api.get(url(incident, comment["id"])).json()["anchor"] is None


def test_an_id_too_large_for_the_database_is_a_400(viewer_api, incident):
    response = viewer_api.post(url(incident), {"body": "x", "anchor": {"type": "factor", "id": 2**70}}, format="json")
    assert response.status_code == 400 and "id" in response.json()["anchor"]
