"""Slack notifications (incidents.actions.slack): what the writers store, and the drain sending it to a local
server that answers like Slack's Web API (tests/slack_fake.py) over real HTTP: the channel a publication goes to,
direct messages in the recipient's language, opt-outs, visibility checked again at sending, 429 and 5xx retried
with backoff, permanent errors kept for admins, and each message sent once when two drains run at once."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from incidents.actions import comments, notify, reminders, reviews, slack, workflow
from incidents.models import NotificationPreference, SlackMessage, SlackRoute, Status
from tests.factories import ActionItemFactory, make_incident
from tests.slack_fake import FakeSlack

SITE = "https://pm.example.com"
State = SlackMessage.State


@pytest.fixture
def fake(settings):
    with FakeSlack() as server:
        settings.SLACK = {"bot_token": server.token, "signing_secret": "s", "api_url": server.api_url,
                          "default_channel": "#postmortems"}
        settings.POSTMORTEM_BASE_URL = SITE
        yield server


@pytest.fixture
def people(user, fake):
    """ann (editor, on Slack as U1, Japanese), rev (reviewer, U2), and their Slack accounts."""
    fake.users = {"U1": {"email": "ann@example.com"}, "U2": {"email": "rev@example.com"}}
    ann = user("editor", username="ann", email="ann@example.com")
    NotificationPreference.objects.create(user=ann, ui_language="ja")
    rev = user("editor", username="rev", email="rev@example.com")
    return ann, rev


def posted(fake):
    return [(call["channel"], call["text"]) for call in fake.calls_of("chat.postMessage")]


def blocks_text(call):
    return "\n".join(block["text"]["text"] for block in call.get("blocks") or [])


def test_a_published_postmortem_goes_to_the_channels_its_tags_and_services_route_to(
        fake, people, user, django_capture_on_commit_callbacks):
    boss = user("admin", username="boss")  # publishes without a review
    SlackRoute.objects.create(match="tag", name="DNS", channel="#sre-dns")
    SlackRoute.objects.create(match="service", name="Payments", channel="C0PAYMENTS")
    SlackRoute.objects.create(match="tag", name="disk", channel="#storage")  # not this incident's
    incident = make_incident(title="名前解決が失敗", status=Status.IN_REVIEW, tags=["dns"], services=["payments"],
                             summary="**CoreDNS** の *ndots* 設定で NXDOMAIN が増えた", severity="sev2")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.move(incident, Status.PUBLISHED, by=boss)
    calls = fake.calls_of("chat.postMessage")
    assert sorted(call["channel"] for call in calls) == ["#sre-dns", "C0PAYMENTS"]
    assert calls[0]["text"] == f"Postmortem published: {incident.reference} 名前解決が失敗"
    text = blocks_text(calls[0])
    assert f"*<{SITE}/incidents/{incident.reference}/|{incident.reference} 名前解決が失敗>*" in text
    assert "Services: payments" in text and "CoreDNS の ndots 設定で NXDOMAIN が増えた" in text
    assert set(SlackMessage.objects.values_list("state", flat=True)) == {State.SENT}


def test_without_a_route_the_default_channel_and_a_restricted_incident_nowhere(
        fake, people, user, django_capture_on_commit_callbacks, settings):
    ann = user("admin", username="boss")
    incident = make_incident(status=Status.IN_REVIEW, tags=["unrouted"])
    hidden = make_incident(status=Status.IN_REVIEW, visibility="restricted")
    hidden.members.add(ann)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.move(incident, Status.PUBLISHED, by=ann)
        workflow.move(hidden, Status.PUBLISHED, by=ann)
    assert [channel for channel, _ in posted(fake)] == ["#postmortems"]
    assert not SlackMessage.objects.filter(incident=hidden).exists()
    settings.SLACK = {**settings.SLACK, "default_channel": ""}
    assert slack.channels_for(incident) == []


def test_review_request_and_mention_are_direct_messages_in_the_recipients_language(
        fake, people, django_capture_on_commit_callbacks):
    ann, rev = people
    incident = make_incident(title="DNS timeout", status=Status.DRAFT, authors=[ann])
    with django_capture_on_commit_callbacks(execute=True):
        reviews.request_review(incident, [rev], by=ann)
    with django_capture_on_commit_callbacks(execute=True):
        comments.post_comment(incident, rev, "@ann ndots は 5 のままでしたか?")
    assert [call["users"] for call in fake.calls_of("conversations.open")] == ["U2", "U1"]
    review_dm, mention_dm = fake.calls_of("chat.postMessage")
    assert review_dm["channel"] == "DU2"
    assert review_dm["text"] == f"ann asked you to review {incident.reference} DNS timeout"
    assert mention_dm["channel"] == "DU1"
    assert mention_dm["text"] == f"rev さんが {incident.reference} DNS timeout であなたにメンションしました"
    assert "\n>@ann ndots は 5 のままでしたか?" in blocks_text(mention_dm)


def test_overdue_and_github_closed_reach_the_owner(fake, people, django_capture_on_commit_callbacks, settings):
    ann, rev = people
    settings.POSTMORTEM_DUE_REMINDER_DAYS = 3
    incident = make_incident(title="Disk full")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ActionItemFactory(incident=incident, title="ディスク監視を追加", owner="ann", due_date=yesterday)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.remind_due_action_items()["slack"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.remind_due_action_items()["slack"] == 0  # once per item and date
    (reminder,) = fake.calls_of("chat.postMessage")
    assert reminder["channel"] == "DU1"
    assert reminder["text"] == "期限切れのアクションアイテムが 1 件あります。"
    assert f"ディスク監視を追加 (<{SITE}/incidents/{incident.reference}/|" in blocks_text(reminder)
    assert f"{yesterday.isoformat()} から期限切れ" in blocks_text(reminder)

    item = ActionItemFactory(incident=incident, title="Fix alert", owner="rev@example.com", status="done",
                             link_event="closed")

    class Reference:
        short = "acme/ops#12"

    with django_capture_on_commit_callbacks(execute=True):
        notify.action_item_moved(item, Reference())
    assert fake.calls_of("chat.postMessage")[-1]["text"] == (
        f"GitHub closed acme/ops#12: your action item “Fix alert” on {incident.reference} Disk full is now Done.")


def test_an_opt_out_stores_nothing_and_one_made_later_skips_at_sending(
        fake, people, django_capture_on_commit_callbacks):
    ann, rev = people
    NotificationPreference.objects.create(user=rev, slack_review_requested=False)
    incident = make_incident(status=Status.DRAFT, authors=[ann])
    with django_capture_on_commit_callbacks(execute=True):
        reviews.request_review(incident, [rev], by=ann)
    assert not SlackMessage.objects.exists() and not fake.calls_of("chat.postMessage")

    with django_capture_on_commit_callbacks(execute=False):  # stored, not sent yet
        comments.post_comment(incident, rev, "@ann see F2")
    NotificationPreference.objects.filter(user=ann).update(slack_mentioned=False)
    slack.drain()
    message = SlackMessage.objects.get()
    assert (message.state, message.last_error) == (State.SKIPPED, "turned off by the recipient")
    assert not fake.calls_of("chat.postMessage")


def test_visibility_is_checked_again_when_sending(fake, people, django_capture_on_commit_callbacks):
    ann, rev = people
    incident = make_incident(status=Status.DRAFT, authors=[ann])
    with django_capture_on_commit_callbacks(execute=False):
        comments.post_comment(incident, ann, "@rev is this the same DNS failure?")
    incident.visibility = "restricted"
    incident.save()
    incident.members.set([ann])
    slack.drain()
    assert SlackMessage.objects.get().state == State.SKIPPED
    assert not fake.calls_of("chat.postMessage")


def test_no_slack_account_with_the_address_is_skipped_not_retried(fake, people, user, django_capture_on_commit_callbacks):
    ann, _ = people
    carol = user("editor", username="carol", email="carol@example.com")
    incident = make_incident(status=Status.DRAFT, authors=[ann])
    with django_capture_on_commit_callbacks(execute=True):
        reviews.request_review(incident, [carol], by=ann)
    message = SlackMessage.objects.get()
    assert (message.state, message.last_error) == (State.SKIPPED, "no Slack account has the recipient's email address")


def published_message(incident, channel="#ops"):
    return SlackMessage.objects.create(kind="published", incident=incident, channel=channel, due_at=timezone.now())


def test_a_long_429_waits_its_retry_after_and_a_5xx_backs_off_then_both_are_sent(fake, db):
    incident = make_incident()
    message = published_message(incident)
    fake.failures = [{"status": 429, "headers": {"Retry-After": "120"}}]
    assert slack.drain() == {"retrying": 1}
    message.refresh_from_db()
    assert (message.state, message.attempts, message.error_code) == (State.PENDING, 1, "ratelimited")
    assert 115 <= (message.due_at - timezone.now()).total_seconds() <= 121
    assert slack.drain() == {}  # not due yet

    SlackMessage.objects.filter(pk=message.pk).update(due_at=timezone.now())
    fake.failures = [503]
    assert slack.drain() == {"retrying": 1}
    message.refresh_from_db()
    assert (message.attempts, message.error_code, message.last_error) == (2, "internal_error", "chat.postMessage: internal_error")
    assert 55 <= (message.due_at - timezone.now()).total_seconds() <= 61  # 30 s, doubled

    SlackMessage.objects.filter(pk=message.pk).update(due_at=timezone.now())
    assert slack.drain() == {"sent": 1}
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.SENT, 3) and message.sent_at is not None
    assert len(fake.calls_of("chat.postMessage")) == 1


def test_a_short_429_is_waited_out_inside_the_call(fake, db):
    published_message(make_incident())
    fake.failures = [429]  # Retry-After: 0
    assert slack.drain() == {"sent": 1}


def test_slack_down_is_given_up_after_the_last_attempt(fake, db):
    message = published_message(make_incident())
    SlackMessage.objects.filter(pk=message.pk).update(attempts=slack.MAX_ATTEMPTS - 1)
    fake.failures = [500, 500]  # the client tries a connection error again, not a 500
    assert slack.drain() == {"failed": 1}
    message.refresh_from_db()
    assert (message.state, message.attempts, message.error_code) == (State.FAILED, slack.MAX_ATTEMPTS, "internal_error")
    assert list(SlackMessage.objects.undelivered()) == [message]


def test_a_permanent_error_fails_at_once_is_kept_and_can_be_tried_again(fake, db, django_capture_on_commit_callbacks):
    message = published_message(make_incident(), channel="#gone")
    fake.failures = [{"status": 200, "body": {"ok": False, "error": "channel_not_found"}}]
    assert slack.drain() == {"failed": 1}
    message.refresh_from_db()
    assert (message.state, message.attempts, message.error_code) == (State.FAILED, 1, "channel_not_found")
    assert message.last_error == "chat.postMessage: channel_not_found"
    assert slack.drain() == {}  # never retried by itself

    with django_capture_on_commit_callbacks(execute=True):
        assert slack.retry(SlackMessage.objects.filter(pk=message.pk)) == 1
    message.refresh_from_db()
    assert (message.state, message.attempts, message.error_code) == (State.SENT, 1, "")


def test_a_message_another_drain_leased_is_not_taken(fake, db):
    message = published_message(make_incident())
    now = timezone.now()
    assert slack._claim(now).pk == message.pk
    assert slack._claim(now) is None  # leased for five minutes
    assert slack._claim(now + slack.LEASE + datetime.timedelta(seconds=1)).pk == message.pk


@pytest.mark.django_db(transaction=True)
def test_two_drains_at_once_send_every_message_once(fake):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database serialises writers: the race needs PostgreSQL")
    incidents = [make_incident(title=f"Incident {number}") for number in range(12)]
    for incident in incidents:
        published_message(incident)
    start = threading.Barrier(2)
    results = []

    def worker():
        start.wait()
        try:
            results.append(slack.drain())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    texts = [text for _, text in posted(fake)]
    assert len(texts) == len(set(texts)) == 12
    assert sum(result.get("sent", 0) for result in results) == 12
    assert set(SlackMessage.objects.values_list("state", flat=True)) == {State.SENT}


def test_an_author_mentioned_in_a_review_gets_the_slack_message_not_a_second_email(
        fake, people, django_capture_on_commit_callbacks, mailoutbox):
    ann, rev = people
    incident = make_incident(title="DNS", status=Status.IN_REVIEW, authors=[ann])
    incident.reviewers.set([rev])
    with django_capture_on_commit_callbacks(execute=True):
        reviews.review(incident, rev, "changes_requested", "@ann ndots の値を書いてください")
    assert [message.to for message in mailoutbox] == [["ann@example.com"]]  # the review's email, with the comment
    (dm,) = fake.calls_of("chat.postMessage")
    assert dm["channel"] == "DU1" and "ndots の値を書いてください" in blocks_text(dm)
