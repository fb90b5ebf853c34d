import datetime

import pytest
from django.core.management import call_command

from incidents.models import Retrospective
from tests.factories import UserFactory


@pytest.fixture
def editor():
    return UserFactory(username="editor", role="editor")


@pytest.fixture
def demo(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")


@pytest.fixture
def demo_meeting(demo):
    meeting = Retrospective.objects.create(title="ポストモーテム定例", date=datetime.date(2026, 11, 22),
                                           facilitator="tanaka", select_tag="postmortem")
    meeting.add_to_agenda(meeting.apply_selection())
    return meeting
