"""Writing incidents in the browser: the create/edit page with its rows, validation, the stale-save
conflict, the log paste, and who may open which page."""

import datetime
import re

import pytest
from django.http import QueryDict
from django.utils import timezone

from incidents.actions.incidents import save_incident
from incidents.models import Incident
from tests.factories import ActionItemFactory, FactorFactory, IncidentFactory, LinkFactory, TimelineEventFactory

pytestmark = pytest.mark.django_db

TOKYO = datetime.timezone(datetime.timedelta(hours=9))


def page_data(response):
    """The POST data a browser would send back for the edit page as rendered (every field as shown)."""
    data = QueryDict(mutable=True)
    forms = [response.context["form"]]
    for _key, _title, formset in response.context["sections"]:
        forms.append(formset.management_form)
        forms.extend(formset.forms)
    for form in forms:
        for field in form:
            value = field.value()
            if field.widget_type == "checkbox":
                if value:
                    data[field.html_name] = "on"
            elif isinstance(value, (list, tuple)):
                data.setlist(field.html_name, [str(v) for v in value])
            else:
                data[field.html_name] = field.field.widget.format_value(value) or ""
    return data


def rows(prefix, *rows):
    """Formset data for ``rows`` (dicts of field values) under ``prefix``."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def new_incident(**overrides):
    data = {
        "title": "aardvark-dns が応答せずコンテナ間の名前解決に失敗",
        "severity": "sev2",
        "started_at": "2023-06-22T11:46:00",
        "detected_at": "2023-06-22T11:50:00",
        "resolved_at": "2023-06-22T13:05:00",
        "summary": "Podman のネットワークで **名前解決** が止まった。",
        "tags": "dns, Resource Exhaustion",
        "services": "aardvark-dns, podman",
        "action": "save",
        **rows("timeline",
               {"occurred_at": "2023-06-22T11:46:26", "kind": "trigger", "description": "connect() failed"},
               {"occurred_at": "2023-06-22T11:50:00", "kind": "detection", "description": "アラート"}),
        **rows("factors",
               {"category": "resource-exhaustion", "description": "ゾンビプロセスが溜まった", "leads_to": "1"},
               {"category": "dependency", "description": "aardvark-dns が落ちた"}),
        **rows("lessons", {"kind": "went_well", "text": "ログがすぐ見つかった"}),
        **rows("actions", {"title": "pid の監視を追加", "kind": "detect", "status": "open", "owner": "sre",
                           "due_date": "2023-07-31", "url": "containers/podman#18946"}),
        **rows("links", {"url": "https://example.com/chat-log", "relation": "related", "title": "chat"}),
    }
    data.update(overrides)
    return data


def test_editor_creates_an_incident_with_all_its_rows(editor_client, editor):
    response = editor_client.post("/incidents/new/", new_incident())
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/incidents/{incident.reference}/"
    assert incident.status == "draft" and list(incident.authors.all()) == [editor]
    assert incident.started_at == datetime.datetime(2023, 6, 22, 11, 46, tzinfo=TOKYO)  # typed in the page's zone
    assert [t.name for t in incident.tags.all()] == ["dns", "resource-exhaustion"]
    assert [e.kind for e in incident.timeline.all()] == ["trigger", "detection"]
    zombies, aardvark = incident.factors.all()
    assert list(zombies.leads_to.all()) == [aardvark]
    assert incident.lessons.get().kind == "went_well"
    item = incident.action_items.get()
    assert item.github.short == "containers/podman#18946" and item.due_date == datetime.date(2023, 7, 31)
    assert incident.links.get().url == "https://example.com/chat-log"
    detail = editor_client.get(response["Location"]).content.decode()
    assert "ゾンビプロセスが溜まった" in detail and "<strong>名前解決</strong>" in detail


def test_the_page_has_a_label_for_every_field(editor_client):
    incident = IncidentFactory()
    FactorFactory(incident=incident), FactorFactory(incident=incident), TimelineEventFactory(incident=incident)
    ActionItemFactory(incident=incident)
    page = editor_client.get(f"/incidents/{incident.reference}/edit/").content.decode()
    fields = re.findall(r'<(?:input|select|textarea)[^>]*>', page)
    ids = {re.search(r'\bid="([^"]+)"', tag)[1] for tag in fields if 'type="hidden"' not in tag and "tabindex" not in tag}
    labelled = set(re.findall(r'<label for="([^"]+)"', page))
    assert ids and ids <= labelled, ids - labelled


@pytest.mark.parametrize("overrides, field, message", [
    ({"title": ""}, "title", "This field is required."),
    ({"detected_at": "2023-06-22T11:00:00"}, "detected_at", "Must not be before started at."),
    ({"started_at": "yesterday"}, "started_at", "Enter a valid date/time."),
    ({"actions-0-url": "javascript:alert(1)"}, "url", "Enter an http(s) URL or OWNER/REPO#N."),
    ({"timeline-1-occurred_at": ""}, "occurred_at", "This field is required."),
    ({"factors-1-leads_to": "0"}, None, "These causes form a cycle: F1 → F2 → F1."),
    ({"tags": "x" * 101}, "tags", "is longer than 100 characters."),
])
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_stored(editor_client, overrides, field, message):
    response = editor_client.post("/incidents/new/", new_incident(**overrides))
    page = response.content.decode()
    assert response.status_code == 200 and Incident.objects.count() == 0
    assert "Nothing was saved" in page and message in page.replace("&#x27;", "'")
    assert "aardvark-dns が応答せずコンテナ間の名前解決に失敗" in page or field == "title"  # what was typed is kept


def test_editing_without_changes_keeps_every_row(editor_client):
    incident = IncidentFactory(title="EKS ノードが NotReady")
    TimelineEventFactory(incident=incident, description="kubelet stopped posting status")
    cause, effect = FactorFactory(incident=incident, description="pid_max"), FactorFactory(incident=incident, description="aws-node")
    cause.set_leads_to([effect])
    item = ActionItemFactory(incident=incident, title="pid alert", due_date=datetime.date(2023, 7, 1))
    response = editor_client.get(f"/incidents/{incident.reference}/edit/")
    assert response.status_code == 200
    editor_client.post(f"/incidents/{incident.reference}/edit/", page_data(response))
    incident.refresh_from_db()
    assert incident.version == 2 and incident.title == "EKS ノードが NotReady"
    assert incident.timeline.get().description == "kubelet stopped posting status"
    first, second = incident.factors.all()
    assert (first.description, second.description) == ("pid_max", "aws-node") and list(first.leads_to.all()) == [second]
    assert (first.pk, second.pk) == (cause.pk, effect.pk)  # the rows are kept, with their ids
    assert incident.action_items.get().due_date == datetime.date(2023, 7, 1) and incident.action_items.get().pk == item.pk


def test_editing_one_row_keeps_the_ids_of_every_row(editor_client):
    incident = IncidentFactory()
    events = [TimelineEventFactory(incident=incident, description=text) for text in ("alert", "page")]
    data = page_data(editor_client.get(f"/incidents/{incident.reference}/edit/"))
    assert [data[f"timeline-{i}-id"] for i in range(2)] == [str(event.pk) for event in events]
    data["timeline-1-description"] = "paged the on-call"
    data.update({"timeline-2-occurred_at": "2023-06-22 12:00", "timeline-2-kind": "resolution",
                 "timeline-2-description": "resolved"})
    data["timeline-TOTAL_FORMS"] = "3"
    assert editor_client.post(f"/incidents/{incident.reference}/edit/", data).status_code == 302
    rows = dict(incident.timeline.values_list("pk", "description"))
    assert rows.pop(events[0].pk) == "alert" and rows.pop(events[1].pk) == "paged the on-call"
    assert list(rows.values()) == ["resolved"]


def test_the_same_link_twice_is_an_error_next_to_the_second_not_a_500(editor_client):
    """The same GitHub issue in two spellings, or the same URL twice: shown by the row, nothing stored."""
    data = new_incident(**rows("links", {"url": "containers/podman#18946", "relation": "fix"},
                               {"url": "https://github.com/containers/podman/issues/18946", "relation": "related"}))
    response = editor_client.post("/incidents/new/", data)
    assert response.status_code == 200 and Incident.objects.count() == 0
    second = response.context["sections"][4][2].forms[1]
    assert second.errors == {"url": ["The link https://github.com/containers/podman/issues/18946 is listed twice."]}
    assert "is listed twice." in response.content.decode() and "Nothing was saved" in response.content.decode()
    incident = IncidentFactory()
    LinkFactory(incident=incident, url="https://example.com/chat-log")
    data = page_data(editor_client.get(f"/incidents/{incident.reference}/edit/"))
    data.update({"links-TOTAL_FORMS": "2", "links-1-url": "https://example.com/chat-log", "links-1-relation": "related"})
    response = editor_client.post(f"/incidents/{incident.reference}/edit/", data)
    assert response.status_code == 200 and "The link https://example.com/chat-log is listed twice." in response.content.decode()
    assert incident.links.count() == 1 and Incident.objects.get(pk=incident.pk).version == 1


def test_a_row_id_of_another_incident_is_refused_on_its_row(editor_client):
    other = TimelineEventFactory(description="someone else's")
    incident = IncidentFactory()
    TimelineEventFactory(incident=incident)
    data = page_data(editor_client.get(f"/incidents/{incident.reference}/edit/"))
    data["timeline-0-id"] = str(other.pk)
    response = editor_client.post(f"/incidents/{incident.reference}/edit/", data)
    assert response.status_code == 200
    assert response.context["sections"][0][2].forms[0].non_field_errors() == [
        f"No row with id {other.pk} belongs to this incident."]
    assert TimelineEventFactory._meta.model.objects.get(pk=other.pk).description == "someone else's"


def test_rows_can_be_removed(editor_client):
    incident = IncidentFactory()
    TimelineEventFactory(incident=incident, description="keep")
    TimelineEventFactory(incident=incident, description="drop")
    data = page_data(editor_client.get(f"/incidents/{incident.reference}/edit/"))
    data["timeline-1-DELETE"] = "on"
    editor_client.post(f"/incidents/{incident.reference}/edit/", data)
    assert [e.description for e in incident.timeline.all()] == ["keep"]


def test_a_stale_save_shows_the_conflict_keeps_the_text_and_overwrites_only_when_asked(editor_client, django_capture_on_commit_callbacks):
    incident = IncidentFactory(title="original", summary="original summary")
    url = f"/incidents/{incident.reference}/edit/"
    mine = page_data(editor_client.get(url))
    save_incident(incident, {"summary": "their careful analysis"})  # someone else saves meanwhile
    mine["summary"] = "my new summary\n\n`kubectl get nodes`"
    response = editor_client.post(url, mine)
    page = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this incident" in page
    assert "my new summary" in page and "their careful analysis" in page
    incident.refresh_from_db()
    assert incident.summary == "their careful analysis"
    # the page now carries the current version: saving it again is a deliberate overwrite
    again = page_data(response)
    assert again["summary"].startswith("my new summary")
    assert editor_client.post(url, again).status_code == 302
    incident.refresh_from_db()
    assert incident.summary.startswith("my new summary")


def test_a_pasted_log_becomes_timeline_rows_for_review_before_saving(editor_client):
    data = new_incident(**rows("timeline"))
    data.update({
        "action": "parse_log",
        "log-log": "note before anything\n"
                   "2023/06/22 02:46:26 [error] 1234#0: *5 connect() failed (111: Connection refused)\n"
                   "    while connecting to upstream\n"
                   "10.0.0.1 - - [22/Jun/2023:02:46:32 +0000] \"GET /healthz HTTP/1.1\" 502 157\n",
        "log-date": "2023-06-22",
        "log-zone": "UTC",
    })
    response = editor_client.post("/incidents/new/", data)
    page = response.content.decode()
    assert response.status_code == 200 and Incident.objects.count() == 0  # nothing stored yet
    assert "2 events were added to the timeline below, shown in Asia/Tokyo" in page
    assert "2023-06-22T02:46:26+00:00" in page
    timeline = response.context["sections"][0][2].data
    assert timeline["timeline-TOTAL_FORMS"] == "2"
    assert timeline["timeline-0-occurred_at"] == "2023-06-22 11:46:26"  # 02:46 UTC is 11:46 in Tokyo
    assert "while connecting to upstream" in timeline["timeline-0-description"]
    assert response.context["log_form"]["log"].value() == "note before anything"  # unread lines stay in the box

    saved = page_data(response)
    saved["action"] = "save"
    assert editor_client.post("/incidents/new/", saved).status_code == 302
    events = Incident.objects.get().timeline.all()
    assert [e.occurred_at for e in events] == [
        datetime.datetime(2023, 6, 22, 2, 46, 26, tzinfo=datetime.UTC),
        datetime.datetime(2023, 6, 22, 2, 46, 32, tzinfo=datetime.UTC),
    ]
    assert [e.source for e in events] == ["nginx error log", "access log"]


def test_the_log_paste_says_what_became_of_every_line_and_guesses_kinds(editor_client):
    data = new_incident(**rows("timeline"))
    data.update({
        "action": "parse_log",
        "log-log": "チャットから貼り付け\n"
                   "\n"
                   "I1128 10:03:00.123456       1 reflector.go:351] Caches populated for *v1.Pod\n"
                   '{"time":"2023-11-28T01:04:00Z","level":"error","msg":"readiness probe failed"}\n'
                   "goroutine 1 [running]:\n"
                   "main.main()\n"
                   "10時20分 アラート発報\n"
                   "2023-11-28T10:25:00+0900 web-01 systemd[1]: Stopping nginx.service...\n"
                   "<34>1 2023-11-28T10:30:00.000+09:00 web-01 kubectl - - - rollout undo deployment/api\n",
        "log-date": "2023-11-28",
        "log-zone": "Asia/Tokyo",
    })
    response = editor_client.post("/incidents/new/", data)
    page = response.content.decode()
    assert "5 events were added to the timeline below" in page
    assert "2 lines without a time were merged into the event above them (lines 5–6)." in page
    assert "1 line before the first time was left in the box (line 1)." in page
    assert "1 blank line was skipped." in page
    assert "klog (reflector.go:351)" in page and "journald (web-01)" in page
    timeline = response.context["sections"][0][2].data
    assert timeline["timeline-TOTAL_FORMS"] == "5"
    assert [timeline[f"timeline-{i}-kind"] for i in range(5)] == ["other", "other", "detection", "other",
                                                                  "mitigation"]
    assert timeline["timeline-1-description"] == "[error] readiness probe failed\ngoroutine 1 [running]:\nmain.main()"
    assert [label for _event, label in response.context["read"]][2:3] == ["Detection"]
    assert response.context["log_form"]["log"].value() == "チャットから貼り付け"


def test_a_bad_time_zone_for_the_log_is_a_form_error(editor_client):
    response = editor_client.post("/incidents/new/", new_incident(**{"action": "parse_log", "log-log": "02:46 x",
                                                                    "log-date": "2023-06-22", "log-zone": "Mars/Olympus"}))
    assert "“Mars/Olympus” is not a time zone name" in response.content.decode()


def test_adding_a_row_and_previewing_store_nothing_and_show_no_errors(editor_client):
    data = new_incident(title="", summary="<script>alert(1)</script> **bold**", action="add:factors")
    response = editor_client.post("/incidents/new/", data)
    page = response.content.decode()
    assert Incident.objects.count() == 0
    assert response.context["sections"][1][2].total_form_count() == 3
    assert "This field is required" not in page
    response = editor_client.post("/incidents/new/", new_incident(summary="<script>alert(1)</script> **bold**", action="preview"))
    page = response.content.decode()
    assert "<strong>bold</strong>" in page and "<script>alert" not in page and Incident.objects.count() == 0


# --- who may open which page -------------------------------------------------------------------------

PAGES = ["list", "detail", "draft", "create", "edit", "edit-draft", "status", "patterns"]
ROLES = ["anonymous", "viewer", "author", "editor", "admin"]
EXPECTED = {
    # page: status for anonymous, viewer, viewer who wrote the draft, editor, admin
    "list": (302, 200, 200, 200, 200),
    "detail": (302, 200, 200, 200, 200),
    "draft": (302, 404, 200, 200, 200),
    "create": (302, 403, 403, 200, 200),
    "edit": (302, 403, 403, 200, 200),
    "edit-draft": (302, 403, 403, 200, 200),
    "status": (302, 403, 403, 302, 302),
    "patterns": (302, 200, 200, 200, 200),
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_permissions_for_each_role_and_page(client, user, role, page):
    author = user("viewer", username="author")
    published = IncidentFactory(status="published")
    draft = IncidentFactory(status="draft")
    draft.authors.add(author)
    if role == "author":
        client.force_login(author)
    elif role != "anonymous":
        client.force_login(user(role))
    urls = {
        "list": ("get", "/incidents/"),
        "detail": ("get", f"/incidents/{published.reference}/"),
        "draft": ("get", f"/incidents/{draft.reference}/"),
        "create": ("get", "/incidents/new/"),
        "edit": ("get", f"/incidents/{published.reference}/edit/"),
        "edit-draft": ("get", f"/incidents/{draft.reference}/edit/"),
        "status": ("post", f"/incidents/{draft.reference}/status/"),
        "patterns": ("get", "/patterns/"),
    }
    method, url = urls[page]
    response = getattr(client, method)(url, {"status": "in_review"} if method == "post" else None)
    assert response.status_code == EXPECTED[page][ROLES.index(role)]
    if response.status_code == 302 and role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


def test_viewers_cannot_post_an_edit(viewer_client):
    incident = IncidentFactory(title="unchanged")
    assert viewer_client.post(f"/incidents/{incident.reference}/edit/", {"title": "changed"}).status_code == 403
    incident.refresh_from_db()
    assert incident.title == "unchanged"


def test_demo_incident_edited_and_republished_in_japanese(demo, editor_client):
    incident = Incident.objects.filter(status="published").first()
    url = f"/incidents/{incident.reference}/edit/"
    page = editor_client.get(url, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "保存" in page
    data = page_data(editor_client.get(url, HTTP_ACCEPT_LANGUAGE="ja"))
    data["title"] = incident.title + "（改訂）"
    assert editor_client.post(url, data, HTTP_ACCEPT_LANGUAGE="ja").status_code == 302
    editor_client.post(f"/incidents/{incident.reference}/status/", {"status": "in_review"})
    editor_client.post(f"/incidents/{incident.reference}/status/", {"status": "published"})
    incident.refresh_from_db()
    assert incident.title.endswith("（改訂）") and incident.status == "published"
    assert incident.timeline.count() > 0 and incident.factors.count() > 0


def test_times_on_the_page_are_in_the_display_zone(editor_client):
    incident = IncidentFactory(started_at=timezone.make_aware(datetime.datetime(2023, 6, 22, 2, 46), datetime.UTC))
    page = editor_client.get(f"/incidents/{incident.reference}/edit/").content.decode()
    assert 'value="2023-06-22 11:46"' in page and "Started at (Asia/Tokyo)" in page


def test_without_javascript_an_add_button_lands_on_the_new_row_with_its_first_box_focused(editor_client):
    incident = IncidentFactory()
    TimelineEventFactory(incident=incident), TimelineEventFactory(incident=incident)
    url = f"/incidents/{incident.reference}/edit/"
    response = editor_client.get(url)
    page = response.content.decode()
    assert 'value="add:timeline" formaction="#timeline-2"' in page and 'formaction="#action_items-0"' in page
    assert "autofocus" not in page
    data = page_data(response)
    data["action"] = "add:timeline"
    page = editor_client.post(url, data).content.decode()
    assert '<fieldset class="row" id="timeline-2">' in page and 'formaction="#timeline-3"' in page
    assert re.findall(r"<[^>]*\bautofocus\b[^>]*>", page) == [
        re.search(r'<input[^>]*id="id_timeline-2-occurred_at"[^>]*>', page)[0]]
    data = page_data(editor_client.post(url, data))
    data["action"] = "add:action_items"
    page = editor_client.post(url, data).content.decode()
    assert '<fieldset class="row" id="action_items-0">' in page
    assert re.search(r'<input[^>]*id="id_actions-0-title"[^>]*>', page)[0].count("autofocus") == 1
    incident.refresh_from_db()
    assert incident.version == 1 and incident.timeline.count() == 2  # an Add stores nothing


def test_each_section_carries_an_empty_row_for_adding_in_place(editor_client):
    page = editor_client.get("/incidents/new/").content.decode()
    for key, prefix in [("timeline", "timeline"), ("factors", "factors"), ("action_items", "actions")]:
        template = re.search(rf'<section id="{key}".*?<template data-empty-row>(.*?)</template>', page, re.S)[1]
        assert f'id="{key}-__prefix__"' in template and f'name="{prefix}-__prefix__-' in template
    assert 'src="/static/js/rows.js" defer' in page


@pytest.mark.parametrize("typed", ["2023-06-22 23:05", "2023-06-22T23:05", "2023/06/22 23:05:00", "2023-06-22 23:05:00"])
def test_times_are_typed_and_shown_in_the_24_hour_clock(editor_client, typed):
    page = editor_client.get("/incidents/new/").content.decode()
    started = re.search(r'<input[^>]*id="id_started_at"[^>]*>', page)[0]
    assert 'type="text"' in started and 'placeholder="YYYY-MM-DD HH:MM"' in started and "datetime-local" not in page
    response = editor_client.post("/incidents/new/", new_incident(
        started_at=typed, detected_at="", resolved_at="", **{"timeline-0-occurred_at": typed, "timeline-1-occurred_at": typed}))
    assert response.status_code == 302, response.context["form"].errors
    incident = Incident.objects.get()
    assert incident.started_at == datetime.datetime(2023, 6, 22, 23, 5, tzinfo=TOKYO)
    assert incident.timeline.first().occurred_at == incident.started_at
    page = editor_client.get(f"/incidents/{incident.reference}/edit/").content.decode()
    assert 'value="2023-06-22 23:05"' in page and 'value="2023-06-22 23:05:00"' not in page


@pytest.mark.parametrize("url", ["https://github.com/containers/podman/issues/abc", "containers/podman#0"])
def test_a_broken_github_link_is_explained_in_the_page_language_like_the_help_text(editor_client, url):
    response = editor_client.post("/incidents/new/", new_incident(**{"actions-0-url": url}),
                                  HTTP_ACCEPT_LANGUAGE="ja")
    page = response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert Incident.objects.count() == 0
    assert (f"「{url}」は GitHub の issue / pull request として正しくありません (OWNER/REPO#N か "
            "https://github.com/OWNER/REPO/issues/N)。") in page
    assert "not a valid GitHub" not in page and "is not an issue or pull request number" not in page
    assert "GitHub の issue / pull request (OWNER/REPO#N かその URL。状態を追跡します)、または任意の URL。" in page


def test_a_github_repository_url_is_kept_as_a_plain_link_not_followed(editor_client):
    response = editor_client.post("/incidents/new/", new_incident(**{"actions-0-url": "https://github.com/containers/podman"}))
    assert response.status_code == 302
    item = Incident.objects.get().action_items.get()
    assert item.url == "https://github.com/containers/podman" and item.github is None
