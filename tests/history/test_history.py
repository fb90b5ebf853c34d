"""Revision history: every write path records a numbered revision; the API lists, shows and restores them;
the page shows a character-run diff and a restore button for editors."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from incidents.actions.github import apply
from incidents.models import ActionItem, GitHubReference, Incident, IncidentRevision
from incidents.text.diff import diff
from tests.api.test_serializers import FULL
from tests.admin.test_incidents import _post_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reviewer")]  # FULL names them as its reviewer

URL = "/api/v1/incidents/"


def revisions(incident_id):
    return list(IncidentRevision.objects.filter(incident_id=incident_id).order_by("number"))


def created(client, document=None):
    response = client.post(URL, document or {"title": "DNS", "summary": "名前解決に失敗した"}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


# --- write paths ---------------------------------------------------------------------------------------


def test_api_create_put_patch_record_numbered_revisions_newest_first(editor_api):
    incident = created(editor_api, FULL)
    editor_api.patch(f"{URL}{incident['id']}/", {"summary": "ゾンビプロセスが pid_max を使い切った。"}, format="json")
    document = {key: value for key, value in incident.items() if key != "version"}  # as read, rows with their ids
    editor_api.put(f"{URL}{incident['id']}/", {**document, "severity": "sev2", "tags": ["kubernetes"]}, format="json")
    listed = editor_api.get(f"{URL}{incident['id']}/revisions/").json()
    assert [r["number"] for r in listed] == [3, 2, 1]
    assert all(r["author"] == "editor" for r in listed)
    assert {r["source"] for r in listed} == {"api"}
    assert listed[1]["changed"] == ["summary"]
    assert listed[0]["changed"] == ["summary", "severity", "tags"]
    assert "factors" in listed[2]["changed"] and "action_items" in listed[2]["changed"]


def test_a_save_that_changes_nothing_lists_no_fields(editor_api):
    incident = created(editor_api, FULL)
    editor_api.put(f"{URL}{incident['id']}/", {key: value for key, value in incident.items() if key != "version"},
                   format="json")  # the document as read: every row written back with its id
    assert revisions(incident["id"])[-1].changed == []


def test_rows_are_compared_by_id_so_rows_written_again_without_ids_are_listed(editor_api):
    """An older client sends no ids: its rows replace the stored ones (new ids), which the history says."""
    incident = created(editor_api, FULL)
    editor_api.put(f"{URL}{incident['id']}/", {**FULL, "lessons": []}, format="json")
    latest = revisions(incident["id"])[-1]
    assert latest.changed == ["timeline", "factors", "lessons", "action_items", "links"]
    before, after = latest.previous().document(), latest.document()
    assert [event["id"] for event in after["timeline"]] != [event["id"] for event in before["timeline"]]
    assert [factor["ref"] for factor in after["factors"]] == [f"F{n}" for n in range(1, len(after["factors"]) + 1)]


def test_ui_edit_and_status_buttons_record_revisions(client, user, editor_api, settings):
    settings.POSTMORTEM_REVIEW_REQUIRED = False  # the status button without naming reviewers (tests/reviews has the gate)
    client.force_login(user("editor", username="ed"))
    incident = created(editor_api)
    page = client.get(reverse("incident-edit", args=[f"INC-{incident['id']}"]))
    data = {}
    for form in [page.context["form"], *[f for _key, _title, formset in page.context["sections"] for f in [formset.management_form, *formset.forms]]]:
        for name in form.fields:
            value = form.initial.get(name, form.fields[name].initial)
            data[form.add_prefix(name)] = "" if value is None else value
    data.update({"title": "DNS が遅い", "version": Incident.objects.get(pk=incident["id"]).version, "action": "save"})
    response = client.post(reverse("incident-edit", args=[f"INC-{incident['id']}"]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    client.post(reverse("incident-status", args=[f"INC-{incident['id']}"]), {"status": "in_review"})
    web, status = revisions(incident["id"])[1:]
    assert (web.source, web.author.username, "title" in web.changed) == ("web", "ed", True)
    assert (status.source, status.author.username, status.changed) == ("status", "ed", ["status"])


def test_github_moving_an_action_item_is_a_revision_without_author(editor_api):
    incident = created(editor_api, {"title": "x", "action_items": [
        {"title": "fix", "kind": "prevent", "status": "open", "url": "acme/api#42"}]})
    reference = GitHubReference.objects.get()
    apply.apply_state(reference, title="fix", state="merged", kind="pull")
    latest = revisions(incident["id"])[-1]
    assert (latest.number, latest.source, latest.author, latest.changed) == (2, "github", None, ["action_items"])
    assert ActionItem.objects.get().status == "done"
    shown = editor_api.get(f"{URL}{incident['id']}/revisions/").json()[0]
    assert (shown["author"], shown["source"]) == (None, "github")


def test_demo_load_is_an_import_without_author(demo):
    first = IncidentRevision.objects.order_by("pk").first()
    assert (first.number, first.source, first.author) == (1, "import", None)
    assert first.document()["authors"] == ["demo"]
    assert IncidentRevision.objects.count() == Incident.objects.count()


def test_admin_save_records_a_revision(client, user, editor_api):
    incident = created(editor_api)
    user("admin", username="staff", is_staff=True)
    client.post(reverse("login"), {"username": "staff", "password": "pw"})
    url = reverse("admin:incidents_incident_change", args=[incident["id"]])
    data = _post_data(client.get(url).context) | {"summary": "名前解決が遅延した"}
    assert client.post(url, data).status_code == 302
    latest = revisions(incident["id"])[-1]
    assert (latest.number, latest.source, latest.author.username, latest.changed) == (2, "admin", "staff", ["summary"])


# --- the API -------------------------------------------------------------------------------------------


def test_a_revision_has_the_document_as_it_was_and_a_character_diff(editor_api):
    incident = created(editor_api)
    editor_api.patch(f"{URL}{incident['id']}/", {"summary": "名前解決が遅延した", "severity": "sev1"}, format="json")
    one = editor_api.get(f"{URL}{incident['id']}/revisions/1/").json()
    assert one["document"]["summary"] == "名前解決に失敗した"
    assert one["document"]["version"] == 1
    two = editor_api.get(f"{URL}{incident['id']}/revisions/2/").json()
    assert two["changed"] == ["summary", "severity"]
    assert two["diff"]["summary"] == diff("名前解決に失敗した", "名前解決が遅延した")
    assert two["diff"]["severity"] == {"from": "sev3", "to": "sev1"}
    current = editor_api.get(f"{URL}{incident['id']}/").json()
    stamps = ("created_at", "updated_at", "attachments")  # reversion stores times to the millisecond; attachments:
    assert two["document"]["attachments"] == []  # what they were (tests/history/test_attachments.py), not in the API's
    assert {k: v for k, v in two["document"].items() if k not in stamps} == {
        k: v for k, v in current.items() if k not in stamps}
    assert editor_api.get(f"{URL}{incident['id']}/revisions/9/").status_code == 404


def test_the_document_of_a_full_incident_is_the_api_document(editor_api):
    incident = created(editor_api, FULL)
    stored = editor_api.get(f"{URL}{incident['id']}/revisions/1/").json()["document"]
    current = editor_api.get(f"{URL}{incident['id']}/").json()
    stamps = ("created_at", "updated_at", "attachments")  # reversion stores times to the millisecond
    assert {k: v for k, v in stored.items() if k not in stamps} == {k: v for k, v in current.items() if k not in stamps}
    assert stored["created_at"][:23] == current["created_at"][:23]


def test_restore_saves_the_old_document_as_a_new_revision(editor_api):
    incident = created(editor_api, FULL)
    editor_api.patch(f"{URL}{incident['id']}/", {"summary": "changed", "factors": [], "tags": []}, format="json")
    response = editor_api.post(f"{URL}{incident['id']}/revisions/1/restore/", {"version": 2}, format="json")
    assert response.status_code == 200, response.content
    restored = response.json()
    assert restored["summary"] == FULL["summary"] and restored["version"] == 3
    assert [f["description"] for f in restored["factors"]] == [f["description"] for f in FULL["factors"]]
    assert len(restored["factors"][0]["leads_to"]) == 1 and sorted(restored["tags"]) == sorted(FULL["tags"])
    latest = revisions(incident["id"])[-1]
    assert (latest.number, latest.source, latest.author.username) == (3, "restore", "editor")
    assert "summary" in latest.changed and "factors" in latest.changed
    assert editor_api.post(f"{URL}{incident['id']}/revisions/2/restore/", format="json").status_code == 200  # body optional


def test_a_stale_restore_is_refused_with_409(editor_api):
    incident = created(editor_api)
    editor_api.patch(f"{URL}{incident['id']}/", {"summary": "other"}, format="json")
    response = editor_api.post(f"{URL}{incident['id']}/revisions/1/restore/", {"version": 1}, format="json")
    assert response.status_code == 409 and response.json()["current_version"] == 2
    assert len(revisions(incident["id"])) == 2
    assert editor_api.post(f"{URL}{incident['id']}/revisions/1/restore/", {"version": "x"}, format="json").status_code == 400
    assert editor_api.post(f"{URL}{incident['id']}/revisions/1/restore/", [1], format="json").status_code == 400


def test_viewers_read_published_history_but_cannot_restore_nor_see_drafts(editor_api, viewer_api, user, api_as):
    published = created(api_as(user("admin")), {"title": "p", "status": "published"})  # admins publish directly
    draft = created(editor_api, {"title": "d"})
    assert viewer_api.get(f"{URL}{published['id']}/revisions/").status_code == 200
    assert viewer_api.get(f"{URL}{published['id']}/revisions/1/").status_code == 200
    assert viewer_api.post(f"{URL}{published['id']}/revisions/1/restore/", format="json").status_code == 403
    assert viewer_api.get(f"{URL}{draft['id']}/revisions/").status_code == 404
    assert viewer_api.get(f"{URL}{draft['id']}/revisions/1/").status_code == 404
    assert viewer_api.post(f"{URL}{draft['id']}/revisions/1/restore/", format="json").status_code == 404
    assert APIClient().get(f"{URL}{published['id']}/revisions/").status_code == 401


# --- the page ------------------------------------------------------------------------------------------


def test_the_page_shows_an_escaped_character_diff_and_restore_for_editors(client, user, api_as, editor_api):
    incident = created(api_as(user("admin")), {"title": "t", "status": "published", "summary": "名前解決に失敗した <b>x</b>"})
    editor_api.patch(f"{URL}{incident['id']}/", {"summary": "名前解決が遅延した <b>x</b><script>alert(1)</script>"}, format="json")
    url = reverse("incident-history", args=[f"INC-{incident['id']}"])
    client.force_login(user("editor", username="ed2"))
    page = client.get(url).content.decode()
    assert "名前解決<del>に失敗</del><ins>が遅延</ins>した" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "Restore revision 1" in page
    assert reverse("incident-history", args=[f"INC-{incident['id']}"]) in client.get(f"/incidents/INC-{incident['id']}/").content.decode()
    response = client.post(reverse("incident-restore", args=[f"INC-{incident['id']}", 1]), {"version": 2})
    assert response.status_code == 302
    assert Incident.objects.get(pk=incident["id"]).summary == "名前解決に失敗した <b>x</b>"
    stale = client.post(reverse("incident-restore", args=[f"INC-{incident['id']}", 2]), {"version": 2}, follow=True)
    assert "nothing was restored" in stale.content.decode()
    assert len(revisions(incident["id"])) == 3

    client.force_login(user("viewer", username="v"))
    page = client.get(url)
    assert page.status_code == 200 and "Restore revision" not in page.content.decode()
    assert client.post(reverse("incident-restore", args=[f"INC-{incident['id']}", 1]), {"version": 3}).status_code == 403
    draft = created(editor_api, {"title": "d"})
    assert client.get(reverse("incident-history", args=[f"INC-{draft['id']}"])).status_code == 404


def test_a_renamed_repository_rewriting_links_is_a_github_revision(client, editor_api, settings):
    from tests.web.test_github import SECRET, deliver

    settings.GITHUB_WEBHOOK_SECRET = SECRET
    incident = created(editor_api, {"title": "x", "links": [{"url": "acme/api-legacy#42", "relation": "related"}]})
    assert deliver(client, "repository__renamed").status_code == 200
    latest = revisions(incident["id"])[-1]
    assert (latest.number, latest.source, latest.author, latest.changed) == (2, "github", None, ["links"])


def test_a_review_round_shows_in_the_history_page(client, user, editor_api):
    from incidents.actions import reviews

    author, checker = user("editor", username="writer"), user("editor", username="checker")
    incident = Incident.objects.get(pk=created(editor_api, {"title": "r"})["id"])
    incident.authors.set([author])
    reviews.request_review(incident, [checker], by=author)
    reviews.review(incident, checker, "changes_requested", "もう少し")
    client.force_login(author)
    page = client.get(reverse("incident-history", args=[incident.reference]))
    assert page.status_code == 200
    sources = [(r.source, r.author.username if r.author else None) for r in revisions(incident.pk)]
    assert sources[1:] == [("status", "writer"), ("status", "checker")]  # in review, then back to draft


def test_the_page_shows_values_as_the_pages_do_in_both_languages(client, user, api_as, editor_api):
    """Choices by their labels, lists joined, people by name, times in 24 hours as on the incident page, rows as
    how many were added or changed, labels as on the edit page."""
    import re

    yamada = user("editor", username="yamada", first_name="太郎", last_name="山田")
    incident = created(api_as(user("admin")), {"title": "t", "status": "published", "severity": "sev2"})
    editor_api.patch(f"{URL}{incident['id']}/", {
        "severity": "sev3", "author_names": ["山田", "Sato"], "reviewers": ["yamada"], "tags": ["dns", "k8s"],
        "started_at": "2026-03-01T15:04:00+09:00", "timeline": [{"occurred_at": "2026-03-01T15:04:00+09:00",
                                                                 "description": "x"}]}, format="json")
    client.force_login(yamada)
    page = client.get(reverse("incident-history", args=[f"INC-{incident['id']}"])).content.decode()
    newest = page[page.index('id="revision-2"'):page.index('id="revision-1"')]
    changes = re.sub(r"\s+", " ", newest[newest.index('<dl class="changes">'):newest.index("</dl>")])
    assert "<dt>Severity</dt> <dd><del>SEV2 – major</del> → <ins>SEV3 – minor</ins>" in changes
    assert "<dt>Other authors</dt> <dd><del>—</del> → <ins>山田, Sato</ins>" in changes
    assert "<dt>Reviewers</dt> <dd><del>—</del> → <ins>太郎 山田</ins>" in changes
    assert "<dt>Tags</dt> <dd><del>—</del> → <ins>dns, k8s</ins>" in changes
    assert "<dt>Started at</dt> <dd><del>—</del> → <ins>2026-03-01 15:04 JST</ins>" in changes
    assert "<dt>Timeline</dt> <dd>1 row added </dd>" in changes
    assert "['" not in changes and "sev3" not in changes
    assert re.search(r'<p class="meta">\s*\d{4}-\d\d-\d\d \d\d:\d\d [A-Z]+ ·', newest)
    assert "a.m." not in page and "p.m." not in page

    page = client.get(reverse("incident-history", args=[f"INC-{incident['id']}"]), HTTP_ACCEPT_LANGUAGE="ja")
    changes = re.sub(r"\s+", " ", page.content.decode())
    assert "<del>SEV2 – 重大</del> → <ins>SEV3 – 軽微</ins>" in changes
    assert "<dd>1 行を追加 </dd>" in changes

    published = created(api_as(user("admin", username="boss2")), {"title": "p", "status": "published"})
    editor_api.patch(f"{URL}{published['id']}/", {"status": "in_review", "reviewers": ["yamada"]}, format="json")
    page = re.sub(r"\s+", " ", client.get(reverse("incident-history", args=[f"INC-{published['id']}"]),
                                          HTTP_ACCEPT_LANGUAGE="ja").content.decode())
    assert "<del>公開済み</del> → <ins>レビュー中</ins>" in page and "in_review" not in page


def test_restore_asks_first_and_a_second_tab_of_ones_own_is_named_as_such(client, user, api_as, editor_api):
    incident = created(api_as(user("admin")), {"title": "t", "status": "published", "summary": "最初"})
    editor_api.patch(f"{URL}{incident['id']}/", {"summary": "二番目"}, format="json")
    reference = f"INC-{incident['id']}"
    me = user("editor", username="ed2")
    client.force_login(me)
    history = client.get(reverse("incident-history", args=[reference])).content.decode()
    link = f'href="/incidents/{reference}/history/1/restore/?version=2"'
    assert link in history and "<form method=\"post\" action=\"/incidents/" not in history  # a link, not a button

    confirm = client.get(f"/incidents/{reference}/history/1/restore/?version=2").content.decode()
    assert "Restore revision 1 of " + reference in confirm and "What changes: Summary" in confirm
    assert "The status, the reviewers and the attachments stay as they are." in confirm
    assert '<input type="hidden" name="version" value="2">' in confirm
    assert Incident.objects.get(pk=incident["id"]).summary == "二番目"  # showing it changed nothing
    japanese = client.get(f"/incidents/{reference}/history/1/restore/?version=2", HTTP_ACCEPT_LANGUAGE="ja")
    assert "変わるもの: 概要" in japanese.content.decode()
    editor_api.patch(f"{URL}{incident['id']}/", {"severity": "sev1"}, format="json")
    both = client.get(f"/incidents/{reference}/history/1/restore/?version=3", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "変わるもの: 概要、深刻度" in both

    client.post(f"/incidents/{reference}/history/1/restore/", {"version": 3})  # the first tab
    assert Incident.objects.get(pk=incident["id"]).summary == "最初"
    second_tab = client.post(f"/incidents/{reference}/history/2/restore/", {"version": 3}, follow=True).content.decode()
    assert "You saved this incident at" in second_tab and "(in another tab or window)" in second_tab
    assert "nothing was restored" in second_tab and "Someone" not in second_tab

    editor_api.patch(f"{URL}{incident['id']}/", {"summary": "三番目"}, format="json")
    other = client.post(f"/incidents/{reference}/history/2/restore/", {"version": 4}, follow=True).content.decode()
    assert "editor saved this incident at" in other and "nothing was restored" in other
