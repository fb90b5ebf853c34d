"""/api/v1/incidents/{id}/revisions/ (incidents/api/history.py): times in UTC like the rest of the API."""

import pytest

pytestmark = pytest.mark.django_db


def test_revision_times_are_utc_like_the_rest_of_the_api(editor_api, settings):
    settings.TIME_ZONE = "Asia/Tokyo"  # the display zone: the pages' times, never the API's
    incident = editor_api.post("/api/v1/incidents/", {"title": "UTC", "started_at": "2023-12-10T02:10:00Z"},
                               format="json").json()
    listed = editor_api.get(f"/api/v1/incidents/{incident['id']}/revisions/").json()
    one = editor_api.get(f"/api/v1/incidents/{incident['id']}/revisions/1/").json()
    for revision in (listed[0], one):
        assert revision["created_at"].endswith("Z"), revision["created_at"]
        assert "+09:00" not in revision["created_at"]
    assert one["document"]["started_at"] == "2023-12-10T02:10:00Z" and one["document"]["created_at"].endswith("Z")
    assert incident["created_at"][:16] == one["created_at"][:16]  # the same instant written the same way


def test_review_and_user_times_are_utc_too(editor_api, api_as, user, settings):
    import datetime

    from django.utils import timezone

    from incidents.models import Incident, Review

    settings.TIME_ZONE = "Asia/Tokyo"
    incident = editor_api.post("/api/v1/incidents/", {"title": "reviewed"}, format="json").json()
    reviewer = user("editor", username="rev")
    Review.objects.create(incident=Incident.objects.get(pk=incident["id"]), reviewer=reviewer, decision="approved",
                          version=1)
    document = editor_api.get(f"/api/v1/incidents/{incident['id']}/").json()
    assert document["reviews"][0]["created_at"].endswith("Z")
    assert editor_api.get(f"/api/v1/incidents/{incident['id']}/reviews/").json()[0]["created_at"].endswith("Z")
    reviewer.last_login = timezone.now() - datetime.timedelta(hours=1)
    reviewer.save()
    users = api_as(user("admin", username="boss")).get("/api/v1/users/").json()["results"]
    assert {entry["username"]: entry["last_login"] for entry in users}["rev"].endswith("Z")


def test_no_api_serializer_answers_times_in_the_display_zone():
    """Every time the API answers goes through UTCDateTimeField (a plain DRF field writes TIME_ZONE's offset)."""
    import pathlib
    import re

    api = pathlib.Path(__file__).resolve().parents[2] / "incidents" / "api"
    plain = [f"{path.name}:{number}" for path in sorted(api.glob("*.py"))
             for number, line in enumerate(path.read_text().splitlines(), start=1)
             if re.search(r"serializers\.DateTimeField\(", line)]
    assert plain == []
