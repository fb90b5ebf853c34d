"""REST API v1, the incident endpoints (incidents/api/views.py): paging, who may do what, filters, tags and
services with counts, and an incident found by its reference."""

import pytest
from rest_framework.test import APIClient

from incidents.models import Incident
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


@pytest.mark.parametrize("page_size", ["0", "101", "-1", "ten"])
def test_page_size_out_of_range_is_400(viewer_api, page_size):
    response = viewer_api.get(URL, {"page_size": page_size})
    assert response.status_code == 400 and "page_size" in response.json()


def test_list_is_paginated_newest_first(viewer_api):
    IncidentFactory(title="old", started_at="2021-01-01T00:00:00Z")
    IncidentFactory(title="new", started_at="2023-01-01T00:00:00Z")
    IncidentFactory(title="undated", started_at=None)
    body = viewer_api.get(URL, {"page_size": 2}).json()
    assert body["count"] == 3 and body["next"] and body["previous"] is None
    assert [i["title"] for i in body["results"]] == ["new", "old"]


# --- roles ----------------------------------------------------------------------------------------


@pytest.fixture
def incidents():
    return {"published": IncidentFactory(status="published"), "draft": IncidentFactory(status="draft")}


@pytest.mark.parametrize(
    "role, expected",
    [
        (None, {"list": 401, "get_published": 401, "get_draft": 401, "create": 401, "patch": 401, "delete": 401}),
        ("viewer", {"list": 200, "get_published": 200, "get_draft": 404, "create": 403, "patch": 403, "delete": 403}),
        ("editor", {"list": 200, "get_published": 200, "get_draft": 200, "create": 201, "patch": 200, "delete": 204}),
        ("admin", {"list": 200, "get_published": 200, "get_draft": 200, "create": 201, "patch": 200, "delete": 204}),
    ],
)
def test_permissions_matrix(incidents, user, api_as, role, expected):
    client = api_as(user(role)) if role else APIClient()
    published, draft = incidents["published"].pk, incidents["draft"].pk
    actual = {
        "list": client.get(URL).status_code,
        "get_published": client.get(f"{URL}{published}/").status_code,
        "get_draft": client.get(f"{URL}{draft}/").status_code,
        "create": client.post(URL, {"title": "new"}, format="json").status_code,
        "patch": client.patch(f"{URL}{published}/", {"title": "x"}, format="json").status_code,
        "delete": client.delete(f"{URL}{published}/").status_code,
    }
    assert actual == expected


def test_viewers_see_drafts_they_wrote(viewer_api, viewer, incidents):
    incidents["draft"].authors.add(viewer)
    response = viewer_api.get(f"{URL}{incidents['draft'].pk}/")
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["status"]) == (incidents["draft"].title, "draft")


def test_anonymous_gets_401_with_a_challenge_but_may_read_the_schema():
    client = APIClient()
    response = client.get("/api/v1/tags/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"/api/v1/incidents/" in schema.content
    assert client.get("/api/v1/docs/").status_code == 200


def test_session_writes_need_csrf(incidents, user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user("editor", username="web"))
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"title": "x"}, format="json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


# --- filters and labels ---------------------------------------------------------------------------


def titles(client, **params):
    body = client.get(URL, {"page_size": 100, **params}).json()
    assert "results" in body, body
    return {i["title"] for i in body["results"]}


def test_filters_on_the_demo_data(demo, viewer_api):
    eks = Incident.objects.get(title__contains="pid_max").title
    podman = Incident.objects.get(title__contains="aardvark-dns").title
    assert eks in titles(viewer_api, github="DataDog/datadog-agent#12997")
    assert titles(viewer_api, github="https://github.com/DataDog/datadog-agent/pull/13019") == {eks}
    assert titles(viewer_api, tag=["podman", "dns"]) == {podman}  # the podman draft is not visible to viewers
    both = titles(viewer_api, tag=["podman", "datadog"], tag_mode="any")
    assert podman in both and eks in both
    assert titles(viewer_api, tag=["podman", "datadog"]) == set()
    assert eks in titles(viewer_api, service="AWS-NODE")
    assert titles(viewer_api, status="draft") == set()
    assert eks in titles(viewer_api, severity="sev1")
    in_2022 = titles(viewer_api, started_after="2022-01-01T00:00:00Z", started_before="2023-01-01T00:00:00Z")
    assert eks in in_2022 and podman not in in_2022


@pytest.mark.parametrize(
    "params",
    [{"github": "nonsense"}, {"github": "o/r#0"}, {"started_after": "last week"}, {"severity": "sev0"},
     {"tag_mode": "some"}, {"tag": "x" * 101}],
)
def test_bad_filters_are_400(viewer_api, params):
    response = viewer_api.get(URL, params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)


def test_tags_and_services_with_counts(demo, viewer_api):
    tags = {t["name"]: t["incident_count"] for t in viewer_api.get("/api/v1/tags/").json()}
    services = {s["name"]: s["incident_count"] for s in viewer_api.get("/api/v1/services/").json()}
    visible = Incident.objects.filter(status="published")
    assert tags["eks"] == visible.filter(tags__name="eks").count() >= 2
    assert "systemd" not in tags  # only on the draft, which viewers cannot see
    assert services["nginx"] >= 1


def test_an_incident_is_found_by_its_reference_too(editor_api):
    created = editor_api.post(URL, {"title": "By reference"}, format="json").json()
    number = created["id"]
    for name in (number, f"INC-{number}", f"inc-{number}"):
        response = editor_api.get(f"{URL}{name}/")
        assert response.status_code == 200 and response.json()["id"] == number
    assert editor_api.get(f"{URL}INC-{number}/revisions/").status_code == 200
    assert editor_api.get(f"{URL}INC-{number}/comments/").status_code == 200
    assert editor_api.get(f"{URL}INC-{number}/export/").status_code == 200
    assert editor_api.patch(f"{URL}INC-{number}/", {"summary": "s"}, format="json").status_code == 200
    assert editor_api.get(f"{URL}INC-{number + 1000}/").status_code == 404
    assert editor_api.get(f"{URL}INCX-{number}/").status_code == 404


def test_delete_removes_an_incident_or_a_meeting_through_the_actions(incidents, editor_api, caplog):
    from incidents.models import Retrospective
    from tests.factories import RetrospectiveFactory

    published = incidents["published"]
    caplog.set_level("INFO", logger="incidents.actions.deletions")
    assert editor_api.delete(f"{URL}{published.reference}/").status_code == 204
    assert not Incident.objects.filter(pk=published.pk).exists()
    assert editor_api.get(f"{URL}{published.pk}/").status_code == 404
    assert editor_api.delete(f"{URL}{published.pk}/").status_code == 404
    assert f"{published.reference} ({published.title}) deleted by editor" in caplog.messages
    meeting = RetrospectiveFactory()
    assert editor_api.delete(f"/api/v1/retrospectives/{meeting.pk}/").status_code == 204
    assert not Retrospective.objects.exists()
