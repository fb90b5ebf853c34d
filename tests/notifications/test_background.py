"""Without a broker, the app process's background thread sends the notifications (not the request's
thread) and runs the due-date reminders once a day."""

import datetime
import threading

import pytest
from django.core import mail
from django.utils import timezone

from incidents import background
from incidents.actions import notify
from tests.conftest import wait_for
from tests.factories import ActionItemFactory, IncidentFactory, UserFactory


@pytest.mark.django_db(transaction=True)
def test_the_background_thread_sends_notifications_and_reminders(monkeypatch):
    threads = []
    send = notify.deliver
    monkeypatch.setattr(notify, "deliver", lambda *args: threads.append(threading.current_thread().name) or send(*args))
    alice = UserFactory(username="alice", email="alice@example.com")
    incident = IncidentFactory(title="Disk full")
    incident.authors.set([alice])
    ActionItemFactory(incident=incident, owner="alice", due_date=timezone.localdate() + datetime.timedelta(days=1))
    runner = background.start()
    try:
        runner.wake()  # its first run (else DRAIN_SECONDS after start)
        assert wait_for(lambda: len(mail.outbox) == 1, seconds=20)  # the reminder, on the first run
        notify.published(incident, by=UserFactory(username="editor"))
        assert wait_for(lambda: len(mail.outbox) == 2, seconds=20)
    finally:
        background.stop()
    assert threads == ["postmortem-background"] * 2 and runner.last_reminders is not None
    assert {message.subject.split(":")[0] for message in mail.outbox} == {"Due soon", "Published"}
