import datetime

import pytest

from incidents.models import Retrospective


@pytest.fixture
def demo_meeting(demo):
    meeting = Retrospective.objects.create(title="ポストモーテム定例", date=datetime.date(2026, 11, 22),
                                           facilitator="tanaka", select_tag="postmortem")
    meeting.add_to_agenda(meeting.apply_selection())
    return meeting
