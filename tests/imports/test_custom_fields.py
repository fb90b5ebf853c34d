"""Incident types and custom fields through the Markdown export and the importer: a ニアミス write-up with two
custom fields exports and re-imports identically (same type, fields, sections); ``type:``, field keys and other
front-matter keys of a file (kept as extra) on import."""

import pytest
from django.utils import translation

from incidents.export import export_incident
from incidents.imports.formats import parse_document
from incidents.models import Incident
from tests.factories import make_incident, near_miss_type
from tests.imports.helpers import document, import_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def near_miss(db):
    return near_miss_type()


@pytest.fixture
def written(near_miss, editor):
    incident = make_incident(title="ニアミス: 証明書の期限切れ寸前", severity="sev3", type=near_miss,
                             summary="期限の 2 日前に気づいた。", impact="なし。", analysis="監視がなかった。",
                             fields={"region": "ap-northeast-1", "affected_customers": 120, "legacy_code": "X-1"},
                             extra={"colour": "red"})
    incident.authors.add(editor)
    return incident


def markdown(incident, user, language="ja"):
    with translation.override(language):
        return export_incident(incident, user, "md").content.decode()


def test_the_front_matter_has_the_type_its_fields_in_order_retired_ones_and_extra(written, editor):
    text = markdown(written, editor)
    front = text.split("\n---\n\n", 1)[0]
    assert "\ntype: near-miss\nfields:\n  region: ap-northeast-1\n  affected_customers: 120\n" in front
    assert "\nretired_fields:\n  legacy_code: X-1\n" in front
    assert "\nextra:\n  colour: red\n" in front


def test_a_japanese_export_shows_the_details_and_the_types_sections_in_order(written, editor):
    body = markdown(written, editor).split("\n---\n\n", 1)[1]
    assert "**詳細**\n\n- リージョン: ap-northeast-1\n- 影響顧客数: 120 社\n\n**廃止されたフィールド**\n\n- 旧コード: X-1\n" in body
    headings = [line[3:] for line in body.split("\n") if line.startswith("## ")]
    assert headings == ["事象の概要", "影響範囲", "暫定対策", "恒久対策", "考察", "関連情報"]


def test_a_near_miss_exports_and_reimports_identically(written, editor, near_miss):
    text = markdown(written, editor).encode()
    before = document(written)
    report = import_files({"same": text}, user=editor)
    assert report.counts["unchanged"] == 1, report.as_dict()  # read back as it is stored: nothing to write
    uid = written.uid
    Incident.objects.filter(pk=written.pk).delete()
    report = import_files({"again": text}, user=editor)
    assert report.counts["imported"] == 1 and report.files[0].warnings == [], report.as_dict()
    again = Incident.objects.get(uid=uid)
    assert again.type == near_miss
    assert again.fields == {"region": "ap-northeast-1", "affected_customers": 120, "legacy_code": "X-1"}
    assert again.extra == {"colour": "red"}
    assert (again.summary, again.impact, again.analysis) == ("期限の 2 日前に気づいた。", "なし。", "監視がなかった。")
    assert document(again) == before
    assert markdown(again, editor) == text.decode().replace(written.reference, again.reference)


def test_an_english_export_reads_back_too(written, editor):
    parsed = parse_document(markdown(written, editor, "en"))
    assert parsed.document["summary"] == "期限の 2 日前に気づいた。" and parsed.document["analysis"] == "監視がなかった。"
    assert parsed.document["type"] == "near-miss"


def test_top_level_field_keys_fill_fields_and_other_keys_are_kept_as_extra(near_miss, editor):
    text = ("---\ntitle: Almost\nseverity: sev3\ntype: near-miss\nregion: us-east-1\naffected_customers: '1,200'\n"
            "ticket: OPS-7\nreviewed_on: 2026-12-01\n---\n## Summary\n\nS\n")
    report = import_files({"a": text.encode()}, user=editor)
    assert report.counts["imported"] == 1, report.as_dict()
    incident = Incident.objects.get(title="Almost")
    assert incident.type == near_miss and incident.fields == {"region": "us-east-1", "affected_customers": 1200}
    assert incident.extra == {"ticket": "OPS-7", "reviewed_on": "2026-12-01"}
    assert "a.md: front-matter key “ticket” is not a field of this incident type: kept as extra" in report.files[0].warnings
    page = markdown(incident, editor, "en")
    assert "\nextra:\n  ticket: OPS-7\n  reviewed_on: '2026-12-01'\n" in page


def test_a_bad_value_is_a_warning_naming_the_field_and_kept_out(near_miss, editor):
    text = ("---\ntitle: Bad\nseverity: sev3\ntype: near-miss\nfields:\n  region: ap-northeast-1\n"
            "  affected_customers: many\n---\n")
    report = import_files({"b": text.encode()}, user=editor)
    assert report.counts["imported"] == 1, report.as_dict()
    assert Incident.objects.get(title="Bad").fields == {"region": "ap-northeast-1"}
    assert ("b.md: field “Affected customers” (affected_customers): 'many' not used: Must be a number."
            in report.files[0].warnings)


def test_a_missing_required_field_fails_the_file(near_miss, editor):
    report = import_files({"c": b"---\ntitle: No region\ntype: near-miss\nfields:\n  region: eu-west-9\n---\n"},
                          user=editor)
    assert report.counts["failed"] == 1
    assert any("region" in problem and "required" in problem for problem in report.files[0].problems), report.as_dict()
    assert any("eu-west-9" in warning for warning in report.files[0].warnings)


def test_an_unknown_type_is_a_warning_and_the_default_type_is_used(editor):
    report = import_files({"d": b"---\ntitle: Unknown type\ntype: outage\n---\n"}, user=editor)
    assert report.counts["imported"] == 1, report.as_dict()
    assert Incident.objects.get(title="Unknown type").type.key == "postmortem"
    assert "d.md: no incident type with the key “outage”: the write-up is of type “Postmortem”" in report.files[0].warnings


def test_a_retired_value_different_from_the_stored_one_keeps_the_stored_one(written, editor):
    text = markdown(written, editor, "en").replace("legacy_code: X-1", "legacy_code: Y-2")
    report = import_files({"e": text.encode()}, user=editor)
    assert report.counts["unchanged"] == 1, report.as_dict()
    assert Incident.objects.get(pk=written.pk).fields["legacy_code"] == "X-1"
    assert "e.md: retired field “legacy_code”: the stored value is kept, not 'Y-2'" in report.files[0].warnings


def test_the_incident_page_shows_extra(written, editor_client):
    page = editor_client.get(written.get_absolute_url()).content.decode()
    assert "Extra (from import)" in page and "colour" in page and "red" in page
