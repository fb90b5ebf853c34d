"""A pack and a write-up as Markdown: against a golden file, incident Markdown kept as written, table cells
escaped, what a viewer may not see left out, and awkward text (blank lines, pipes, HTML, template syntax)
coming out of the templates exactly as the string-built exporter wrote it."""

import datetime
import os
from pathlib import Path

import pytest
from django.conf import settings

from incidents.actions.retrospectives import add_to_agenda
from incidents.export import markdown, pack
from incidents.models import Incident, Tag
from tests.export.helpers import TODAY, at, fixture_meeting
from tests.factories import (
    ActionItemFactory,
    FactorFactory,
    IncidentFactory,
    LessonFactory,
    LinkFactory,
    RetrospectiveFactory,
    TimelineEventFactory,
)

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
def test_a_viewers_pack_leaves_out_what_they_may_not_see(demo_meeting, viewer, editor):
    draft = Incident.objects.get(status="draft")
    add_to_agenda(demo_meeting, [draft])
    in_review = Incident.objects.get(status="in_review")
    text = markdown.pack_markdown(pack.meeting_pack(demo_meeting, viewer))
    assert draft.title not in text and in_review.title not in text
    assert "2 incidents on the agenda are not shown: you may not see them." in text
    editor_markdown = markdown.pack_markdown(pack.meeting_pack(demo_meeting, editor))
    assert draft.title in editor_markdown and "not shown" not in editor_markdown


def awkward_meeting():
    """One incident whose text is awkward for a template: blank lines, pipes, HTML, template syntax."""
    incident = IncidentFactory(
        title="Cache | stampede\non  api", severity="sev2", status="in_review",
        summary="First paragraph.\n\n\nAfter three newlines: <script>alert(1)</script>",
        impact="Rendered as written: {{ braces }} and {% tags %} and {# a comment #}",
        analysis="  | a | b |\n  |---|---|\n\n```\n{% verbatim %}\n```  ", resolution="   ",
        started_at=at("2023-05-01 10:00"), detected_at=at("2023-05-01 10:20"), resolved_at=at("2023-05-01 13:05"),
    )
    incident.tags.set(Tag.objects.resolve(["cache", "{{ tag }}"]))
    TimelineEventFactory(incident=incident, occurred_at=at("2023-05-01 10:20"), kind="detection", source="<alert>",
                         description="Latency alert\n\n\nsecond line {{ x }}  ")
    FactorFactory(incident=incident, category="capacity", description="Keys | expired\n  together")
    LessonFactory(incident=incident, kind="went_wrong", text="Nobody owned the cache:\n\n\n- api-1\n  - api-2  \n{% if %}")
    ActionItemFactory(incident=incident, title="Jitter | the {{ ttl }}\nfor keys", owner="  ",
                      due_date=datetime.date(2023, 6, 1), url="https://example.com/a|b")
    LinkFactory(incident=incident, url="https://example.com/run", title="Runbook | <b>{% url %}</b>")
    meeting = RetrospectiveFactory(title="Review | <i>{{ title }}</i>", date=datetime.date(2023, 5, 10), facilitator="")
    add_to_agenda(meeting, [incident])
    meeting.agenda.update(notes="\n\nNotes {% csrf_token %}\n\n\n| x |\n", decisions=" \n ")
    return meeting, incident


# What the string-built exporter wrote for awkward_meeting (checked against it): text the same, only stripped
# at its ends; no escaping, no template syntax evaluated; table cells on one line with pipes escaped.
FACTS = "**Severity:** SEV2 – major · **Status:** In review · **Tags:** cache, {{-tag-}}"  # a tag name has no spaces
SUMMARY = ["First paragraph.", "", "", "After three newlines: <script>alert(1)</script>"]
IMPACT = ["Rendered as written: {{ braces }} and {% tags %} and {# a comment #}"]
EVENT = ["- 2023-05-01 10:20 **Detection** (<alert>): Latency alert", "", "", "  second line {{ x }}"]
FACTOR = ["1. **Capacity**: Keys | expired together"]
LESSONS = ["**Went well**", "", "—", "",
           "**Went wrong**", "", "- Nobody owned the cache:", "", "", "  - api-1", "    - api-2  ", "  {% if %}", "",
           "**Where we got lucky**", "", "—"]
ANALYSIS = ["| a | b |", "  |---|---|", "", "```", "{% verbatim %}", "```"]
LINKS = ["- Related: [Runbook | <b>{% url %}</b>](https://example.com/run)"]
ACTION_ITEMS = ["| Action | Kind | Owner | Due | Status | Tracked in |", "| --- | --- | --- | --- | --- | --- |",
                "| Jitter \\| the {{ ttl }} for keys | Prevent | — | 2023-06-01 **overdue** | Open "
                "| <https://example.com/a\\|b> |"]


def expected(lines, incident):
    return "\n".join(lines).replace("INC-1", incident.reference).replace("Asia/Tokyo", settings.TIME_ZONE) + "\n"


@pytest.mark.django_db
def test_awkward_text_comes_out_as_before_in_a_write_up(editor):
    _meeting, incident = awkward_meeting()
    incident = Incident.objects.for_document().get(pk=incident.pk)
    section = pack.incident_section(incident, editor, Incident.objects.visible_to(editor), TODAY, for_meeting=False)
    front, body = markdown.incident_markdown(section, TODAY).split("\n---\n\n", 1)
    assert front.startswith("---\n# Postmortem export") and f"uuid: {incident.uid}" in front
    assert body == expected([
        "# INC-1 Cache | stampede on api", "", "**Date:** — · **Authors:** —", "", FACTS, "",
        "| Started | Detected | Mitigated | Resolved | Time to detect | Time to resolve |",
        "| --- | --- | --- | --- | --- | --- |",
        "| 2023-05-01 10:00 | 2023-05-01 10:20 | — | 2023-05-01 13:05 | 20 min | 3 h 5 min |", "",
        "_Times in Asia/Tokyo_", "",
        "## Summary", "", *SUMMARY, "",
        "## Impact", "", *IMPACT, "",
        "## Timeline", "", *EVENT, "",
        "## Contributing factors", "", *FACTOR, "",
        "## Analysis", "", *ANALYSIS, "",
        "## Resolution", "", "—", "",
        "## Lessons learned", "", *LESSONS, "",
        "## Action items", "", *ACTION_ITEMS, "",
        "## Supporting information", "", *LINKS,
    ], incident)


@pytest.mark.django_db
def test_awkward_text_comes_out_as_before_in_a_pack(editor):
    meeting, incident = awkward_meeting()
    assert markdown.pack_markdown(pack.meeting_pack(meeting, editor, today=TODAY)) == expected([
        "# Review | <i>{{ title }}</i>", "",
        "- **Date:** 2023-05-10", "- **Facilitator:** —", "- **Times in:** Asia/Tokyo", "",
        "## Agenda", "",
        "| # | Reference | Title | Severity | Duration | Status |", "| --- | --- | --- | --- | --- | --- |",
        "| 1 | INC-1 | Cache \\| stampede on api | SEV2 – major | 3 h 5 min | In review |", "",
        "## 1. INC-1 Cache | stampede on api", "", FACTS, "",
        "### Summary", "", *SUMMARY, "",
        "### Impact", "", *IMPACT, "",
        "### Key timeline", "",
        "| Milestone | Time | After |", "| --- | --- | --- |", "| Started | 2023-05-01 10:00 | — |",
        "| Detected | 2023-05-01 10:20 | 20 min |", "| Mitigated | — | — |",
        "| Resolved | 2023-05-01 13:05 | 2 h 45 min |", "",
        *EVENT, "",
        "### Contributing factors", "", *FACTOR, "",
        "### Analysis", "", *ANALYSIS, "",
        "### Resolution", "", "—", "",
        "### Lessons learned", "", *LESSONS, "",
        "### Action items", "", *ACTION_ITEMS, "",
        "### Links", "", *LINKS, "",
        "### Similar earlier incidents", "", "None found.", "",
        "### Meeting notes", "", "Notes {% csrf_token %}", "", "", "| x |", "",  # no decisions: only blanks
        "### Discussion prompts", "",
        "- Still in review: can it be published after this meeting?", "- 1 action item has no owner.",
        "- 1 action item is overdue.", "",
        "## Open action items by owner", "",
        "### No owner", "",
        "- INC-1: Jitter | the {{ ttl }}", "  for keys — due 2023-06-01 **overdue**, Open, <https://example.com/a|b>",
    ], incident)
