"""REST API v1, the incident document (incidents/api/serializers.py): a full incident round trip, partial and whole
updates, the stale-version conflict, field errors and bad bodies, and fields kept as written."""

import json

import pytest

from incidents.models import Incident

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reviewer")]  # FULL names them as its reviewer

URL = "/api/v1/incidents/"

FULL = {
    "title": "EKS ノードが約5日ごとに NotReady",
    "summary": "datadog-agent の **ゾンビプロセス** が `pid_max` を使い切った。",
    "impact": "本番の API が 40 分間 503",
    "analysis": "```\ncat /proc/sys/kernel/pid_max\n32768\n```",
    "resolution": "datadog-agent を修正版に更新",
    "type": "postmortem",
    "fields": {},
    "severity": "sev1",
    "postmortem_date": "2022-09-22",
    "status": "in_review",
    "reviewers": ["reviewer"],
    "visibility": "internal",
    "members": [],
    "services": ["eks", "aws-node", "datadog-agent"],
    "tags": ["kubernetes", "resource-exhaustion"],
    "started_at": "2022-08-06T01:00:00Z",
    "detected_at": "2022-08-06T01:12:00Z",
    "mitigated_at": "2022-08-06T01:40:00Z",
    "resolved_at": "2022-08-10T09:00:00Z",
    "timeline": [
        {"occurred_at": "2022-08-06T01:00:00Z", "kind": "trigger", "description": "ノードが NotReady", "source": "alert"},
        {"occurred_at": "2022-08-06T01:12:00Z", "kind": "detection", "description": "PagerDuty", "source": "pager"},
    ],
    "factors": [
        {"ref": "zombies", "category": "defect", "description": "ゾンビプロセスが溜まる", "leads_to": ["pidmax"]},
        {"ref": "pidmax", "category": "resource-exhaustion", "description": "pid_max に到達", "leads_to": ["awsnode"]},
        {"ref": "awsnode", "category": "dependency", "description": "aws-node がスレッドを作れない", "leads_to": ["notready"]},
        {"ref": "notready", "category": "other", "description": "ノードが NotReady", "leads_to": []},
    ],
    "lessons": [{"kind": "went_wrong", "text": "プロセス数を監視していなかった"}, {"kind": "lucky", "text": "深夜だった"}],
    "action_items": [
        {"title": "プロセス数のアラート", "kind": "detect", "status": "open", "owner": "sre", "due_date": "2022-09-30",
         "url": "https://github.com/example/infra/issues/7", "tracker": ""},
        {"title": "Runbook for pid_max", "kind": "other", "status": "done", "owner": "Jennifer", "due_date": None,
         "url": "https://wiki/runbooks/pid-max", "tracker": "Bug 5554823"},
    ],
    "links": [
        {"url": "https://github.com/DataDog/datadog-agent/issues/12997", "relation": "cause", "title": ""},
        {"url": "DataDog/datadog-agent#13019", "relation": "fix", "title": "the fix"},
    ],
}


def post(client, document):
    return client.post(URL, document, format="json")


def comparable(document):
    """The document without server fields (child ids too), with factor refs replaced by position."""
    doc = {k: v for k, v in document.items() if k not in {"id", "reference", "uuid", "url", "created_at", "updated_at",
                                                           "reviews", "version", "authors", "author_names", "time_to_detect", "time_to_resolve"}}
    for key in ("timeline", "factors", "lessons", "action_items", "links"):
        doc[key] = [{k: v for k, v in child.items() if k != "id"} for child in doc.get(key, [])]
    position = {f["ref"]: i for i, f in enumerate(doc.get("factors", []))}
    doc["factors"] = [{**f, "ref": position[f["ref"]], "leads_to": [position[t] for t in f["leads_to"]]}
                      for f in doc.get("factors", [])]
    doc["links"] = [{k: v for k, v in link.items() if k != "github"} for link in doc.get("links", [])]
    doc["action_items"] = [{k: v for k, v in item.items() if k not in {"github", "followed"}}
                           for item in doc.get("action_items", [])]
    doc["services"], doc["tags"] = sorted(doc.get("services", [])), sorted(doc.get("tags", []))
    return doc


def test_round_trip_of_a_full_incident_with_a_factor_chain(editor_api):
    created = post(editor_api, FULL)
    assert created.status_code == 201, created.json()
    body = editor_api.get(f"{URL}{created.json()['id']}/").json()
    expected = comparable(FULL)
    expected["links"][1]["url"] = "https://github.com/DataDog/datadog-agent/issues/13019"  # short form normalized
    assert comparable(body) == expected
    assert body["reference"] == f"INC-{body['id']}"
    assert body["time_to_detect"] == 12 * 60 and body["time_to_resolve"] == (4 * 24 + 8) * 3600
    assert body["authors"] == ["editor"] and body["version"] == 1
    assert body["links"][0]["github"] == {"owner": "DataDog", "repo": "datadog-agent", "number": 12997,
                                          "kind": "issue", "title": "", "state": "", "state_reason": "",
                                          "synced_at": None, "sync_error": ""}
    assert [item["followed"] for item in body["action_items"]] == [None] * len(FULL["action_items"])
    chain = {f["ref"]: f["leads_to"] for f in body["factors"]}
    assert all(ref.startswith("F") for ref in chain) and sum(len(v) for v in chain.values()) == 3


def test_create_needs_only_a_title(editor_api):
    response = post(editor_api, {"title": "名前解決が遅い"})
    assert response.status_code == 201
    body = response.json()
    assert (body["severity"], body["status"], body["timeline"], body["tags"]) == ("sev3", "draft", [], [])


def test_patch_changes_one_field_and_keeps_children(editor_api):
    incident = post(editor_api, FULL).json()
    response = editor_api.patch(f"{URL}{incident['id']}/", {"severity": "sev2", "version": 1}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["severity"] == "sev2" and body["version"] == 2
    assert len(body["factors"]) == 4 and body["title"] == FULL["title"]


def test_put_replaces_the_children_it_carries(editor_api):
    incident = post(editor_api, FULL).json()
    document = {**incident, "timeline": [], "factors": incident["factors"][:2]}
    document["factors"][1]["leads_to"] = []
    response = editor_api.put(f"{URL}{incident['id']}/", document, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["timeline"] == [] and len(body["factors"]) == 2 and len(body["lessons"]) == 2


def test_stale_version_is_a_conflict_and_changes_nothing(editor_api):
    incident = post(editor_api, FULL).json()
    assert editor_api.patch(f"{URL}{incident['id']}/", {"title": "first", "version": 1}, format="json").status_code == 200
    response = editor_api.patch(f"{URL}{incident['id']}/", {"title": "second", "timeline": [], "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    stored = Incident.objects.get(pk=incident["id"])
    assert stored.title == "first" and stored.timeline.count() == 2 and stored.version == 2


@pytest.mark.parametrize(
    "change, field",
    [
        ({"severity": "sev9"}, "severity"),
        ({"status": "archived"}, "status"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": 42, "tags": "dns"}, "tags"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"started_at": "2023-01-02T00:00:00Z", "resolved_at": "2023-01-01T00:00:00Z"}, "resolved_at"),
        ({"timeline": [{"kind": "trigger"}]}, "timeline"),
        ({"timeline": [{"occurred_at": "2023-01-01T00:00:00Z", "kind": "explosion"}]}, "timeline"),
        ({"factors": [{"ref": "a", "category": "bad-luck", "description": "x"}]}, "factors"),
        ({"factors": [{"ref": "a", "category": "defect", "description": "x", "leads_to": ["nope"]}]}, "factors"),
        ({"factors": [{"ref": "a", "category": "defect", "description": "x", "leads_to": ["b"]},
                      {"ref": "b", "category": "defect", "description": "y", "leads_to": ["a"]}]}, "factors"),
        ({"factors": [{"ref": "a", "category": "defect", "description": "x"},
                      {"ref": "a", "category": "defect", "description": "y"}]}, "factors"),
        ({"lessons": [{"kind": "meh", "text": "x"}]}, "lessons"),
        ({"action_items": [{"title": "x", "due_date": "soon"}]}, "action_items"),
        ({"action_items": [{"title": "x", "url": "owner/repo#0"}]}, "action_items"),
        ({"links": [{"url": "javascript:alert(1)"}]}, "links"),
        ({"links": [{"url": "https://a.example"}, {"url": "https://a.example"}]}, "links"),
        ({"authors": ["nobody"]}, "authors"),
        ({"version": "two"}, "version"),
        ({"summary": "nul\x00byte"}, "summary"),
        ({"authors": ["nul\x00"]}, "authors"),
    ],
)
def test_bad_input_is_a_400_with_field_errors_and_stores_nothing(editor_api, change, field):
    response = post(editor_api, {"title": "ok", **change})
    assert response.status_code == 400
    assert field in response.json()
    assert not Incident.objects.exists()


def test_cycle_error_names_the_cycle(editor_api):
    factors = [{"ref": r, "category": "defect", "description": r, "leads_to": [t]} for r, t in
               [("a", "b"), ("b", "c"), ("c", "a")]]
    message = post(editor_api, {"title": "x", "factors": factors}).json()["factors"][0]
    prefix, suffix = "These causes form a cycle: ", ". A factor cannot end up causing itself."
    assert message.startswith(prefix) and message.endswith(suffix), message
    path = message[len(prefix):-len(suffix)].split(" → ")
    # the whole loop, each factor once and back to where it started (a → b → c → a, from any start)
    assert len(path) == 4 and path[0] == path[-1] and sorted(path[:-1]) == ["a", "b", "c"], message


def test_bad_update_changes_nothing(editor_api):
    incident = post(editor_api, FULL).json()
    response = editor_api.patch(f"{URL}{incident['id']}/", {"title": "new", "factors": [{"category": "defect"}]}, format="json")
    assert response.status_code == 400 and "factors" in response.json()
    stored = Incident.objects.get(pk=incident["id"])
    assert stored.title == FULL["title"] and stored.factors.count() == 4


def test_non_json_and_wrong_shapes_are_400(editor_api):
    assert editor_api.post(URL, "title=x", content_type="application/x-www-form-urlencoded").status_code == 415
    response = editor_api.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400 and "detail" in response.json()
    response = editor_api.post(URL, json.dumps(["a list"]), content_type="application/json")
    assert response.status_code == 400 and "non_field_errors" in response.json()


def test_oversized_body_is_413(editor_api, settings):
    response = editor_api.post(URL, {"title": "x", "analysis": "a" * (1024 * 1024 + 1)}, format="json")
    assert response.status_code == 413
    assert not Incident.objects.exists()


def test_sre_template_fields_are_kept_as_written(editor_api):
    """Authors without accounts stay names (the caller is not made the author), a bug number is kept as
    text, an action of kind "other", the postmortem date, an intranet link without a dot in its host."""
    created = post(editor_api, {
        "title": "Shakespeare Sonnet++", "postmortem_date": "2015-10-21", "author_names": ["jennifer", "martym"],
        "action_items": [{"title": "Update playbook", "kind": "other", "status": "done", "tracker": "Bug 5554823"}],
        "links": [{"url": "https://monitor/shakespeare?end_time=20151021T160000&duration=1h", "relation": "related"}],
        "services": ["x" * 150],
    })
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["authors"] == [] and body["author_names"] == ["jennifer", "martym"]
    assert body["postmortem_date"] == "2015-10-21" and len(body["uuid"]) == 36
    assert body["action_items"][0]["kind"] == "other" and body["action_items"][0]["tracker"] == "Bug 5554823"
    assert body["links"][0]["url"].startswith("https://monitor/shakespeare") and body["services"] == ["x" * 150]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://files.example.com/x", "https://exa mple.com/"])
def test_links_other_than_http_are_refused(editor_api, url):
    response = post(editor_api, {"title": "Links", "links": [{"url": url, "relation": "related"}]})
    assert response.status_code == 400 and "links" in response.json()


def test_a_time_without_an_offset_is_read_in_the_display_time_zone(editor_api, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    body = post(editor_api, {"title": "Naive", "started_at": "2023-12-10 11:10",
                             "detected_at": "2023-12-10T11:20:00+00:00"}).json()
    assert body["started_at"] == "2023-12-10T02:10:00Z"  # 11:10 in Tokyo
    assert body["detected_at"] == "2023-12-10T11:20:00Z"  # an offset is read as written
    assert body["time_to_detect"] == 9 * 3600 + 10 * 60  # seconds


# --- children kept by id ------------------------------------------------------------------------------

CHILDREN = ("timeline", "factors", "lessons", "action_items", "links")


def ids(body):
    return {key: [child["id"] for child in body[key]] for key in CHILDREN}


def test_every_child_has_its_id_and_a_patch_of_the_summary_keeps_them_all(editor_api):
    created = post(editor_api, FULL).json()
    before = ids(created)
    assert all(len(before[key]) == len(FULL[key]) and all(isinstance(pk, int) for pk in before[key]) for key in CHILDREN)
    assert [factor["ref"] for factor in created["factors"]] == ["F1", "F2", "F3", "F4"]  # as the page numbers them
    response = editor_api.patch(f"{URL}{created['id']}/", {"summary": "書き直した要約"}, format="json")
    assert response.status_code == 200, response.json()
    assert ids(response.json()) == before and ids(editor_api.get(f"{URL}{created['id']}/").json()) == before


def test_factor_refs_come_back_as_the_pages_number_them(editor_api, editor_client):
    """Refs sent as a/b come back as the incident's F1/F2 (not F<id>), in the response, a GET and the edit page
    alike; a document read back and sent again keeps the graph."""
    from incidents.models import ContributingFactor

    post(editor_api, {"title": "other", "factors": [{"category": "defect", "description": "elsewhere"}]})
    created = post(editor_api, {"title": "Refs", "factors": [
        {"ref": "a", "category": "configuration", "description": "ndots:5", "leads_to": ["b"]},
        {"ref": "b", "category": "dependency", "description": "外部ドメインの問い合わせが5倍"}]}).json()
    expected = [{"ref": "F1", "leads_to": ["F2"]}, {"ref": "F2", "leads_to": []}]
    assert [{"ref": f["ref"], "leads_to": f["leads_to"]} for f in created["factors"]] == expected
    fetched = editor_api.get(f"{URL}{created['id']}/").json()
    assert [{"ref": f["ref"], "leads_to": f["leads_to"]} for f in fetched["factors"]] == expected
    page = editor_client.get(f"/incidents/{created['reference']}/edit/").content.decode()
    assert "F1 ndots:5" in page and "F2 外部ドメインの問い合わせが5倍" in page
    again = editor_api.put(f"{URL}{created['id']}/", {"title": "Refs", "factors": fetched["factors"]}, format="json")
    assert again.status_code == 200, again.json()
    assert [{"ref": f["ref"], "leads_to": f["leads_to"]} for f in again.json()["factors"]] == expected
    cause = ContributingFactor.objects.get(incident_id=created["id"], description="ndots:5")
    assert [effect.description for effect in cause.leads_to.all()] == ["外部ドメインの問い合わせが5倍"]


def test_a_patch_that_edits_one_timeline_entry_keeps_every_id(editor_api):
    created = post(editor_api, FULL).json()
    timeline = [{key: value for key, value in event.items()} for event in created["timeline"]]
    timeline[1]["description"] = "PagerDuty から電話"
    response = editor_api.patch(f"{URL}{created['id']}/", {"timeline": timeline}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert ids(body) == ids(created)
    assert [event["description"] for event in body["timeline"]] == ["ノードが NotReady", "PagerDuty から電話"]
    assert body["version"] == 2


def test_the_document_read_and_written_back_whole_keeps_every_id_and_the_factor_chain(editor_api):
    created = post(editor_api, FULL).json()
    response = editor_api.put(f"{URL}{created['id']}/", {**created, "title": "改題"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert ids(body) == ids(created) and body["factors"] == created["factors"] and body["title"] == "改題"


def test_entries_without_ids_are_new_rows_and_rows_left_out_go(editor_api):
    created = post(editor_api, FULL).json()
    kept, *_dropped = created["lessons"]
    response = editor_api.patch(f"{URL}{created['id']}/", {"lessons": [
        {"kind": "went_well", "text": "new"}, {**kept, "text": "edited"}]}, format="json")
    lessons = response.json()["lessons"]
    assert [(lesson["kind"], lesson["text"]) for lesson in lessons] == [("went_wrong", "edited"), ("went_well", "new")]
    assert lessons[0]["id"] == kept["id"] and lessons[1]["id"] not in ids(created)["lessons"]


def test_an_older_client_without_ids_replaces_the_rows(editor_api):
    created = post(editor_api, FULL).json()
    response = editor_api.put(f"{URL}{created['id']}/", FULL, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert comparable(body) == comparable(created)
    assert not set(ids(body)["timeline"]) & set(ids(created)["timeline"])


def test_an_id_that_is_not_one_of_the_incidents_rows_is_a_400_naming_the_entry(editor_api):
    first, second = post(editor_api, FULL).json(), post(editor_api, {"title": "other"}).json()
    foreign = first["timeline"][0]["id"]
    response = editor_api.patch(f"{URL}{second['id']}/", {"timeline": [
        {"occurred_at": "2022-08-06T01:00:00Z", "description": "ok"}, {**first["timeline"][0]}]}, format="json")
    assert response.status_code == 400
    assert response.json() == {"timeline": {"1": {"id": [f"No row with id {foreign} belongs to this incident."]}}}
    response = editor_api.post(URL, {"title": "new", "lessons": [{"id": first["lessons"][0]["id"], "kind": "lucky", "text": "x"}]},
                               format="json")
    assert response.status_code == 400 and list(response.json()["lessons"]["0"]) == ["id"]
    assert Incident.objects.get(pk=first["id"]).timeline.count() == 2 and Incident.objects.count() == 2


def test_the_same_github_issue_linked_twice_in_two_spellings_is_a_400_at_the_second(editor_api):
    response = post(editor_api, {"title": "x", "links": [
        {"url": "DataDog/datadog-agent#13019"}, {"url": "https://github.com/datadog/datadog-agent/issues/13019"}]})
    assert response.status_code == 400
    assert response.json() == {"links": {"1": {"url": [
        "The link https://github.com/datadog/datadog-agent/issues/13019 is listed twice."]}}}
    assert not Incident.objects.exists()
