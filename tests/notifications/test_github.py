"""The owner of an action item is told when GitHub closes, merges or reopens the issue or pull request it
follows (incidents.actions.notify.action_item_moved, from incidents.actions.github.apply): signed webhook
deliveries in GitHub's shapes (tests/github/fixtures) and polls, in the owner's language; nothing for a
redelivery, a poll that finds no change, a status GitHub did not move, or an owner who is nobody, may not see
the incident or turned email off."""

import json
import logging
import pathlib

import pytest
from django.core import mail

from incidents.actions import notify
from incidents.actions.github import poll
from incidents.actions.preferences import save_notification_preferences
from incidents.github import client
from incidents.github.webhooks import sign
from incidents.models import ActionItem, GitHubReference
from tests.factories import ActionItemFactory, IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db
FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "github" / "fixtures"
SECRET = "It's a Secret to Everybody"
URL = "https://pm.example.com"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    settings.GITHUB_SYNC = False
    settings.POSTMORTEM_BASE_URL = URL
    settings.POSTMORTEM_WEBHOOK_URL = ""


@pytest.fixture
def owner():
    return UserFactory(username="alice", email="alice@example.com")


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """deliver("issues__closed"): one signed delivery (its id the fixture's name unless given), the emails
    it queued sent once its transaction commits."""

    def send(name, *, delivery=None, **changes):
        data = json.loads((FIXTURES / f"{name}.json").read_text())
        for key, value in changes.items():
            data[name.split("__")[0].replace("issues", "issue")][key] = value
        body = json.dumps(data).encode()
        headers = {"X-GitHub-Event": name.split("__")[0], "X-GitHub-Delivery": delivery or f"d-{name}",
                   "X-Hub-Signature-256": sign(SECRET, body)}
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/github/webhook/", body, content_type="application/json", headers=headers)
        return response.status_code, response.json()["detail"]

    return send


def item_on(url="acme/api#42", *, owner="alice", status="open", incident_status="published"):
    incident = IncidentFactory(title="Cache failover", status=incident_status)
    return ActionItemFactory(incident=incident, title="Add retry budget", url=url, owner=owner, status=status)


def test_the_owner_is_emailed_when_github_closes_the_issue(owner, deliver):
    item = item_on(owner="Alice")  # the owner text is the user name, in any case
    reference = item.incident.reference
    assert deliver("issues__closed") == (200, "acme/api#42: closed (completed), action items moved in 1 incident(s)")
    (message,) = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == f"Action item done: Add retry budget ({reference})"
    assert message.body == (
        "acme/api#42 was closed on GitHub.\n"
        f'Your action item "Add retry budget" of {reference} Cache failover is now: Done.\n\n'
        f"{URL}/incidents/{reference}/\n\n-- \n"
        f"Postmortem. Turn these emails off or change their language: {URL}/accounts/notifications/\n\n")
    assert message.extra_headers["Content-Language"] == "en"


def test_a_japanese_owner_reads_it_in_japanese(owner, deliver):
    save_notification_preferences(owner, email=True, language="ja")
    item = item_on()
    reference = item.incident.reference
    deliver("issues__closed")
    (message,) = mail.outbox
    assert message.subject == f"アクションアイテム完了: Add retry budget ({reference})"
    assert message.body.startswith(
        "GitHub で acme/api#42 がクローズされました。\n"
        f"あなたが担当する {reference}「Cache failover」のアクションアイテム「Add retry budget」は「完了」になりました。\n")
    assert message.body.endswith(f"Postmortem。メール通知の停止・言語の変更: {URL}/accounts/notifications/\n\n")


def test_nothing_more_is_sent_for_a_redelivery_or_the_same_state_again(owner, deliver):
    item_on()
    deliver("issues__closed")
    assert deliver("issues__closed")[1].startswith("already received")  # GitHub's redelivery: the same id
    assert deliver("issues__closed", delivery="another") == (200, "acme/api#42: closed (completed), state unchanged")
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("name, url, subject, first_line, status", [
    ("pull_request__closed_merged", "acme/api#43", "Action item done", "acme/api#43 was merged on GitHub.", "done"),
    ("issues__closed_not_planned", "acme/api#42", "Action item closed as not planned",
     "acme/api#42 was closed as not planned on GitHub.", "wont_do"),
])
def test_merged_and_not_planned_say_what_github_did(owner, deliver, name, url, subject, first_line, status):
    item = item_on(url)
    deliver(name)
    (message,) = mail.outbox
    assert message.subject == f"{subject}: Add retry budget ({item.incident.reference})"
    assert message.body.split("\n")[0] == first_line
    assert ActionItem.objects.get(pk=item.pk).status == status


def test_a_reopen_is_told_when_it_moves_the_item_back(owner, deliver):
    item = item_on()
    deliver("issues__closed")
    deliver("issues__reopened")
    assert [message.subject for message in mail.outbox] == [
        f"Action item done: Add retry budget ({item.incident.reference})",
        f"Action item reopened: Add retry budget ({item.incident.reference})"]
    assert mail.outbox[1].body.startswith(
        f'acme/api#42 was reopened on GitHub.\nYour action item "Add retry budget" of {item.incident.reference} '
        "Cache failover is now: Open.\n")


@pytest.mark.parametrize("name, url, status", [
    ("pull_request__closed_unmerged", "acme/api#43", "open"),  # flagged, its status kept
    ("issues__closed", "acme/api#42", "wont_do"),  # a person closed it: GitHub does not move it
    ("issues__reopened", "acme/api#42", "open"),  # open already
])
def test_nothing_is_sent_when_the_status_did_not_move(owner, deliver, monkeypatch, name, url, status):
    queued = []
    monkeypatch.setattr("incidents.jobs.send_notification", lambda kind, payload: queued.append(kind))
    item = item_on(url, status=status)
    deliver(name)
    assert ActionItem.objects.get(pk=item.pk).status == status
    assert queued == [] and mail.outbox == []


def test_the_owner_may_be_named_by_email_address_and_free_text_names_nobody(owner, deliver):
    by_address = item_on(owner="ALICE@example.com")
    item_on(owner="インフラチーム")
    item_on(owner="")
    deliver("issues__closed")
    assert [message.to for message in mail.outbox] == [["alice@example.com"]]
    assert by_address.incident.reference in mail.outbox[0].subject


def test_no_email_for_an_owner_who_turned_it_off_or_may_not_see_the_draft(owner, deliver, monkeypatch, caplog):
    queued = []
    monkeypatch.setattr("incidents.jobs.send_notification", lambda kind, payload: queued.append(payload["to"]))
    draft = item_on(incident_status="draft")  # alice is neither an editor nor an author
    save_notification_preferences(UserFactory(username="bob", email="bob@example.com"), email=False)
    item_on(owner="bob")
    with caplog.at_level(logging.DEBUG, logger="incidents.actions.notify"):
        deliver("issues__closed")
    assert ActionItem.objects.get(pk=draft.pk).status == "done" and queued == []
    assert [record.getMessage() for record in caplog.records] == [
        f"no notification for alice: may not see incident {draft.incident_id}",
        "no notification for bob: email turned off"]
    monkeypatch.undo()
    draft.incident.authors.add(owner)  # an author may see it
    deliver("issues__reopened")
    assert [message.to for message in mail.outbox] == [["alice@example.com"]]


def remote(state, reason=""):
    return client.Remote(owner="acme", repo="api", number=42, kind="issue", title="Retry storm", state=state,
                         state_reason=reason, changed_at=None, etag='"e1"', html_url="", exhausted_until=None)


def test_a_poll_that_finds_the_issue_closed_tells_the_owner_once(owner, monkeypatch, django_capture_on_commit_callbacks):
    item = item_on()
    answers = [remote("closed", "completed"), remote("closed", "completed"), client.NOT_MODIFIED]
    monkeypatch.setattr(client, "fetch", lambda *args, **kwargs: answers.pop(0))
    reference = GitHubReference.objects.get(pk=ActionItem.objects.get(pk=item.pk).github_id)
    with django_capture_on_commit_callbacks(execute=True):
        assert [poll.sync_one(reference) for _ in range(3)] == ["changed", "unchanged", "not-modified"]
    assert [message.subject for message in mail.outbox] == [
        f"Action item done: Add retry budget ({item.incident.reference})"]


def test_what_is_queued_names_the_item_and_what_github_did(owner, monkeypatch):
    queued = []
    monkeypatch.setattr("incidents.jobs.send_notification", lambda kind, payload: queued.append((kind, payload)))
    item = item_on()
    reference = GitHubReference.objects.get(pk=ActionItem.objects.get(pk=item.pk).github_id)
    item = ActionItem.objects.get(pk=item.pk)
    item.status, item.link_event = "done", "closed"
    notify.action_item_moved(item, reference)
    assert queued == [(notify.GITHUB_MOVED, {"incident": item.incident_id, "to": owner.pk, "item": item.pk,
                                             "title": "Add retry budget", "reference": "acme/api#42",
                                             "event": "closed", "status": "done"})]


def test_a_delivery_whose_incident_or_event_is_gone_sends_nothing(owner):
    incident = IncidentFactory()
    payload = {"incident": incident.pk, "to": owner.pk, "title": "x", "reference": "acme/api#42", "status": "done"}
    assert notify.deliver(notify.GITHUB_MOVED, {**payload, "event": "closed_unmerged"}) == "gone"
    assert notify.deliver(notify.GITHUB_MOVED, {**payload, "event": "closed", "incident": incident.pk + 100}) == "gone"
    assert notify.deliver(notify.GITHUB_MOVED, {**payload, "event": "closed"}) == "sent"
    assert mail.outbox[0].body.startswith("acme/api#42 was closed on GitHub.\n")


def test_a_text_the_payload_lacks_is_left_empty_and_a_status_we_do_not_know_is_shown_as_it_is(owner):
    incident = IncidentFactory(title="Cache failover")
    notify.deliver(notify.GITHUB_MOVED, {"incident": incident.pk, "to": owner.pk, "event": "reopened"})
    notify.deliver(notify.GITHUB_MOVED, {"incident": incident.pk, "to": owner.pk, "event": "closed", "title": "T",
                                         "reference": "acme/api#42", "status": "archived"})
    assert [message.subject for message in mail.outbox] == [f"Action item reopened: ({incident.reference})",
                                                            f"Action item done: T ({incident.reference})"]
    assert mail.outbox[0].body.startswith(
        f' was reopened on GitHub.\nYour action item "" of {incident.reference} Cache failover is now: .\n')
    assert mail.outbox[1].body.startswith(
        f'acme/api#42 was closed on GitHub.\nYour action item "T" of {incident.reference} Cache failover is now: archived.\n')
