"""The entry points the writers call inside their transaction: the right emails in the outbox once it
commits, none when it rolls back, opt-outs and users without an address skipped, never the actor."""

import pytest
from django.core import mail
from django.db import transaction

from incidents import tasks
from incidents.actions import notify
from incidents.actions.preferences import save_notification_preferences
from incidents.models import NotificationPreference

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.POSTMORTEM_BASE_URL = "https://pm.example.com"
    settings.POSTMORTEM_WEBHOOK_URL = ""


@pytest.fixture
def person(user):
    """person("carol"): the user named carol, without a role, at carol@example.com (email=False: no address)."""
    def make(name, email=True, **fields):
        return user(username=name, email=f"{name}@example.com" if email else "", **fields)

    return make


@pytest.fixture
def incident(make_incident, person):
    return make_incident(title="DNS が遅い & <slow>", status="in_review", authors=[person("alice"), person("bob")])


def sent_to():
    return sorted(address for message in mail.outbox for address in message.to)


def test_review_requested_emails_each_reviewer_but_not_the_asker(incident, django_capture_on_commit_callbacks, person):
    asker, carol, dave = person("asker"), person("carol"), person("dave")
    with django_capture_on_commit_callbacks(execute=True):
        notify.review_requested(incident, [carol, dave, asker], by=asker)
        assert mail.outbox == []  # nothing before the commit
    assert sent_to() == ["carol@example.com", "dave@example.com"]
    message = mail.outbox[0]
    assert message.subject == f"Review requested: {incident.reference} DNS が遅い & <slow>"
    assert message.from_email == "postmortem@localhost"
    assert message.body == (f"asker asked you to review {incident.reference} DNS が遅い & <slow>.\n\n"  # not escaped
                            f"https://pm.example.com/incidents/{incident.reference}/\n\n-- \n"
                            "Postmortem. Turn these emails off or change their language: "
                            "https://pm.example.com/accounts/notifications/\n\n")
    assert message.extra_headers == {"Auto-Submitted": "auto-generated", "Content-Language": "en"}


def test_each_recipient_reads_the_email_in_their_language(incident, django_capture_on_commit_callbacks, person):
    asker, carol, dave = person("asker"), person("carol"), person("dave")
    save_notification_preferences(carol, email=True, language="ja")
    with django_capture_on_commit_callbacks(execute=True):
        notify.review_requested(incident, [carol, dave], by=asker)
    by_address = {message.to[0]: message for message in mail.outbox}
    japanese, english = by_address["carol@example.com"], by_address["dave@example.com"]
    assert japanese.subject == f"レビュー依頼: {incident.reference} DNS が遅い & <slow>"
    assert japanese.body == (f"asker さんから {incident.reference}「DNS が遅い & <slow>」のレビューを依頼されました。\n\n"
                             f"https://pm.example.com/incidents/{incident.reference}/\n\n-- \n"
                             "Postmortem。メール通知の停止・言語の変更: https://pm.example.com/accounts/notifications/\n\n")
    assert japanese.extra_headers["Content-Language"] == "ja"
    assert english.subject == f"Review requested: {incident.reference} DNS が遅い & <slow>"
    assert "レビュー" not in english.body and english.extra_headers["Content-Language"] == "en"


@pytest.mark.parametrize("decision, english, japanese, subject", [
    ("approved", "carol approved", "carol さんが {reference}「DNS が遅い & <slow>」を承認しました。", "承認されました"),
    ("changes_requested", "carol asked for changes to", "carol さんが {reference}「DNS が遅い & <slow>」に修正を依頼しました。",
     "修正が依頼されました"),
])
def test_reviewed_emails_the_authors(incident, decision, english, japanese, subject, django_capture_on_commit_callbacks,
                                     person):
    carol = person("carol")
    save_notification_preferences(incident.authors.get(username="bob"), email=True, language="ja")
    with django_capture_on_commit_callbacks(execute=True):
        notify.reviewed(incident, reviewer=carol, decision=decision, comment="Timeline needs UTC.")
    assert sent_to() == ["alice@example.com", "bob@example.com"]
    alice, bob = sorted(mail.outbox, key=lambda message: message.to)
    assert alice.body.startswith(f"{english} {incident.reference} DNS が遅い & <slow>.\n\nTimeline needs UTC.\n")
    assert alice.subject.startswith("Approved: " if decision == "approved" else "Changes requested: ")
    assert bob.body.startswith(japanese.format(reference=incident.reference) + "\n\nTimeline needs UTC.\n")
    assert bob.subject == f"{subject}: {incident.reference} DNS が遅い & <slow>"


def test_reviewed_refuses_an_unknown_decision(incident, person):
    with pytest.raises(ValueError):
        notify.reviewed(incident, reviewer=person("carol"), decision="meh", comment="")


def test_comment_added_emails_the_authors_but_not_the_commenter(incident, django_capture_on_commit_callbacks):
    alice = incident.authors.get(username="alice")
    with django_capture_on_commit_callbacks(execute=True):
        notify.comment_added(incident, author=alice, body="ndots:5 が原因では?")
    assert sent_to() == ["bob@example.com"]
    assert "alice commented on" in mail.outbox[0].body and "ndots:5 が原因では?" in mail.outbox[0].body


def test_published_emails_the_authors(incident, django_capture_on_commit_callbacks, person):
    editor = person("editor")
    with django_capture_on_commit_callbacks(execute=True):
        notify.published(incident, by=editor)
    assert sent_to() == ["alice@example.com", "bob@example.com"]
    assert mail.outbox[0].subject == f"Published: {incident.reference} DNS が遅い & <slow>"


def test_nothing_is_sent_when_the_transaction_rolls_back(incident, django_capture_on_commit_callbacks, person):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            notify.published(incident, by=person("editor"))
            notify.review_requested(incident, [person("carol")], by=person("editor"))
            raise RuntimeError("the write failed")
    assert mail.outbox == []


def test_opted_out_users_and_users_without_email_get_nothing(incident, django_capture_on_commit_callbacks, caplog, person):
    alice = incident.authors.get(username="alice")
    NotificationPreference.objects.create(user=alice, email=False)
    incident.authors.add(person("noaddress", email=False), person("gone", is_active=False))
    with caplog.at_level("DEBUG", logger="incidents.actions.notify"), django_capture_on_commit_callbacks(execute=True):
        notify.published(incident, by=person("editor"))
    assert sent_to() == ["bob@example.com"]
    assert "email turned off" in caplog.text and "no email address" in caplog.text


def test_opting_out_after_queueing_still_stops_the_email(incident, django_capture_on_commit_callbacks, person):
    with django_capture_on_commit_callbacks() as callbacks:
        notify.published(incident, by=person("editor"))
    NotificationPreference.objects.create(user=incident.authors.get(username="alice"), email=False)
    for callback in callbacks:
        callback()
    assert sent_to() == ["bob@example.com"]


def test_a_failing_mail_server_is_logged_and_given_up_in_process(incident, settings, caplog,
                                                                  django_capture_on_commit_callbacks, person):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    with caplog.at_level("WARNING"), django_capture_on_commit_callbacks(execute=True):
        notify.published(incident, by=person("editor"))  # does not raise
    assert "given up" in caplog.text


def test_the_task_retries_a_failed_send_in_a_worker(monkeypatch):
    """In a worker (not eager) a failed send is retried with backoff; a refusal that cannot get better is not."""
    retried = []

    def fail(kind, payload):
        raise notify.DeliveryFailed("smtp down", retry=True)

    monkeypatch.setattr(notify, "deliver", fail)
    monkeypatch.setattr(tasks.send_notification, "retry", lambda exc, countdown: retried.append(countdown) or exc)
    task = tasks.send_notification
    task.push_request(is_eager=False, retries=1)
    try:
        with pytest.raises(notify.DeliveryFailed):
            task.run("published", {"incident": 1, "to": 1})
        assert retried == [120]
        monkeypatch.setattr(notify, "deliver", lambda kind, payload: (_ for _ in ()).throw(
            notify.DeliveryFailed("404", retry=False)))
        assert task.run("webhook", {"incident": 1}) == "failed" and retried == [120]
    finally:
        task.pop_request()


def test_a_deleted_incident_or_user_is_skipped_quietly(incident, django_capture_on_commit_callbacks, person):
    with django_capture_on_commit_callbacks() as callbacks:
        notify.published(incident, by=person("editor"))
    incident.delete()
    for callback in callbacks:
        callback()
    assert mail.outbox == []
