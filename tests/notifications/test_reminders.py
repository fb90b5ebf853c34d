"""The daily due-date reminders: owners named by user name or email get one email listing their items due
soon; free text names nobody; finished items and items far off are left out; never twice."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from incidents import tasks
from incidents.actions import reminders
from incidents.models import DueReminder, NotificationPreference
from tests.factories import ActionItemFactory, IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.POSTMORTEM_BASE_URL = "https://pm.example.com"
    settings.POSTMORTEM_DUE_REMINDER_DAYS = 3


def day(offset):
    return timezone.localdate() + datetime.timedelta(days=offset)


def remind(capture):
    with capture(execute=True):
        return tasks.remind_due_action_items()


@pytest.fixture
def people():
    return {
        "alice": UserFactory(username="alice", email="alice@example.com"),
        "bob": UserFactory(username="bob", email="Bob.Builder@example.com"),
    }


def test_owners_by_user_name_and_by_email_get_one_email_each(people, django_capture_on_commit_callbacks):
    incident = IncidentFactory(title="Disk full")
    ActionItemFactory(incident=incident, title="Add disk alert", owner="Alice", due_date=day(2))
    ActionItemFactory(incident=incident, title="Rotate logs", owner="alice", due_date=day(-1))  # overdue < a day
    ActionItemFactory(incident=incident, title="Runbook", owner="bob.builder@EXAMPLE.com", due_date=day(0))
    ActionItemFactory(incident=incident, title="Someday", owner="alice", due_date=day(10))  # too far off
    ActionItemFactory(incident=incident, title="Long overdue", owner="alice", due_date=day(-5))
    ActionItemFactory(incident=incident, title="Done already", owner="alice", due_date=day(1), status="done")
    ActionItemFactory(incident=incident, title="Dropped", owner="alice", due_date=day(1), status="wont_do")
    ActionItemFactory(incident=incident, title="Free text", owner="インフラチーム", due_date=day(1))
    ActionItemFactory(incident=incident, title="Nobody", owner="", due_date=day(1))

    assert remind(django_capture_on_commit_callbacks) == {"items": 4, "emails": 2}  # "Free text" is due but names nobody

    by_address = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_address) == ["Bob.Builder@example.com", "alice@example.com"]
    alice = by_address["alice@example.com"]
    assert alice.subject.startswith("2 action items due soon")
    assert alice.body.index("Rotate logs") < alice.body.index("Add disk alert")  # by due date
    assert f"Due: {day(-1):%Y-%m-%d} (overdue)\n" in alice.body and f"Due: {day(2):%Y-%m-%d}\n" in alice.body
    assert f"{incident.reference} Disk full" in alice.body
    assert f"https://pm.example.com/incidents/{incident.reference}/" in alice.body
    for absent in ("Someday", "Long overdue", "Done already", "Dropped", "Free text", "Nobody"):
        assert absent not in alice.body
    assert by_address["Bob.Builder@example.com"].subject == f"Due soon: Runbook ({incident.reference})"


def test_never_twice_for_the_same_item_and_due_date(people, django_capture_on_commit_callbacks):
    incident = IncidentFactory()
    item = ActionItemFactory(incident=incident, title="Add disk alert", owner="alice", due_date=day(2))
    remind(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    remind(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1

    # The incident is saved again (its action item rows are replaced): still the same item and date.
    item.delete()
    item = ActionItemFactory(incident=incident, title="Add disk alert", owner="alice", due_date=day(2))
    remind(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1

    # A new due date is worth a new reminder.
    item.due_date = day(3)
    item.save()
    remind(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2 and DueReminder.objects.count() == 2


def test_opted_out_owners_and_owners_without_email_get_nothing(people, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=people["alice"], email=False)
    UserFactory(username="noaddress", email="")
    incident = IncidentFactory()
    ActionItemFactory(incident=incident, owner="alice", due_date=day(1))
    ActionItemFactory(incident=incident, owner="noaddress", due_date=day(1))
    assert remind(django_capture_on_commit_callbacks)["emails"] == 0
    assert mail.outbox == [] and not DueReminder.objects.exists()


def test_drafts_only_for_owners_who_may_see_them(people, django_capture_on_commit_callbacks):
    editor = UserFactory(username="ed", email="ed@example.com", role="editor")
    draft = IncidentFactory(status="draft", title="Secret draft")
    ActionItemFactory(incident=draft, owner="alice", due_date=day(1))  # a viewer, not an author
    ActionItemFactory(incident=draft, owner="ed", due_date=day(1))
    remind(django_capture_on_commit_callbacks)
    assert [message.to for message in mail.outbox] == [[editor.email]]
    assert "Secret draft" in mail.outbox[0].body


def test_old_reminders_are_forgotten(people, django_capture_on_commit_callbacks):
    incident = IncidentFactory()
    DueReminder.objects.create(incident=incident, title="x", due_date=day(-reminders.KEEP_DAYS - 1),
                               user=people["alice"])
    remind(django_capture_on_commit_callbacks)
    assert not DueReminder.objects.exists()


def test_beat_runs_it_daily_at_nine(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["remind-due-action-items"]
    assert entry["task"] == "incidents.tasks.remind_due_action_items"
    assert entry["schedule"].hour == {9} and entry["schedule"].minute == {0}
