"""The entry points the writers call inside their transaction: the right emails in the outbox once it
commits, none when it rolls back, opt-outs and users without an address skipped, never the actor."""

import pytest
from django.core import mail
from django.db import transaction

from incidents import tasks
from incidents.actions import notify
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
    assert message.subject == f"Review requested / レビュー依頼: {incident.reference} DNS が遅い & <slow>"
    assert message.from_email == "postmortem@localhost"
    assert f"https://pm.example.com/incidents/{incident.reference}/" in message.body
    assert "asker asked you to review" in message.body and "レビューを依頼されました" in message.body
    assert "&amp;" not in message.body and "<slow>" in message.body  # plain text, not HTML-escaped
    assert message.body.index("asked you") < message.body.index("レビュー")  # English first
    assert "https://pm.example.com/accounts/notifications/" in message.body
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"


@pytest.mark.parametrize("decision, english, japanese", [
    ("approved", "carol approved", "承認しました"),
    ("changes_requested", "carol asked for changes", "修正を依頼しました"),
])
def test_reviewed_emails_the_authors(incident, decision, english, japanese, django_capture_on_commit_callbacks, person):
    carol = person("carol")
    with django_capture_on_commit_callbacks(execute=True):
        notify.reviewed(incident, reviewer=carol, decision=decision, comment="Timeline needs UTC.")
    assert sent_to() == ["alice@example.com", "bob@example.com"]
    body = mail.outbox[0].body
    assert english in body and japanese in body and "Timeline needs UTC." in body
    assert mail.outbox[0].subject.startswith("Approved" if decision == "approved" else "Changes requested")


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
    assert mail.outbox[0].subject.startswith(f"Published / 公開されました: {incident.reference}")


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
