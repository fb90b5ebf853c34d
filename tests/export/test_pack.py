"""What a pack gathers (durations, factor chain, similar earlier incidents, prompts, open items), apart
from how it is rendered, and how many queries gathering it takes."""

import datetime

import pytest

from incidents.actions.retrospectives import add_to_agenda
from incidents.export import markdown, pack
from tests.export.helpers import TODAY, at, fixture_meeting
from tests.factories import ActionItemFactory, FactorFactory, IncidentFactory, RetrospectiveFactory


@pytest.mark.django_db
def test_pack_gathers_durations_similar_earlier_incidents_and_prompts(editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meeting, first, second, third = fixture_meeting()
    gathered = pack.meeting_pack(meeting, editor, today=TODAY)
    assert [s.incident for s in gathered.sections] == [second, third]
    b, c = gathered.sections
    assert [(m.label, m.after) for m in b.milestones] == [
        ("Started", None), ("Detected", datetime.timedelta(minutes=5)),
        ("Mitigated", datetime.timedelta(minutes=35)), ("Resolved", datetime.timedelta(hours=32, minutes=20))]
    assert [row["effects"] for row in b.factors] == [[2], []]  # change → resource exhaustion
    assert b.notes == "Agreed to **buy disks**." and b.decisions == "Publish after review."
    assert [other.incident for other in b.earlier] == [first]  # similar, and started before
    assert {other.incident for other in c.earlier} == {first, second}
    assert "Still in review: can it be published after this meeting?" in b.prompts
    assert "1 action item has no owner." in b.prompts
    assert f"{first.reference} planned “Add a disk usage alert” by 2023-02-01; it is still “Open”." in b.prompts
    assert "No detection time recorded: when and how did we find out?" in c.prompts
    assert "No lessons recorded." in c.prompts and "No action items recorded: is nothing to be done?" in c.prompts
    assert (f"Third incident with a “Resource exhaustion” factor in 180 days (earlier: {first.reference}, "
            f"{second.reference}).") in c.prompts
    assert f"Third incident tagged “storage” in 180 days (earlier: {first.reference}, {second.reference})." in c.prompts
    assert not any("postmortem incident" in prompt for prompt in c.prompts)  # the tag that selected the agenda
    # The closing section: open items on the agenda by owner, "No owner" last.
    assert [(owner, [item.title for _i, item in rows]) for owner, rows in gathered.open_items] == [
        ("No owner", ["Review config changes in pairs"])]


@pytest.mark.django_db
def test_japanese_prompts_name_factor_categories_by_their_label_not_their_key(editor, django_capture_on_commit_callbacks):
    from django.utils import translation
    with django_capture_on_commit_callbacks(execute=True):
        meeting, first, second, _third = fixture_meeting()
    with translation.override("ja"):
        _b, c = pack.meeting_pack(meeting, editor, today=TODAY).sections
    earlier = f"{first.reference}, {second.reference}"
    assert f"要因「リソース枯渇」を含む障害は 180 日以内で 3 件目です (以前: {earlier})。" in c.prompts
    assert f"タグ「storage」の障害は 180 日以内で 3 件目です (以前: {earlier})。" in c.prompts
    assert not any("resource-exhaustion" in prompt for prompt in c.prompts)


@pytest.mark.django_db
def test_fifty_incidents_take_a_fixed_number_of_queries_each(editor, django_assert_max_num_queries,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # indexed, as saved incidents are
        incidents = [IncidentFactory(title=f"incident {n}", started_at=at("2023-01-01 00:00") + datetime.timedelta(days=n))
                     for n in range(50)]
        for incident in incidents:
            FactorFactory(incident=incident, category="capacity")
            ActionItemFactory(incident=incident, owner="ito", due_date=datetime.date(2023, 6, 1))
    meeting = RetrospectiveFactory()
    add_to_agenda(meeting, incidents)
    with django_assert_max_num_queries(50 * 5 + 20):  # a fixed number per incident, not per child
        text = markdown.pack_markdown(pack.meeting_pack(meeting, editor, today=TODAY))
    closing = text.split("## Open action items by owner")[1]
    assert closing.count("**overdue**") == 50
