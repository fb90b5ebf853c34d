"""/api/v1/severities/: everyone signed in reads the scale, admins change it; a stale version and a level in use
are 409s; an incident's severity must be a key of the scale (400 naming the keys)."""

import pytest
from django.utils import translation

from incidents.models import Incident, SeverityLevel

pytestmark = pytest.mark.django_db

URL = "/api/v1/severities/"


@pytest.fixture
def admin_api(api_as, user):
    return api_as(user("admin"))


def test_everyone_signed_in_reads_the_scale_in_order(viewer_api, client):
    levels = viewer_api.get(URL).json()
    assert [level["key"] for level in levels] == ["sev1", "sev2", "sev3", "sev4"]
    assert levels[0] == {"key": "sev1", "label_ja": "SEV1 – 致命的", "label_en": "SEV1 – critical", "order": 1,
                         "color": "#b3261e", "description": "", "default": False, "version": 1}
    assert viewer_api.get(URL + "sev3/").json()["default"] is True
    assert viewer_api.get(URL + "sev9/").status_code == 404
    assert client.get(URL).status_code in (401, 403)


def test_only_admins_write(editor_api, viewer_api):
    body = {"key": "p0", "label_en": "P0", "order": 0, "color": "#000000"}
    assert editor_api.post(URL, body, format="json").status_code == 403
    assert viewer_api.patch(URL + "sev1/", {"label_en": "x"}, format="json").status_code == 403
    assert editor_api.delete(URL + "sev4/").status_code == 403
    assert SeverityLevel.objects.count() == 4 and SeverityLevel.objects.get(key="sev1").label_en == "SEV1 – critical"


def test_an_admin_adds_changes_and_removes_a_level(admin_api, editor_api):
    created = admin_api.post(URL, {"key": "sev0", "label_ja": "SEV0 – 全面停止", "label_en": "SEV0 – total outage",
                                   "order": 0, "color": "#7A0000", "description": "Everything is down."},
                             format="json")
    assert created.status_code == 201, created.content
    assert created.json()["version"] == 1 and created.json()["default"] is False
    changed = admin_api.patch(URL + "sev0/", {"color": "#550000", "version": 1}, format="json")
    assert changed.status_code == 200 and changed.json()["color"] == "#550000" and changed.json()["version"] == 2
    made_default = admin_api.put(URL + "sev0/", {**changed.json(), "default": True}, format="json")
    assert made_default.status_code == 200, made_default.content
    assert SeverityLevel.objects.default_key() == "sev0"
    assert editor_api.post("/api/v1/incidents/", {"title": "New"}, format="json").json()["severity"] == "sev0"
    assert admin_api.patch(URL + "sev4/", {"order": 40}, format="json").json()["order"] == 40
    assert admin_api.delete(URL + "sev4/").status_code == 204
    assert [level["key"] for level in admin_api.get(URL).json()] == ["sev0", "sev1", "sev2", "sev3"]


@pytest.mark.parametrize("body, field", [
    ({"key": "sev1", "label_en": "again", "order": 9, "color": "#000000"}, "key"),
    ({"key": "p0", "label_en": "P0", "order": 1, "color": "#000000"}, "order"),
    ({"key": "p0", "label_en": "P0", "order": 0, "color": "red"}, "color"),
    ({"key": "p 0", "label_en": "P0", "order": 0, "color": "#000000"}, "key"),
    ({"key": "p0", "order": 0, "color": "#000000"}, "label_en"),
    ({"key": "p0", "label_en": "P0", "order": "first", "color": "#000000"}, "order"),
    ({"label_en": "P0", "order": 0, "color": "#000000"}, "key"),
])
def test_bad_levels_are_400_naming_the_field(admin_api, body, field):
    response = admin_api.post(URL, body, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert SeverityLevel.objects.count() == 4


def test_the_key_cannot_change_and_the_default_cannot_be_unset(admin_api):
    response = admin_api.patch(URL + "sev1/", {"key": "p1"}, format="json")
    assert response.status_code == 400 and "key" in response.json()
    response = admin_api.patch(URL + "sev3/", {"default": False}, format="json")
    assert response.status_code == 400 and "default" in response.json()
    assert SeverityLevel.objects.default_key() == "sev3"


def test_a_stale_version_is_409(admin_api):
    assert admin_api.patch(URL + "sev2/", {"label_en": "SEV2 – big", "version": 1}, format="json").status_code == 200
    stale = admin_api.patch(URL + "sev2/", {"label_en": "SEV2 – lost", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert admin_api.delete(URL + "sev4/?version=7").status_code == 409
    assert SeverityLevel.objects.get(key="sev2").label_en == "SEV2 – big"


def test_removing_a_level_in_use_is_409_with_the_count(admin_api, make_incident):
    for _ in range(12):
        make_incident(severity="sev2")
    response = admin_api.delete(URL + "sev2/")
    assert response.status_code == 409
    assert response.json() == {"detail": "SEV2 – major is used by 12 incidents: change their severity before "
                                         "removing the level."}
    response = admin_api.delete(URL + "sev2/", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.json()["detail"].startswith("SEV2 – 重大 ")  # the label in the request's language
    assert admin_api.delete(URL + "sev3/").status_code == 409  # the default
    assert SeverityLevel.objects.filter(key__in=["sev2", "sev3"]).count() == 2


def test_an_incidents_severity_is_a_key_of_the_scale(editor_api, admin_api, make_incident):
    response = editor_api.post("/api/v1/incidents/", {"title": "T", "severity": "critical"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"severity": ["'critical' is not a severity of this scale: sev1, sev2, sev3, sev4."]}
    admin_api.post(URL, {"key": "p0", "label_en": "P0", "order": 0, "color": "#000000"}, format="json")
    created = editor_api.post("/api/v1/incidents/", {"title": "T", "severity": "p0"}, format="json")
    assert created.status_code == 201 and created.json()["severity"] == "p0"
    incident = make_incident(severity="sev1")
    patched = editor_api.patch(f"/api/v1/incidents/{incident.pk}/", {"severity": "sev9"}, format="json")
    assert patched.status_code == 400 and "p0, sev1" in patched.json()["severity"][0]
    assert Incident.objects.get(pk=incident.pk).severity == "sev1"


def test_an_incident_keeps_a_severity_whose_level_was_removed_behind_the_scales_back(editor_api, make_incident):
    incident = make_incident(severity="sev4")
    SeverityLevel.objects.filter(key="sev4").delete()
    response = editor_api.patch(f"/api/v1/incidents/{incident.pk}/", {"severity": "sev4", "title": "Renamed"},
                                format="json")
    assert response.status_code == 200, response.content
    with translation.override("en"):
        assert Incident.objects.get(pk=incident.pk).get_severity_display() == "sev4"


def test_openapi_describes_the_scale(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    assert set(paths["/api/v1/severities/"]) >= {"get", "post"}
    assert set(paths["/api/v1/severities/{key}/"]) >= {"get", "put", "patch", "delete"}
    assert "409" in paths["/api/v1/severities/{key}/"]["patch"]["responses"]
    fields = schema["components"]["schemas"]["SeverityLevel"]["properties"]
    assert set(fields) == {"key", "label_ja", "label_en", "order", "color", "description", "default", "version"}
