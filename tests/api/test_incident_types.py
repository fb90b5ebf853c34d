"""/api/v1/incident-types/ and an incident's ``type`` and ``fields``: admins define a ニアミス type with a region
choice and a number of affected customers, editors write incidents of it, bad values are 400s naming the field."""

import pytest

from incidents.models import Incident, IncidentType

pytestmark = pytest.mark.django_db

URL = "/api/v1/incident-types/"
NEAR_MISS = {
    "key": "near-miss", "name_ja": "ニアミス", "name_en": "Near miss",
    "sections": [{"key": "summary", "heading_ja": "概要", "heading_en": "Summary", "prompt_ja": "何が起きかけたか",
                  "prompt_en": "What almost happened"},
                 {"key": "mitigate", "heading_ja": "暫定対策", "heading_en": "Interim measures"},
                 {"key": "prevent", "heading_ja": "恒久対策", "heading_en": "Permanent measures"}],
    "fields": [
        {"key": "region", "label_ja": "リージョン", "label_en": "Region", "kind": "choice",
         "choices": ["ap-northeast-1", "us-east-1"], "required": True, "help_ja": "影響したリージョン",
         "help_en": "The affected region"},
        {"key": "affected_customers", "label_ja": "影響顧客数", "label_en": "Affected customers", "kind": "number",
         "unit": "社"},
    ],
}


@pytest.fixture
def admin_api(user, api_as):
    return api_as(user("admin"))


@pytest.fixture
def near_miss(admin_api):
    response = admin_api.post(URL, NEAR_MISS, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_the_default_type_is_todays_template(viewer_api):
    listed = viewer_api.get(URL).json()
    default = next(row for row in listed if row["key"] == "postmortem")
    assert default["name_ja"] == "障害ポストモーテム" and default["fields"] == []
    assert [s["key"] for s in default["sections"]] == ["summary", "impact", "timeline", "factors", "analysis",
                                                      "resolution", "lessons", "action_items"]


def test_admin_defines_a_type_and_an_editor_writes_an_incident_of_it(near_miss, editor_api, viewer_api):
    assert near_miss["version"] == 1
    assert [f["key"] for f in near_miss["fields"]] == ["region", "affected_customers"]
    assert near_miss["sections"][1] == {"key": "mitigate", "heading_ja": "暫定対策", "heading_en": "Interim measures",
                                        "prompt_ja": "", "prompt_en": ""}
    assert viewer_api.get(URL + "near-miss/").json()["fields"][1]["unit"] == "社"
    created = editor_api.post("/api/v1/incidents/", {
        "title": "Almost lost the queue", "type": "near-miss",
        "fields": {"region": "ap-northeast-1", "affected_customers": "12"}}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["type"] == "near-miss" and body["fields"] == {"region": "ap-northeast-1", "affected_customers": 12}
    incident = Incident.objects.get(pk=body["id"])
    assert incident.type.key == "near-miss" and incident.fields == {"region": "ap-northeast-1", "affected_customers": 12}
    # a PATCH sets the keys it names and keeps the others; null unsets
    patched = editor_api.patch(f"/api/v1/incidents/{incident.pk}/", {"fields": {"affected_customers": None}},
                               format="json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["fields"] == {"region": "ap-northeast-1"}


def test_a_new_incident_is_of_the_default_type(editor_api):
    created = editor_api.post("/api/v1/incidents/", {"title": "Plain"}, format="json").json()
    assert created["type"] == "postmortem" and created["fields"] == {}


@pytest.mark.parametrize("fields, errors", [
    ({"region": "mars-1"}, {"region": ["Must be one of: ap-northeast-1, us-east-1."]}),
    ({"region": "us-east-1", "affected_customers": "many"}, {"affected_customers": ["Must be a number."]}),
    ({"region": "us-east-1", "colour": "red"}, {"colour": ["Unknown field for this incident type."]}),
    ({"affected_customers": 3}, {"region": ["This field is required."]}),
    ([1, 2], None),
])
def test_bad_values_are_400_naming_the_field(near_miss, editor_api, fields, errors):
    response = editor_api.post("/api/v1/incidents/", {"title": "x", "type": "near-miss", "fields": fields}, format="json")
    assert response.status_code == 400, response.content
    if errors is not None:
        assert response.json() == {"fields": errors}
    assert not Incident.objects.filter(title="x").exists()


def test_an_unknown_type_is_400(editor_api):
    response = editor_api.post("/api/v1/incidents/", {"title": "x", "type": "nope"}, format="json")
    assert response.status_code == 400 and "type" in response.json()


def test_stale_version_is_409(near_miss, admin_api):
    first = admin_api.patch(URL + "near-miss/", {"name_en": "Near-miss", "version": 1}, format="json")
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = admin_api.patch(URL + "near-miss/", {"name_en": "Close call", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert IncidentType.objects.get(key="near-miss").name_en == "Near-miss"


def test_viewer_and_editor_cannot_write(near_miss, viewer_api, editor_api):
    assert viewer_api.post(URL, {**NEAR_MISS, "key": "other"}, format="json").status_code == 403
    assert viewer_api.patch(URL + "near-miss/", {"name_en": "x"}, format="json").status_code == 403
    assert editor_api.patch(URL + "near-miss/", {"name_en": "x"}, format="json").status_code == 403


def test_removing_a_field_retires_it_and_keeps_values(near_miss, admin_api, editor_api):
    created = editor_api.post("/api/v1/incidents/", {"title": "y", "type": "near-miss",
                                                     "fields": {"region": "us-east-1", "affected_customers": 4}},
                              format="json").json()
    kept = [dict(NEAR_MISS["fields"][0], label_en="Cloud region")]  # renamed label, same key
    response = admin_api.put(URL + "near-miss/", {**NEAR_MISS, "fields": kept, "version": 1}, format="json")
    assert response.status_code == 200, response.content
    fields = {f["key"]: f for f in response.json()["fields"]}
    assert fields["affected_customers"]["retired"] and fields["region"]["label_en"] == "Cloud region"
    incident = editor_api.get(f"/api/v1/incidents/{created['id']}/").json()
    assert incident["fields"] == {"region": "us-east-1", "affected_customers": 4}
    # written back as read: fine; changing a retired field's value: refused
    assert editor_api.patch(f"/api/v1/incidents/{created['id']}/", {"fields": incident["fields"]},
                            format="json").status_code == 200
    refused = editor_api.patch(f"/api/v1/incidents/{created['id']}/", {"fields": {"affected_customers": 5}},
                               format="json")
    assert refused.status_code == 400
    assert refused.json() == {"fields": {"affected_customers": ["This field is retired and cannot be changed."]}}


def test_a_kind_change_needs_a_conversion_while_values_exist(near_miss, admin_api, editor_api):
    editor_api.post("/api/v1/incidents/", {"title": "z", "type": "near-miss",
                                           "fields": {"region": "us-east-1", "affected_customers": 7}}, format="json")
    as_text = [NEAR_MISS["fields"][0], dict(NEAR_MISS["fields"][1], kind="text")]
    refused = admin_api.patch(URL + "near-miss/", {"fields": as_text}, format="json")
    assert refused.status_code == 400
    assert "convert" in refused.json()["fields"]["1"]["kind"][0]
    as_date = [NEAR_MISS["fields"][0], dict(NEAR_MISS["fields"][1], kind="date", convert=True)]
    assert admin_api.patch(URL + "near-miss/", {"fields": as_date}, format="json").json() == {
        "fields": {"1": {"kind": ["A number field cannot be converted to date."]}}}
    converted = admin_api.patch(URL + "near-miss/", {"fields": [as_text[0], dict(as_text[1], convert=True)]},
                                format="json")
    assert converted.status_code == 200, converted.content
    assert Incident.objects.get(title="z").fields == {"region": "us-east-1", "affected_customers": "7"}
    to_multi = [dict(NEAR_MISS["fields"][0], kind="multi_choice", convert=True), as_text[1]]
    assert admin_api.patch(URL + "near-miss/", {"fields": to_multi}, format="json").status_code == 200
    assert Incident.objects.get(title="z").fields["region"] == ["us-east-1"]


def test_bad_type_definitions_are_400(admin_api):
    bad = admin_api.post(URL, {"key": "x", "sections": [{"key": "weather"}]}, format="json")
    assert bad.status_code == 400 and "sections" in bad.json()
    no_choices = admin_api.post(URL, {"key": "y", "fields": [{"key": "r", "kind": "choice"}]}, format="json")
    assert no_choices.status_code == 400 and no_choices.json() == {
        "fields": {"0": {"choices": ["A choice field needs at least one choice."]}}}
    assert admin_api.post(URL, {"key": "postmortem"}, format="json").status_code == 400
