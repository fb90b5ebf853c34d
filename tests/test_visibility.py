"""Restricted incidents (#27): the matrix. Every read path, driven as someone who is not a member (an editor,
and a viewer), answers for the restricted incident exactly as for a missing one; its members, authors,
reviewers and admins see it. The one rule is ``Incident.objects.visible_to``."""

import re

import pytest
from django.core import mail

from incidents import search
from incidents.actions import notify
from incidents.actions.github import issues
from incidents.models import AgendaItem, AuditEntry, ExportJob, Incident
from tests.factories import ActionItemFactory, RetrospectiveFactory, make_incident
from tests.web.test_incidents_edit import page_data

CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def unmasked(content, path):
    """A page without what differs between any two addresses: the CSRF token, which Django masks afresh for every
    response, and the address itself, which the language switcher's form returns to."""
    return CSRF_TOKEN.sub(b'name="csrfmiddlewaretoken" value=""', content).replace(path.encode(), b"/the/address/")

pytestmark = pytest.mark.django_db
SECRET = "Zebra credential leak"
MISSING = 999999


@pytest.fixture
def world(user):
    people = {
        "admin": user("admin"), "outsider": user("editor", username="outsider", email="outsider@example.com"),
        "viewer": user("viewer"), "member": user("viewer", username="member", email="member@example.com"),
        "writer": user("editor", username="writer", email="writer@example.com"),
        "checker": user("editor", username="checker"),
    }
    public = make_incident(title="Zebra public outage", tags=["zebra"], services=["vault"], categories=["capacity"])
    secret = make_incident(title=SECRET, tags=["zebra", "secret-tag"], services=["vault"], categories=["capacity"],
                           authors=[people["writer"]], visibility="restricted")
    secret.members.set([people["member"]])
    secret.reviewers.set([people["checker"]])
    ActionItemFactory(incident=secret, title="Rotate the zebra keys", owner="outsider")
    ActionItemFactory(incident=public, title="Public zebra item", owner="outsider")
    meeting = RetrospectiveFactory(title="Weekly")
    AgendaItem.objects.create(retrospective=meeting, incident=public, position=1)
    AgendaItem.objects.create(retrospective=meeting, incident=secret, position=2)
    search.rebuild(procs=1)
    return {"public": public, "secret": secret, "meeting": meeting, **people}


def test_the_rule_itself(world):
    secret = world["secret"]
    for name in ("outsider", "viewer"):
        assert not Incident.objects.visible_to(world[name]).filter(pk=secret.pk).exists()
    for name in ("member", "writer", "checker", "admin"):
        assert Incident.objects.visible_to(world[name]).filter(pk=secret.pk).exists(), name
    assert Incident.objects.visible_to(world["outsider"]).filter(pk=world["public"].pk).exists()


WEB_PATHS = ["/incidents/{ref}/", "/incidents/{ref}/related/", "/incidents/{ref}/related/?part=1", "/incidents/{ref}/edit/", "/incidents/{ref}/history/", "/incidents/{ref}/export.md",
             "/incidents/{ref}/export.html"]
WEB_POSTS = ["/incidents/{ref}/status/", "/incidents/{ref}/review-request/", "/incidents/{ref}/reviews/",
             "/incidents/{ref}/comments/", "/incidents/{ref}/history/1/restore/"]
API_PATHS = ["/api/v1/incidents/{pk}/", "/api/v1/incidents/{pk}/similar/", "/api/v1/incidents/{pk}/export/",
             "/api/v1/incidents/{pk}/revisions/", "/api/v1/incidents/{pk}/reviews/", "/api/v1/incidents/{pk}/comments/"]


@pytest.mark.parametrize("who", ["outsider", "viewer"])
def test_pages_of_the_incident_answer_as_for_a_missing_one(world, client_as, who):
    client, secret = client_as(world[who]), world["secret"]
    for path in WEB_PATHS:
        hidden = client.get(path.format(ref=secret.reference))
        missing = client.get(path.format(ref=f"INC-{MISSING}"))
        assert hidden.status_code == missing.status_code, path
        assert hidden.status_code == 404 or (who == "viewer" and hidden.status_code == 403), path  # no right to edit
        assert SECRET not in hidden.content.decode()
    for path in WEB_POSTS:
        hidden = client.post(path.format(ref=secret.reference), {"status": "published", "body": "x"})
        missing = client.post(path.format(ref=f"INC-{MISSING}"), {"status": "published", "body": "x"})
        assert hidden.status_code == missing.status_code, path
    item = secret.action_items.get()
    assert client.post(f"/incidents/{secret.reference}/action-items/{item.pk}/github-issue/",
                       {"repository": "acme/api"}).status_code in (403, 404)
    assert not secret.comments.exists() and secret.status == Incident.objects.get(pk=secret.pk).status


@pytest.mark.parametrize("who", ["outsider", "viewer"])
def test_api_answers_404_exactly_like_a_missing_id(world, api_as, who):
    api, secret = api_as(world[who]), world["secret"]
    for path in API_PATHS:
        hidden, missing = api.get(path.format(pk=secret.pk)), api.get(path.format(pk=MISSING))
        assert hidden.status_code == missing.status_code == 404, path
        assert hidden.json() == missing.json(), path
    hidden = api.patch(f"/api/v1/incidents/{secret.pk}/", {"title": "x"}, format="json")
    missing = api.patch(f"/api/v1/incidents/{MISSING}/", {"title": "x"}, format="json")
    assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json())
    listed = api.get("/api/v1/incidents/").json()
    assert SECRET not in str(listed) and "Zebra public outage" in str(listed)


@pytest.mark.parametrize("who", ["outsider", "viewer"])
def test_lists_search_counts_facets_and_similar_leave_it_out(world, client_as, api_as, who):
    person, public = world[who], world["public"]
    results = search.search("zebra", person, with_facets=True)
    assert [hit.title for hit in results.hits] == ["Zebra public outage"] and results.count == 1
    assert results.facets["tags"] == {"zebra": 1}
    assert "secret-tag" not in search.facets(person)["tags"]
    assert search.facets(person)["services"] == {"vault": 1}
    assert [found["id"] for found in search.similar(public, person)] == []
    body = api_as(person).get("/api/v1/search/", {"q": "zebra"}).json()
    assert body["count"] == 1 and SECRET not in str(body)
    for path in ("/incidents/", "/incidents/?q=zebra", "/incidents/?tag=secret-tag", "/action-items/", "/patterns/",
                 f"/retrospectives/{world['meeting'].pk}/", f"/retrospectives/{world['meeting'].pk}/export.md"):
        page = client_as(person).get(path)
        text = page.content.decode()
        assert page.status_code == 200, path
        assert SECRET not in text and "Rotate the zebra keys" not in text, path
        assert "secret-tag" not in text or "tag=secret-tag" in path, path  # facets: only the query names it
        assert "not shown" not in text, path  # not even "an incident you may not see"
    assert SECRET not in str(api_as(person).get("/api/v1/patterns/").json())
    meeting = api_as(person).get(f"/api/v1/retrospectives/{world['meeting'].pk}/").json()
    assert [item["reference"] for item in meeting["agenda"]] == [public.reference]
    tags = api_as(person).get("/api/v1/tags/").json()
    counts = {tag["name"]: tag.get("incident_count") for tag in (tags["results"] if "results" in tags else tags)}
    assert counts.get("zebra") == 1 and not counts.get("secret-tag")


@pytest.mark.parametrize("who", ["member", "writer", "checker", "admin"])
def test_members_authors_reviewers_and_admins_see_it_everywhere(world, client_as, api_as, who):
    person, secret = world[who], world["secret"]
    assert SECRET in client_as(person).get(f"/incidents/{secret.reference}/").content.decode()
    document = api_as(person).get(f"/api/v1/incidents/{secret.pk}/").json()
    assert document["visibility"] == "restricted" and document["members"] == ["member"]
    assert search.search("zebra", person).count == 2
    assert "Rotate the zebra keys" in client_as(person).get("/action-items/").content.decode()
    assert "members:\n- member\n" in client_as(person).get(f"/incidents/{secret.reference}/export.md").content.decode()


def test_emails_and_webhooks_go_only_to_readers(world, settings):
    secret = world["secret"]
    for person in ("outsider", "member"):
        payload = {"incident": secret.pk, "to": world[person].pk, "by": None, "body": "hello"}
        assert notify.deliver("comment_added", payload) == ("gone" if person == "outsider" else "sent")
    assert [message.to for message in mail.outbox] == [["member@example.com"]]
    mail.outbox.clear()
    items = [item.pk for item in ActionItemFactory._meta.model.objects.all()]
    notify.deliver("due_reminder", {"items": items, "to": world["outsider"].pk})
    assert "Rotate the zebra keys" not in mail.outbox[0].body and "Public zebra item" in mail.outbox[0].body
    settings.POSTMORTEM_WEBHOOK_URL = "https://hooks.example.com/x"
    assert notify.deliver(notify.WEBHOOK, {"incident": secret.pk, "event": "published"}) == "gone"


def test_github_issue_body_keeps_the_title_of_a_restricted_incident_out(world):
    request = issues.request_issue(world["secret"].action_items.get(), "acme/api", incident_url="https://pm/x")
    assert SECRET not in request.body and "(restricted)" in request.body


def test_api_writes_visibility_and_members_and_names_an_unknown_member(world, api_as):
    api, public = api_as(world["writer"]), world["public"]
    answer = api.patch(f"/api/v1/incidents/{public.pk}/", {"visibility": "restricted", "members": ["member", "ghost"]},
                       format="json")
    assert answer.status_code == 400 and "ghost" in str(answer.json()["members"])
    answer = api.patch(f"/api/v1/incidents/{public.pk}/", {"visibility": "secret"}, format="json")
    assert answer.status_code == 400 and "visibility" in answer.json()
    answer = api.patch(f"/api/v1/incidents/{public.pk}/", {"visibility": "restricted", "members": ["member"]},
                       format="json")
    assert answer.status_code == 200 and answer.json()["members"] == ["member"]
    assert api_as(world["viewer"]).get(f"/api/v1/incidents/{public.pk}/").status_code == 404
    search.rebuild(procs=1)
    assert search.search("zebra", world["viewer"]).count == 0
    assert search.search("zebra", world["member"]).count == 2


def test_edit_page_sets_visibility_and_members_in_english_and_japanese(world, client_as):
    client, public = client_as(world["admin"]), world["public"]
    response = client.get(f"/incidents/{public.reference}/edit/")
    assert 'name="visibility"' in response.content.decode() and 'name="members"' in response.content.decode()
    data = page_data(response)
    data.update({"visibility": "restricted", "members": "member, ghost"})
    answer = client.post(f"/incidents/{public.reference}/edit/", data)
    assert "No such user: ghost" in answer.content.decode()
    data["members"] = "member"
    answer = client.post(f"/incidents/{public.reference}/edit/", data)
    assert answer.status_code == 302
    public.refresh_from_db()
    assert public.visibility == "restricted" and [user.username for user in public.members.all()] == ["member"]
    client.cookies["django_language"] = "ja"
    page = client.get(f"/incidents/{public.reference}/edit/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "公開範囲" in page and "メンバー" in page and "限定（メンバー・作成者・レビュアー・管理者のみ）" in page
    data["members"] = "ghost"
    assert "該当するユーザーがいません: ghost" in client.post(f"/incidents/{public.reference}/edit/", data).content.decode()


def test_github_moving_an_action_item_tells_its_owner_only_if_a_reader(world, monkeypatch):
    """Webhook-driven updates: the owner ("outsider") of the restricted incident's item hears nothing of it;
    made a member, they are told."""
    from incidents.models import GitHubReference

    queued = []
    monkeypatch.setattr("incidents.jobs.send_notification", lambda kind, payload: queued.append((kind, payload)))
    item = world["secret"].action_items.get()
    item.status, item.link_event = "done", "closed"
    reference = GitHubReference.objects.create(owner="acme", repo="api", number=42, kind="issue")
    notify.action_item_moved(item, reference)
    assert queued == []
    world["secret"].members.add(world["outsider"])
    notify.action_item_moved(item, reference)
    assert [kind for kind, _payload in queued] == [notify.GITHUB_MOVED]


@pytest.mark.parametrize("who", ["outsider", "viewer"])
def test_export_jobs_leave_it_out_and_anothers_job_answers_as_missing(world, client_as, who, export_dir,
                                                                      django_capture_on_commit_callbacks):
    """The meeting's pack prepared in the background: asked for by a non-member, its page and its file hold no
    trace of the restricted incident (the file is the one a meeting without it gives); a member's job, which
    holds it, answers the non-member exactly like a job that does not exist."""
    client, meeting, secret = client_as(world[who]), world["meeting"], world["secret"]
    traces = (SECRET, "Rotate the zebra keys", "secret-tag", secret.reference, "not shown")

    def prepare(person):
        with django_capture_on_commit_callbacks(execute=True):
            response = client_as(person).post(f"/retrospectives/{meeting.pk}/exports/", {"format": "md"})
        job = ExportJob.objects.latest("pk")
        assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"
        return job

    def content(person, job):
        response = client_as(person).get(f"/exports/{job.pk}/download/")
        assert response.status_code == 200
        return b"".join(response.streaming_content).decode()

    missing = client.post(f"/retrospectives/{MISSING}/exports/", {"format": "md"})
    assert missing.status_code == 404
    own = prepare(world[who])
    assert own.status == "done" and own.restricted == []
    page, text = client.get(f"/exports/{own.pk}/").content.decode(), content(world[who], own)
    assert "Zebra public outage" in text
    for trace in traces:
        assert trace not in page and trace not in text, trace
    theirs = prepare(world["member"])
    assert SECRET in content(world["member"], theirs) and theirs.restricted == [secret.pk]
    for path in ("/exports/{pk}/", "/exports/{pk}/download/"):
        hidden, absent = client.get(path.format(pk=theirs.pk)), client.get(path.format(pk=MISSING))
        assert hidden.status_code == absent.status_code == 404, path
        assert unmasked(hidden.content, path.format(pk=theirs.pk)) == unmasked(absent.content, path.format(pk=MISSING)), path
    AgendaItem.objects.filter(incident=secret).delete()  # the same meeting, without it at all
    assert content(world[who], prepare(world[who])) == text
    assert not AuditEntry.objects.filter(actor=world[who]).exists()  # nothing restricted was taken


def test_agenda_writes_by_a_non_member_leave_its_item_alone(world, api_as, client_as):
    """Replacing the agenda through the API keeps the item a writer was never shown (after theirs, with its
    notes); removing or moving it by id on the page answers as for a missing item."""
    meeting, public, secret = world["meeting"], world["public"], world["secret"]
    AgendaItem.objects.filter(incident=secret).update(notes="Keys rotated on Friday")
    answer = api_as(world["outsider"]).patch(f"/api/v1/retrospectives/{meeting.pk}/", {"title": "Weekly!"},
                                             format="json")
    assert [item["reference"] for item in answer.json()["agenda"]] == [public.reference]  # the answer to a write
    answer = api_as(world["outsider"]).put(f"/api/v1/retrospectives/{meeting.pk}/", {
        "title": "Weekly", "date": "2026-11-22", "agenda": [{"incident": public.pk, "notes": "Cache sized"}]},
        format="json")
    assert answer.status_code == 200 and [item["reference"] for item in answer.json()["agenda"]] == [public.reference]
    assert SECRET not in str(answer.json())
    assert [(item.incident_id, item.position, item.notes) for item in meeting.agenda.all()] == [
        (public.pk, 1, "Cache sized"), (secret.pk, 2, "Keys rotated on Friday")]
    hidden = meeting.agenda.get(incident=secret)
    client = client_as(world["outsider"])
    for action in ("remove", "up"):
        gone = client.post(f"/retrospectives/{meeting.pk}/agenda/", {"action": action, "item": hidden.pk})
        missing = client.post(f"/retrospectives/{meeting.pk}/agenda/", {"action": action, "item": MISSING})
        assert gone.status_code == missing.status_code == 404, action
    assert [(item.incident_id, item.position) for item in meeting.agenda.all()] == [(public.pk, 1), (secret.pk, 2)]
    answer = api_as(world["admin"]).put(f"/api/v1/retrospectives/{meeting.pk}/", {
        "title": "Weekly", "date": "2026-11-22", "agenda": [{"incident": secret.pk}]}, format="json")
    assert [item["reference"] for item in answer.json()["agenda"]] == [secret.reference]  # an admin sees all
    assert list(meeting.agenda.values_list("incident_id", flat=True)) == [secret.pk]


def test_recurrence_never_names_an_earlier_incident_the_reader_may_not_see(world, client_as, api_as):
    """The restricted incident started before the public one, is like it and planned "Rotate the zebra keys"
    (a prevent item): its member is told; nobody else, on the page, in the API or in the recurrence filter."""
    import datetime

    public, secret = world["public"], world["secret"]
    Incident.objects.filter(pk=secret.pk).update(started_at=public.started_at - datetime.timedelta(days=10))
    member = api_as(world["member"]).get(f"/api/v1/incidents/{public.pk}/similar/").json()["recurrence"]
    assert member == [{"reference": secret.reference, "action_items": [
        {"title": "Rotate the zebra keys", "kind": "prevent", "status": "open", "due_date": None, "url": ""}]}]
    assert "Rotate the zebra keys" in client_as(world["member"]).get(f"/incidents/{public.reference}/related/?part=1").content.decode()
    for who in ("outsider", "viewer"):
        assert api_as(world[who]).get(f"/api/v1/incidents/{public.pk}/similar/").json()["recurrence"] == []
        page = client_as(world[who]).get(f"/incidents/{public.reference}/related/?part=1").content.decode()
        assert 'id="recurrence"' not in page and "Rotate the zebra keys" not in page and SECRET not in page
    # The other way round: the restricted one later. Only its member learns that the public one recurred.
    Incident.objects.filter(pk=secret.pk).update(started_at=public.started_at + datetime.timedelta(days=10))
    recurred = {"status": "all", "recurred": "on"}
    assert [item.title for item in client_as(world["member"]).get("/action-items/", recurred).context["page"]] == [
        "Public zebra item"]
    for who in ("outsider", "viewer"):
        assert list(client_as(world[who]).get("/action-items/", recurred).context["page"]) == []
        rates = client_as(world[who]).get("/patterns/").context["recurrence_rates"]
        assert sum(rate.recurred for rate in rates) == 0
