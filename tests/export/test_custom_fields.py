"""Incident types and custom fields in the HTML/PDF export and the meeting pack: a "Details" block (localized
labels, units, display values) after the facts line, retired fields under "Retired fields", the sections in
the type's order with its headings; a pack of many typed incidents still takes a fixed number of queries."""

import datetime

import pytest
from django.utils import translation

from incidents.actions.retrospectives import add_to_agenda
from incidents.export import html, markdown, pack
from incidents.models import Incident
from tests.export.helpers import TODAY, at
from tests.factories import ActionItemFactory, IncidentFactory, RetrospectiveFactory, make_incident, near_miss_type

pytestmark = pytest.mark.django_db

FIELDS = {"region": "ap-northeast-1", "affected_customers": 120, "legacy_code": "X-1"}


@pytest.fixture
def near_miss(db):
    return near_miss_type()


def section_of(incident, user):
    incident = Incident.objects.for_document().get(pk=incident.pk)
    return pack.incident_section(incident, user, Incident.objects.visible_to(user), TODAY, for_meeting=False)


def test_the_html_export_in_japanese_shows_details_and_the_types_sections(near_miss, editor):
    incident = make_incident(title="ニアミス", type=near_miss, fields=FIELDS, summary="S", impact="I", analysis="A")
    ActionItemFactory(incident=incident, title="証明書の自動更新", kind="prevent")
    with translation.override("ja"):
        page = html.incident_html(section_of(incident, editor), TODAY)
    facts = page.index('<p class="facts">深刻度')
    details = page.index('<section class="details"><h3>詳細</h3>')
    assert facts < details
    assert "<dt>リージョン</dt><dd>ap-northeast-1</dd><dt>影響顧客数</dt><dd>120 社</dd>" in page
    assert '<section class="details retired"><h3>廃止されたフィールド</h3>' in page and "<dt>旧コード</dt><dd>X-1</dd>" in page
    headings = [page.index(f"<h2>{heading}</h2>") for heading in ("事象の概要", "影響範囲", "暫定対策", "恒久対策", "考察")]
    assert details < headings[0] and headings == sorted(headings)
    prevent = page[headings[3]:headings[4]]
    assert "証明書の自動更新" in prevent and "証明書の自動更新" not in page[headings[2]:headings[3]]


def test_the_pack_shows_details_in_english(near_miss, editor):
    incident = make_incident(title="Near miss", type=near_miss, fields=FIELDS)
    meeting = RetrospectiveFactory()
    add_to_agenda(meeting, [incident])
    with translation.override("en"):
        text = markdown.pack_markdown(pack.meeting_pack(meeting, editor, today=TODAY))
        page = html.pack_html(pack.meeting_pack(meeting, editor, today=TODAY))
    assert "**Details**\n\n- Region: ap-northeast-1\n- Affected customers: 120 社\n\n**Retired fields**\n\n- Legacy code: X-1\n" in text
    assert text.index("### What almost happened") < text.index("### Interim measures") < text.index("### Discussion")
    assert "<dt>Region</dt><dd>ap-northeast-1</dd>" in page and "<h3>Interim measures</h3>" in page


def test_a_pack_of_typed_incidents_takes_a_fixed_number_of_queries_each(near_miss, editor, django_assert_max_num_queries,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incidents = [IncidentFactory(title=f"incident {n}", type=near_miss, fields=FIELDS,
                                     started_at=at("2023-01-01 00:00") + datetime.timedelta(days=n)) for n in range(50)]
    meeting = RetrospectiveFactory()
    add_to_agenda(meeting, incidents)
    with django_assert_max_num_queries(50 * 5 + 20):  # as the untyped pack (tests/export/test_pack.py)
        text = markdown.pack_markdown(pack.meeting_pack(meeting, editor, today=TODAY))
    assert text.count("- Affected customers: 120 社") == 50
