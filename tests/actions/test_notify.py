"""incidents.actions.notify.deliver and what it writes, called as the task calls it: the outcome of each
delivery (sent, skipped, gone), the subject line (one line, at most 200 characters), the quoted comment
(at most 2000 characters), who "did it" when they are gone, and the outgoing webhook's body."""

import datetime
import logging
import smtplib

import pytest
from django.core import mail
from django.utils import timezone

from incidents.actions import notify
from incidents.models import NotificationPreference
from tests.factories import ActionItemFactory, IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.POSTMORTEM_BASE_URL = "https://pm.example.com"
    settings.POSTMORTEM_WEBHOOK_URL = ""


def person(name, **fields):
    return UserFactory(username=name, email=f"{name}@example.com", **fields)


@pytest.fixture
def incident():
    return IncidentFactory(title="DNS resolution slow", status="in_review")


def deliver(kind, incident, to, by=None, **texts):
    return notify.deliver(kind, {"incident": incident.pk, "to": to.pk, "by": getattr(by, "pk", None), **texts})


def test_an_email_is_sent_with_its_subject_and_the_actors_full_name(incident):
    alice, carol = person("alice"), person("carol", first_name="Carol", last_name="Sato")
    assert deliver("comment_added", incident, alice, by=carol, body="Looks right.") == "sent"
    (message,) = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == f"New comment: {incident.reference} DNS resolution slow"
    assert message.body.startswith(f"Carol Sato commented on {incident.reference} DNS resolution slow:\n\nLooks right.\n")
    assert f"https://pm.example.com/incidents/{incident.reference}/" in message.body


def test_an_actor_without_a_full_name_is_named_by_user_name_and_a_deleted_one_is_someone(incident):
    alice, carol = person("alice"), person("carol")
    deliver("comment_added", incident, alice, by=carol, body="x")
    carol_pk = carol.pk
    carol.delete()
    notify.deliver("comment_added", {"incident": incident.pk, "to": alice.pk, "by": carol_pk, "body": "x"})
    assert [message.body.split(" commented")[0] for message in mail.outbox] == ["carol", "Someone"]


@pytest.mark.parametrize("decision, subject", [("approved", "Approved"), ("changes_requested", "Changes requested")])
def test_a_review_email_is_named_after_the_decision(incident, decision, subject):
    deliver("reviewed", incident, person("alice"), by=person("carol"), decision=decision, comment="Fine by me.")
    assert mail.outbox[0].subject == f"{subject}: {incident.reference} DNS resolution slow"
    assert "\nFine by me.\n" in mail.outbox[0].body


def test_a_text_the_payload_lacks_is_left_empty(incident):
    alice, carol = person("alice"), person("carol")
    deliver("comment_added", incident, alice, by=carol)  # no body
    deliver("reviewed", incident, alice, by=carol, decision="approved")  # no comment
    url = f"https://pm.example.com/incidents/{incident.reference}/"
    assert mail.outbox[0].body.startswith(f"carol commented on {incident.reference} DNS resolution slow:\n\n\n\n{url}\n")
    assert mail.outbox[1].body.startswith(f"carol approved {incident.reference} DNS resolution slow.\n\n{url}\n")


def test_a_subject_is_one_line_of_at_most_200_characters():
    long = IncidentFactory(title="word\nbreak  " + "x" * 188)  # 200 characters, the most a title has
    deliver("published", long, person("alice"))
    subject = mail.outbox[0].subject
    assert subject.startswith(f"Published: {long.reference} word break xxx")
    assert len(subject) == 200 and subject.endswith("x…")
    assert notify._subject("a" * 200) == "a" * 200
    assert notify._subject("a" * 201) == "a" * 199 + "…"


def test_a_comment_is_quoted_whole_up_to_2000_characters_then_cut():
    assert notify._excerpt("  short  ") == "short"
    assert notify._excerpt(None) == ""
    assert notify._excerpt("y" * 2000) == "y" * 2000
    assert notify._excerpt("y" * 1999 + " " + "z" * 50) == "y" * 1999 + " …"


def test_the_quoted_comment_of_an_entry_point_is_the_excerpt(incident, monkeypatch):
    queued = []
    monkeypatch.setattr("incidents.jobs.send_notification", lambda kind, payload: queued.append((kind, payload)))
    alice, carol = person("alice"), person("carol")
    incident.authors.set([alice])
    notify.comment_added(incident, author=carol, body="c" * 2100)
    notify.reviewed(incident, reviewer=carol, decision="approved", comment=" ok ")
    assert queued == [
        ("comment_added", {"incident": incident.pk, "to": alice.pk, "by": carol.pk, "body": "c" * 2000 + " …"}),
        ("reviewed", {"incident": incident.pk, "to": alice.pk, "by": carol.pk, "decision": "approved", "comment": "ok"}),
    ]


def test_nothing_is_sent_to_whom_it_no_longer_concerns(incident, caplog):
    alice = person("alice")
    assert notify.deliver("published", {"incident": incident.pk, "to": alice.pk + 100}) == "gone"
    NotificationPreference.objects.create(user=alice, email=False)
    assert deliver("published", incident, alice) == "skipped"
    bob = person("bob")
    assert notify.deliver("published", {"incident": incident.pk + 100, "to": bob.pk}) == "gone"
    with caplog.at_level(logging.ERROR, logger="incidents.actions.notify"):
        assert deliver("digest", incident, bob) == "skipped"
    assert [record.getMessage() for record in caplog.records] == ["unknown notification kind 'digest'"]
    assert mail.outbox == []


def test_why_someone_gets_no_email_is_logged(incident, caplog):
    users = [person("off"), UserFactory(username="noaddress", email=""), person("inactive", is_active=False)]
    NotificationPreference.objects.create(user=users[0], email=False)
    with caplog.at_level(logging.DEBUG, logger="incidents.actions.notify"):
        assert notify.recipients(users + [None]) == []
    assert sorted(record.getMessage() for record in caplog.records) == [
        "no notification for inactive: inactive", "no notification for noaddress: no email address",
        "no notification for off: email turned off"]


def test_the_person_who_acted_is_never_a_recipient():
    alice, bob = person("alice"), person("bob")
    assert notify.recipients([alice, bob], exclude=alice) == [bob]
    assert notify.recipients([alice, bob], exclude=None) == [alice, bob]


def test_a_mail_server_failure_is_a_retryable_delivery_failure(incident, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone away")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(notify.DeliveryFailed) as failed:
        deliver("published", incident, person("alice"))
    assert str(failed.value) == "email to alice@example.com not sent: SMTPServerDisconnected: gone away"
    assert failed.value.retry is True


def test_one_item_due_is_named_in_the_subject_several_are_counted():
    alice = person("alice")
    first = ActionItemFactory(incident=IncidentFactory(), title="Rotate logs")
    second = ActionItemFactory(incident=IncidentFactory(), title="Runbook")
    assert notify.deliver("due_reminder", {"to": alice.pk, "items": [first.pk]}) == "sent"
    assert notify.deliver("due_reminder", {"to": alice.pk, "items": [first.pk, second.pk]}) == "sent"
    assert notify.deliver("due_reminder", {"to": alice.pk, "items": [first.pk + 100]}) == "gone"
    assert [message.subject for message in mail.outbox] == [
        f"Due soon: Rotate logs ({first.incident.reference})",
        "2 action items due soon"]


def test_the_webhook_body_names_the_published_incident(incident):
    url = f"https://pm.example.com/incidents/{incident.reference}/"
    assert notify.webhook_body(incident) == {
        "text": f"Published: {incident.reference} DNS resolution slow {url}",
        "incident": {"id": incident.pk, "reference": incident.reference, "title": "DNS resolution slow", "url": url,
                     "severity": incident.severity},
    }
    assert notify.preferences_url() == "https://pm.example.com/accounts/notifications/"


def test_without_a_webhook_url_or_incident_the_webhook_is_not_posted(incident, settings):
    assert notify.deliver(notify.WEBHOOK, {"incident": incident.pk, "event": "published"}) == "skipped"
    settings.POSTMORTEM_WEBHOOK_URL = "http://127.0.0.1:9/hook"
    assert notify.deliver(notify.WEBHOOK, {"incident": incident.pk + 100, "event": "published"}) == "gone"


def test_the_webhook_is_posted_with_its_event_secret_and_timeout(incident, settings, monkeypatch):
    from incidents import outgoing

    posted = []
    monkeypatch.setattr(outgoing, "post", lambda url, body, **options: posted.append((url, body, options)) or 200)
    settings.POSTMORTEM_WEBHOOK_URL, settings.POSTMORTEM_WEBHOOK_SECRET = "https://hooks.example.com/x", "s3cret"
    settings.POSTMORTEM_WEBHOOK_TIMEOUT_SECONDS = 7
    assert notify.deliver(notify.WEBHOOK, {"incident": incident.pk}) == "sent"
    assert notify.deliver(notify.WEBHOOK, {"incident": incident.pk, "event": "republished"}) == "sent"
    assert [(url, body, options["event"], options["secret"], options["timeout"]) for url, body, options in posted] == [
        ("https://hooks.example.com/x", notify.webhook_body(incident), "published", "s3cret", 7),
        ("https://hooks.example.com/x", notify.webhook_body(incident), "republished", "s3cret", 7)]


@pytest.mark.parametrize("retry", [True, False])
def test_a_failed_webhook_says_whether_trying_again_may_help(incident, settings, monkeypatch, retry):
    from incidents import outgoing

    def fail(url, body, **options):
        raise outgoing.WebhookFailed("HTTP 404" if not retry else "HTTP 503", retry=retry)

    monkeypatch.setattr(outgoing, "post", fail)
    settings.POSTMORTEM_WEBHOOK_URL = "https://hooks.example.com/x"
    with pytest.raises(notify.DeliveryFailed) as failed:
        notify.deliver(notify.WEBHOOK, {"incident": incident.pk})
    assert (str(failed.value), failed.value.retry) == (
        f"webhook for {incident.reference} failed: {'HTTP 503' if retry else 'HTTP 404'}", retry)


def test_a_reminder_lists_items_by_due_date_then_incident_and_one_without_items_is_gone():
    alice = person("alice")
    first_incident, second_incident = IncidentFactory(title="First"), IncidentFactory(title="Second")
    day = datetime.date(2026, 11, 20)
    later = ActionItemFactory(incident=second_incident, title="Second's item", due_date=day)
    earlier = ActionItemFactory(incident=first_incident, title="First's item", due_date=day)
    soonest = ActionItemFactory(incident=second_incident, title="Soonest", due_date=day - datetime.timedelta(days=1))
    notify.deliver("due_reminder", {"to": alice.pk, "items": [later.pk, earlier.pk, soonest.pk]})
    body = mail.outbox[0].body
    assert body.index("Soonest") < body.index("First's item") < body.index("Second's item")
    assert notify.deliver("due_reminder", {"to": alice.pk}) == "gone"


def test_a_reminder_marks_only_items_due_before_today_as_overdue_and_links_the_preferences():
    alice = person("alice")
    today = timezone.localdate()
    due_today = ActionItemFactory(incident=IncidentFactory(), title="Today's", due_date=today)
    late = ActionItemFactory(incident=IncidentFactory(), title="Yesterday's", due_date=today - datetime.timedelta(days=1))
    notify.deliver("due_reminder", {"to": alice.pk, "items": [due_today.pk, late.pk]})
    body = mail.outbox[0].body
    assert f"Due: {today:%Y-%m-%d}\n" in body
    assert f"Due: {today - datetime.timedelta(days=1):%Y-%m-%d} (overdue)\n" in body
    assert body.rstrip().endswith("https://pm.example.com/accounts/notifications/")


def test_an_unknown_review_decision_is_refused_by_name(incident):
    with pytest.raises(ValueError) as refused:
        notify.reviewed(incident, reviewer=person("carol"), decision="meh", comment="")
    assert str(refused.value) == "decision must be one of ('approved', 'changes_requested'), not 'meh'"
