"""A pack and a write-up as Markdown: against a golden file, incident Markdown kept as written, table cells
escaped, and what a viewer may not see left out."""

import os
from pathlib import Path

import pytest

from incidents.export import markdown, pack
from incidents.models import Incident
from tests.export.helpers import TODAY, fixture_meeting
from tests.factories import UserFactory

GOLDEN = Path(__file__).parent / "golden" / "retrospective.md"


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_markdown_pack_matches_the_golden_file(editor):
    meeting, *_ = fixture_meeting()  # transaction=True: each save is committed and indexed for similar incidents
    text = markdown.pack_markdown(pack.meeting_pack(meeting, editor, today=TODAY))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_markdown_keeps_incident_markdown_and_escapes_table_cells(editor):
    meeting, _first, second, _third = fixture_meeting()
    text = markdown.pack_markdown(pack.meeting_pack(meeting, editor, today=TODAY))
    assert f"| 1 | {second.reference} | Disk full again \\| db-2 | SEV1 – critical |" in text
    assert "WAL archiving stopped after a **config change**" in text
    assert "```\ndf -h /var/lib/postgresql\n```" in text
    assert "- Nobody watched disk usage:\n\n  - db-1\n  - db-2" in text  # nested under its list item
    assert "[example/infra#7](https://github.com/example/infra/issues/7)" in text


@pytest.mark.django_db
def test_a_viewers_pack_leaves_out_what_they_may_not_see(demo_meeting):
    draft = Incident.objects.get(status="draft")
    demo_meeting.add_to_agenda([draft])
    in_review = Incident.objects.get(status="in_review")
    viewer = UserFactory(username="viewer", role="viewer")
    text = markdown.pack_markdown(pack.meeting_pack(demo_meeting, viewer))
    assert draft.title not in text and in_review.title not in text
    assert "2 incidents on the agenda are not shown: you may not see them." in text
    editor_markdown = markdown.pack_markdown(pack.meeting_pack(demo_meeting, UserFactory(role="editor")))
    assert draft.title in editor_markdown and "not shown" not in editor_markdown
