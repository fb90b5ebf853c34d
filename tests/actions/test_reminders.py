"""incidents.actions.reminders at its edges: the window of due dates (since yesterday, up to
POSTMORTEM_DUE_REMINDER_DAYS ahead, both ends included), whom an owner text names (a user name before an
email address, the lowest id among users sharing an address, only active users), what the run returns, and
how long reminders are remembered."""

import datetime

import pytest
from django.utils import timezone

from incidents.actions import reminders
from incidents.models import DueReminder
from tests.factories import ActionItemFactory, IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _settings(settings, monkeypatch):
    settings.POSTMORTEM_DUE_REMINDER_DAYS = 3
    monkeypatch.setattr("incidents.jobs.send_notification", lambda kind, payload: None)


def due(offset, owner="alice", status="open", incident=None, title=None):
    return ActionItemFactory(incident=incident or IncidentFactory(), owner=owner, status=status,
                             due_date=TODAY + datetime.timedelta(days=offset), title=title or f"due {offset:+d}")


def test_the_window_is_yesterday_to_the_reminder_days_ahead():
    for offset in (-2, -1, 0, 3, 4):
        due(offset)
    due(0, owner="")
    due(1, status="done")
    due(1, status="in_progress", title="started")
    assert [item.title for item in reminders.due_items(TODAY)] == ["due -1", "due +0", "started", "due +3"]


def test_an_owner_text_names_a_user_by_name_before_email_and_only_active_users():
    alice = UserFactory(username="alice", email="shared@example.com")
    UserFactory(username="alice2", email="shared@example.com")
    carol = UserFactory(username="Carol", email="carol@example.com")
    UserFactory(username="dave", email="dave@example.com", is_active=False)
    named_by_email = UserFactory(username="erin", email="ALICE@example.com")
    assert reminders.owners([" Shared@Example.com ", "carol", "dave", "alice@example.com", "", "  "]) == {
        "shared@example.com": alice, "carol": carol,
        "alice@example.com": named_by_email}
    by_name = UserFactory(username="alice@example.com", email="someone@example.com")
    assert reminders.owners(["alice@example.com"]) == {"alice@example.com": by_name}
    assert reminders.owners([]) == {} and reminders.owners(["  "]) == {}


def test_the_run_counts_items_and_emails_and_remembers_each_reminder():
    alice = UserFactory(username="alice", email="alice@example.com")
    UserFactory(username="bob", email="bob@example.com")
    due(0, owner="alice"), due(1, owner="ALICE"), due(2, owner="bob"), due(2, owner="nobody in particular")
    assert reminders.remind_due_action_items(TODAY) == {"items": 4, "emails": 2}
    assert DueReminder.objects.filter(user=alice).count() == 2
    assert reminders.remind_due_action_items(TODAY) == {"items": 4, "emails": 0}


def test_reminders_of_dates_more_than_30_days_ago_are_forgotten():
    alice = UserFactory(username="alice", email="alice@example.com")
    incident = IncidentFactory()
    for days in (31, 30):
        DueReminder.objects.create(incident=incident, title=f"{days} days", user=alice,
                                   due_date=TODAY - datetime.timedelta(days=days))
    reminders.remind_due_action_items(TODAY)
    assert list(DueReminder.objects.values_list("title", flat=True)) == ["30 days"]


def test_the_default_day_is_today():
    UserFactory(username="alice", email="alice@example.com")
    ActionItemFactory(incident=IncidentFactory(), owner="alice", due_date=timezone.localdate())
    assert [item.owner for item in reminders.due_items()] == ["alice"]
    assert reminders.remind_due_action_items() == {"items": 1, "emails": 1}


def test_two_items_of_one_incident_due_the_same_day_are_both_reminded(monkeypatch):
    sent = []
    monkeypatch.setattr("incidents.jobs.send_notification", lambda kind, payload: sent.append(payload))
    alice = UserFactory(username="alice", email="alice@example.com")
    incident = IncidentFactory()
    first, second = due(1, incident=incident, title="Rotate logs"), due(1, incident=incident, title="Add an alert")
    assert reminders.remind_due_action_items(TODAY) == {"items": 2, "emails": 1}
    assert sent == [{"to": alice.pk, "items": [first.pk, second.pk]}]
    assert sorted(DueReminder.objects.values_list("title", flat=True)) == ["Add an alert", "Rotate logs"]


def test_an_item_another_run_records_at_the_same_moment_is_left_to_it(monkeypatch):
    from django.db import IntegrityError

    def raced(**fields):
        raise IntegrityError("UNIQUE constraint failed")

    UserFactory(username="alice", email="alice@example.com")
    due(1)
    monkeypatch.setattr(DueReminder.objects, "get_or_create", raced)
    assert reminders.remind_due_action_items(TODAY) == {"items": 1, "emails": 0}


def test_an_owner_who_gets_no_email_does_not_stop_the_others():
    UserFactory(username="bob", email="")  # no address: no reminder, and the loop goes on
    UserFactory(username="alice", email="alice@example.com")
    due(0, owner="bob"), due(1, owner="alice")
    assert reminders.remind_due_action_items(TODAY) == {"items": 2, "emails": 1}


def test_the_run_is_logged(caplog):
    import logging

    UserFactory(username="alice", email="alice@example.com")
    due(0), due(1, owner="nobody")
    with caplog.at_level(logging.INFO, logger="incidents.actions.reminders"):
        reminders.remind_due_action_items(TODAY)
    assert [record.getMessage() for record in caplog.records] == ["due-date reminders: 1 emails and 0 Slack messages about 2 items due soon"]
