import datetime

import pytest

from incidents.actions.retrospectives import add_to_agenda
from incidents.models import Retrospective


@pytest.fixture
def demo_meeting(demo):
    meeting = Retrospective.objects.create(title="ポストモーテム定例", date=datetime.date(2026, 11, 22),
                                           facilitator="tanaka", select_tag="postmortem")
    add_to_agenda(meeting, meeting.apply_selection())
    return meeting
