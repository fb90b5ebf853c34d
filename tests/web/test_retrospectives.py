"""Retrospective meetings: pages and API per role, agenda editing, closing, and exports as downloads."""

import datetime
import html
import re

import pytest
from rest_framework.test import APIClient

from incidents.actions.retrospectives import add_to_agenda
from incidents.models import AgendaItem, Incident, Retrospective, Tag
from tests.factories import IncidentFactory, RetrospectiveFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(demo):
    """A meeting over the postmortem-tagged demo incidents, plus the demo's draft."""
    meeting = RetrospectiveFactory(title="ポストモーテム定例", date=datetime.date(2026, 11, 22), select_tag="postmortem")
    add_to_agenda(meeting, meeting.apply_selection())
    add_to_agenda(meeting, [Incident.objects.get(status="draft")])
    return meeting


# --- pages ----------------------------------------------------------------------------------------


def test_pages_need_sign_in(meeting, client):
    for url in ["/retrospectives/", f"/retrospectives/{meeting.pk}/", "/retrospectives/new/",
                f"/retrospectives/{meeting.pk}/export.md", f"/incidents/{meeting.agenda.first().incident.reference}/export.md"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


def test_viewers_read_meetings_but_change_nothing(meeting, viewer_client):
    assert "ポストモーテム定例" in viewer_client.get("/retrospectives/").content.decode()
    page = viewer_client.get(f"/retrospectives/{meeting.pk}/").content.decode()
    assert Incident.objects.get(title__contains="pid_max").title in page
    assert Incident.objects.get(status="draft").title not in page
    assert "2 incidents on the agenda are not shown" in page  # the draft and the one in review
    assert "<textarea" not in page and "Close meeting" not in page and "New meeting" not in page
    item = meeting.agenda.first()
    for url, data in [("/retrospectives/new/", {}), (f"/retrospectives/{meeting.pk}/edit/", {}),
                      (f"/retrospectives/{meeting.pk}/agenda/", {"action": "remove", "item": item.pk}),
                      (f"/retrospectives/{meeting.pk}/notes/", {f"item-{item.pk}-notes": "x"}),
                      (f"/retrospectives/{meeting.pk}/close/", {"publish": "on"})]:
        assert viewer_client.post(url, data).status_code == 403, url
    assert viewer_client.get("/retrospectives/new/").status_code == 403
    assert meeting.agenda.count() == 6 and Retrospective.objects.get().closed_at is None


def test_every_form_field_has_a_label(meeting, editor_client):
    for url in ["/retrospectives/new/", f"/retrospectives/{meeting.pk}/edit/", f"/retrospectives/{meeting.pk}/"]:
        page = editor_client.get(url).content.decode()
        ids = re.findall(r'<(?:input|select|textarea)\b(?![^>]*type="(?:hidden|submit)")[^>]*\bid="([^"]+)"', page)
        assert ids, url
        for field_id in ids:
            assert f'for="{field_id}"' in page, (url, field_id)


def test_editor_creates_a_meeting_from_a_saved_selection(demo, editor_client):
    response = editor_client.post("/retrospectives/new/", {"title": "Review", "date": "2026-11-22", "facilitator": "tanaka",
                                                           "select_tag": "postmortem", "select_status": "", "select_since": ""})
    meeting = Retrospective.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/retrospectives/{meeting.pk}/"
    expected = list(Incident.objects.with_tags(["postmortem"]).order_by("started_at").values_list("pk", flat=True))
    assert list(meeting.agenda.values_list("incident_id", flat=True)) == expected
    assert list(meeting.agenda.values_list("position", flat=True)) == list(range(1, len(expected) + 1))
    page = editor_client.get(response["Location"]).content.decode()
    assert "5 incidents added to the agenda." in page


def test_since_the_previous_meeting(demo):
    RetrospectiveFactory(date=datetime.date(2023, 6, 1))
    meeting = RetrospectiveFactory(date=datetime.date(2023, 12, 1), select_tag="postmortem", select_since_previous=True)
    assert meeting.previous().date == datetime.date(2023, 6, 1)
    assert meeting.selection_since() == datetime.date(2023, 6, 1)
    titles = [incident.title for incident in meeting.apply_selection()]
    assert len(titles) == 1 and "aardvark-dns" in titles[0]  # started 2023-06-16; zmq4 started 2023-05-29


def test_the_saved_selection_never_adds_a_restricted_incident(user, client_as, api_as):
    """A meeting's agenda is shown to every attendee: the selection (on save, or "add the selection") leaves
    restricted incidents out, even for an admin who may see them; an admin or a member adds one by name."""
    admin, member, outsider = user("admin"), user("editor", username="member"), user("editor", username="outsider")
    public = IncidentFactory(title="Public cache outage")
    public.tags.add(*Tag.objects.resolve(["postmortem"]))
    secret = IncidentFactory(title="Payroll leak", visibility="restricted")
    secret.tags.add(*Tag.objects.resolve(["postmortem"]))
    secret.members.add(member)
    for who in (admin, member):
        response = client_as(who).post("/retrospectives/new/", {
            "title": f"Review by {who.username}", "date": "2026-11-22", "select_tag": "postmortem"}, follow=True,
            HTTP_ACCEPT_LANGUAGE="en")
        meeting = Retrospective.objects.get(title=f"Review by {who.username}")
        assert list(meeting.agenda.values_list("incident_id", flat=True)) == [public.pk]
        assert "1 incident added to the agenda." in response.content.decode()
        response = client_as(who).post(f"/retrospectives/{meeting.pk}/agenda/", {"action": "select"}, follow=True,
                                       HTTP_ACCEPT_LANGUAGE="ja")
        assert list(meeting.agenda.values_list("incident_id", flat=True)) == [public.pk]
    created = api_as(admin).post("/api/v1/retrospectives/", {"title": "By API", "date": "2026-11-22",
                                                             "select_tag": "postmortem"}, format="json").json()
    assert created["agenda"] == []  # the API's agenda is only what it is sent
    meeting = Retrospective.objects.get(title="Review by member")
    client_as(outsider).post(f"/retrospectives/{meeting.pk}/agenda/", {"action": "add", "reference": secret.reference})
    assert not meeting.agenda.filter(incident=secret).exists()  # "No such incident, or you may not see it."
    client_as(member).post(f"/retrospectives/{meeting.pk}/agenda/", {"action": "add", "reference": secret.reference})
    assert list(meeting.agenda.values_list("incident_id", flat=True)) == [public.pk, secret.pk]
    page = client_as(outsider).get(f"/retrospectives/{meeting.pk}/").content.decode()
    assert "Public cache outage" in page and "Payroll leak" not in page


def test_editor_orders_the_agenda_and_writes_notes(meeting, editor_client):
    url = f"/retrospectives/{meeting.pk}/agenda/"
    first, second = meeting.agenda.all()[:2]
    editor_client.post(url, {"action": "down", "item": first.pk})
    assert list(meeting.agenda.values_list("pk", flat=True)[:2]) == [second.pk, first.pk]
    editor_client.post(url, {"action": "up", "item": first.pk})
    assert list(meeting.agenda.values_list("pk", flat=True)[:2]) == [first.pk, second.pk]
    editor_client.post(url, {"action": "remove", "item": first.pk})
    assert not AgendaItem.objects.filter(pk=first.pk).exists()
    assert list(meeting.agenda.values_list("position", flat=True)) == list(range(1, meeting.agenda.count() + 1))
    editor_client.post(url, {"action": "add", "reference": first.incident.reference})
    assert meeting.agenda.last().incident == first.incident
    response = editor_client.post(url, {"action": "add", "reference": "INC-999999"}, follow=True)
    assert "No such incident" in response.content.decode()
    response = editor_client.post(f"/retrospectives/{meeting.pk}/notes/",
                                  {f"item-{second.pk}-notes": "pid の監視を追加", f"item-{second.pk}-decisions": "公開する"})
    assert response.status_code == 302
    second.refresh_from_db()
    assert (second.notes, second.decisions) == ("pid の監視を追加", "公開する")
    assert "pid の監視を追加" in export_of(editor_client, meeting, "md")


def notes_form_data(page):
    """What the browser submits from the meeting page's notes form: every box and hidden field as shown."""
    form = page.split('id="notes-form"')[1].split("</form>")[0]
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    data.update((name, html.unescape(text).removeprefix("\n"))
                for name, text in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S))
    return data


def test_one_save_stores_every_box_on_the_agenda(meeting, editor_client):
    first, second, third = meeting.agenda.all()[:3]
    AgendaItem.objects.filter(pk=third.pk).update(decisions="決定済み")
    data = notes_form_data(editor_client.get(f"/retrospectives/{meeting.pk}/").content.decode())
    assert data[f"item-{third.pk}-decisions"] == "決定済み"
    data |= {f"item-{first.pk}-notes": "一つ目のメモ", f"item-{second.pk}-notes": "二つ目のメモ",
             f"item-{second.pk}-decisions": "監視を追加する", "focus": str(first.pk)}
    response = editor_client.post(f"/retrospectives/{meeting.pk}/notes/", data)  # "Save notes" of the first item
    assert response.status_code == 302 and response["Location"] == f"/retrospectives/{meeting.pk}/#item-{first.pk}"
    stored = {item.pk: (item.notes, item.decisions) for item in meeting.agenda.all()}
    assert stored[first.pk] == ("一つ目のメモ", "") and stored[second.pk] == ("二つ目のメモ", "監視を追加する")
    assert stored[third.pk] == ("", "決定済み")


def test_moving_an_agenda_item_keeps_the_notes_being_typed(meeting, editor_client):
    """The ↑/↓ buttons belong to the notes form (form="notes-form"): a move submits what was typed, which is
    saved before the item moves, so nothing is lost (and the leave-page warning is not raised)."""
    first, second = meeting.agenda.all()[:2]
    page = editor_client.get(f"/retrospectives/{meeting.pk}/").content.decode()
    down = re.search(rf'<button type="submit" form="notes-form" formaction="([^"]+)" name="move" value="down:{first.pk}"', page)
    assert down, "the ↓ button submits the notes form"
    data = notes_form_data(page) | {f"item-{first.pk}-notes": "書きかけのメモ", "move": f"down:{first.pk}"}
    response = editor_client.post(down[1], data)
    assert response.status_code == 302 and response["Location"] == f"/retrospectives/{meeting.pk}/#agenda"
    assert list(meeting.agenda.values_list("pk", flat=True)[:2]) == [second.pk, first.pk]
    first.refresh_from_db()
    assert first.notes == "書きかけのメモ"
    shown = editor_client.get(f"/retrospectives/{meeting.pk}/").content.decode()
    assert "書きかけのメモ" in shown and "Notes saved for" in shown
    data = notes_form_data(shown) | {"move": f"up:{first.pk}"}
    editor_client.post(down[1], data)
    assert list(meeting.agenda.values_list("pk", flat=True)[:2]) == [first.pk, second.pk]
    assert editor_client.post(down[1], {"move": "up:999999"}).status_code == 404

def test_a_save_never_overwrites_a_box_someone_else_changed_meanwhile(meeting, editor_client):
    first, second = meeting.agenda.all()[:2]
    data = notes_form_data(editor_client.get(f"/retrospectives/{meeting.pk}/").content.decode())
    # Meanwhile another editor writes the first item's notes and the second item's decisions.
    AgendaItem.objects.filter(pk=first.pk).update(notes="their notes")
    AgendaItem.objects.filter(pk=second.pk).update(decisions="their decision")
    data |= {f"item-{first.pk}-notes": "my notes", f"item-{second.pk}-notes": "my second notes"}
    response = editor_client.post(f"/retrospectives/{meeting.pk}/notes/", data)
    page = response.content.decode()
    assert response.status_code == 409
    assert "my notes</textarea>" in page and '<pre class="theirs">their notes</pre>' in page
    first.refresh_from_db(), second.refresh_from_db()
    assert first.notes == "their notes"  # a conflict: kept, and my text is still in the box
    assert (second.notes, second.decisions) == ("my second notes", "their decision")  # a box I left alone
    again = notes_form_data(page)
    assert again[f"item-{first.pk}-notes"] == "my notes"
    assert editor_client.post(f"/retrospectives/{meeting.pk}/notes/", again).status_code == 302  # saving again: mine
    first.refresh_from_db()
    assert first.notes == "my notes"


def export_of(client, meeting, fmt):
    response = client.get(f"/retrospectives/{meeting.pk}/export.{fmt}")
    assert response.status_code == 200
    return response.content.decode() if fmt != "pdf" else response.content


def test_closing_publishes_what_is_in_review_and_approved(meeting, editor_client, user):
    from incidents.actions.reviews import review

    in_review = Incident.objects.get(status="in_review")
    draft = Incident.objects.get(status="draft")
    unapproved = editor_client.post(f"/retrospectives/{meeting.pk}/close/", {"publish": "on"}, follow=True)
    assert "0 incidents published." in unapproved.content.decode() and "1 incident stays in review" in unapproved.content.decode()
    meeting.closed_at = None
    meeting.save()
    review(in_review, user("editor", username="lead"), "approved")
    response = editor_client.post(f"/retrospectives/{meeting.pk}/close/", {"publish": "on"}, follow=True)
    assert "1 incident published." in response.content.decode()
    in_review.refresh_from_db()
    draft.refresh_from_db()
    meeting.refresh_from_db()
    assert in_review.status == "published" and draft.status == "draft" and meeting.closed_at is not None


def test_closing_without_publishing(meeting, editor_client):
    editor_client.post(f"/retrospectives/{meeting.pk}/close/", {})
    assert Incident.objects.filter(status="in_review").count() == 1
    assert Retrospective.objects.get().closed_at is not None


def test_browser_downloads(meeting, editor_client):
    for fmt, content_type in [("md", "text/markdown; charset=utf-8"), ("html", "text/html; charset=utf-8"),
                              ("pdf", "application/pdf")]:
        response = editor_client.get(f"/retrospectives/{meeting.pk}/export.{fmt}")
        assert response.status_code == 200 and response["Content-Type"] == content_type
        assert response["Content-Disposition"] == f'attachment; filename="retrospective-{meeting.pk}-2026-11-22.{fmt}"'
    assert editor_client.get(f"/retrospectives/{meeting.pk}/export.docx").status_code == 404
    eks = Incident.objects.get(title__contains="pid_max")
    page = editor_client.get(f"/incidents/{eks.reference}/").content.decode()
    assert f'href="/incidents/{eks.reference}/export.md"' in page and f'href="/incidents/{eks.reference}/export.pdf"' in page
    response = editor_client.get(f"/incidents/{eks.reference}/export.pdf")
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"] == f'attachment; filename="{eks.reference}.pdf"'
    assert editor_client.get(f"/incidents/{eks.reference}/export.html").status_code == 404
    utc = editor_client.get(f"/incidents/{eks.reference}/export.md?tz=UTC").content.decode()
    assert "_Times in UTC_" in utc and "time_zone: UTC" in utc
    refused = editor_client.get(f"/incidents/{eks.reference}/export.md?tz=Mars/Base")
    assert refused.status_code == 400 and "Mars/Base" in refused.content.decode()


def test_viewers_export_only_what_they_may_see(meeting, viewer_client):
    draft = Incident.objects.get(status="draft")
    markdown = export_of(viewer_client, meeting, "md")
    assert draft.title not in markdown and "2 incidents on the agenda are not shown" in markdown
    assert viewer_client.get(f"/incidents/{draft.reference}/export.md").status_code == 404
    assert viewer_client.get(f"/incidents/{draft.reference}/export.pdf").status_code == 404


# --- API ------------------------------------------------------------------------------------------


def test_api_meetings_per_role(meeting, editor_api, viewer_api):
    draft = Incident.objects.get(status="draft")
    body = viewer_api.get(f"/api/v1/retrospectives/{meeting.pk}/").json()
    assert draft.pk not in [item["incident"] for item in body["agenda"]] and len(body["agenda"]) == 4
    assert viewer_api.post("/api/v1/retrospectives/", {"title": "x", "date": "2026-01-01"}, format="json").status_code == 403
    assert APIClient().get("/api/v1/retrospectives/").status_code == 401
    eks = Incident.objects.get(title__contains="pid_max")
    created = editor_api.post("/api/v1/retrospectives/", {
        "title": "週次", "date": "2026-11-29", "agenda": [{"incident": draft.pk, "notes": "下書き"}, {"incident": eks.pk}],
    }, format="json")
    assert created.status_code == 201, created.json()
    assert [(i["reference"], i["notes"]) for i in created.json()["agenda"]] == [(draft.reference, "下書き"), (eks.reference, "")]
    changed = editor_api.patch(f"/api/v1/retrospectives/{created.json()['id']}/", {"agenda": [{"incident": eks.pk}]}, format="json")
    assert [i["incident"] for i in changed.json()["agenda"]] == [eks.pk]
    twice = editor_api.post("/api/v1/retrospectives/", {"title": "x", "date": "2026-01-01",
                                                        "agenda": [{"incident": eks.pk}, {"incident": eks.pk}]}, format="json")
    assert twice.status_code == 400 and "agenda" in twice.json()
    assert editor_api.get("/api/v1/retrospectives/").json()["count"] == 2


def test_api_exports_with_content_types_and_file_names(meeting, editor_api):
    for fmt, content_type in [("md", "text/markdown; charset=utf-8"), ("html", "text/html; charset=utf-8"),
                              ("pdf", "application/pdf")]:
        response = editor_api.get(f"/api/v1/retrospectives/{meeting.pk}/export/", {"format": fmt})
        assert response.status_code == 200 and response["Content-Type"] == content_type, response.content[:300]
        assert response["Content-Disposition"] == f'attachment; filename="retrospective-{meeting.pk}-2026-11-22.{fmt}"'
    assert editor_api.get(f"/api/v1/retrospectives/{meeting.pk}/export/")["Content-Type"].startswith("text/markdown")
    eks = Incident.objects.get(title__contains="pid_max")
    for fmt, content_type in [("md", "text/markdown; charset=utf-8"), ("pdf", "application/pdf")]:
        response = editor_api.get(f"/api/v1/incidents/{eks.pk}/export/", {"format": fmt})
        assert response.status_code == 200 and response["Content-Type"] == content_type
        assert response["Content-Disposition"] == f'attachment; filename="{eks.reference}.{fmt}"'


def test_api_bad_format_is_400_with_a_message(meeting, editor_api):
    response = editor_api.get(f"/api/v1/retrospectives/{meeting.pk}/export/", {"format": "docx"})
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert response.json() == {"format": ["Unknown format “docx”: use one of md, html, pdf."]}
    eks = Incident.objects.get(title__contains="pid_max")
    response = editor_api.get(f"/api/v1/incidents/{eks.pk}/export/", {"format": "html"})
    assert response.status_code == 400 and "use one of md, pdf" in response.json()["format"][0]
    response = editor_api.get(f"/api/v1/incidents/{eks.pk}/export/", {"format": "md", "tz": "Mars/Base"})
    assert response.status_code == 400 and "Mars/Base" in response.json()["tz"][0]
    utc = editor_api.get(f"/api/v1/incidents/INC-{eks.pk}/export/", {"format": "md", "tz": "UTC"}).content.decode()
    assert "_Times in UTC_" in utc
    assert editor_api.get("/api/v1/retrospectives/999999/export/", {"format": "md"}).status_code == 404
    assert editor_api.get("/api/v1/incidents/", {"format": "json"}).status_code == 200  # DRF's ?format= elsewhere


def test_api_viewers_export_only_what_they_may_see(meeting, viewer_api):
    draft = Incident.objects.get(status="draft")
    assert viewer_api.get(f"/api/v1/incidents/{draft.pk}/export/", {"format": "md"}).status_code == 404
    markdown = viewer_api.get(f"/api/v1/retrospectives/{meeting.pk}/export/", {"format": "md"}).content.decode()
    assert draft.title not in markdown and Incident.objects.get(title__contains="pid_max").title in markdown
    assert APIClient().get(f"/api/v1/retrospectives/{meeting.pk}/export/", {"format": "md"}).status_code == 401


def test_authors_see_their_own_drafts_in_exports(demo, user, api_as):
    author = user("viewer", username="author")
    draft = IncidentFactory(title="自分の下書き", status="draft")
    draft.authors.add(author)
    response = api_as(author).get(f"/api/v1/incidents/{draft.pk}/export/", {"format": "md"})
    assert response.status_code == 200 and "自分の下書き" in response.content.decode()
