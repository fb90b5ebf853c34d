"""A write-up in the Japanese SRE template (発生の契機, 検知, 再発防止策 with a 種類 column, 補足情報, 時系列): the
action item kinds, the links, the milestones; and the same file imported through the API and the command."""

import datetime
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from incidents.imports.formats import parse_document
from incidents.imports.sections import SECTIONS
from incidents.models import Incident

FIXTURE = Path(__file__).parent / "fixtures" / "ja_sre_template.md"
TOKYO = ZoneInfo("Asia/Tokyo")
KINDS = ["prevent", "detect", "investigate", "mitigate", "process"]
LINKS = [("上流の不具合報告", "https://github.com/containers/aardvark-dns/issues/389"),
         ("調査メモ", "https://wiki.example.jp/notes/dns-stale-records")]


def tokyo(hour, minute):
    return datetime.datetime(2023, 6, 22, hour, minute, tzinfo=TOKYO)


def test_kinds_links_and_milestones_of_the_japanese_template():
    parsed = parse_document(FIXTURE.read_text(encoding="utf-8"), name="ja.md")
    document = parsed.document
    items = document["action_items"]
    assert [item["kind"] for item in items] == KINDS
    assert [(item["url"], item["tracker"], item["status"]) for item in items[:2]] == [
        ("https://tracker.example.jp/OPS-11", "", "open"), ("", "OPS-12", "open")]
    assert items[3]["status"] == "done"
    assert [(link["title"], link["url"]) for link in document["links"]] == LINKS
    assert "補足情報" not in document["analysis"] and "### 発生の契機\n\nアプリのコンテナを再作成したこと。" in document["analysis"]
    assert (document["started_at"], document["detected_at"], document["mitigated_at"]) == (
        tokyo(10, 7), tokyo(11, 40), tokyo(12, 30))
    assert not [warning for warning in parsed.warnings if warning[0] == 40]  # 調査 is a kind of its own


@pytest.mark.parametrize("japanese, english", [
    ("影響", "Impact"), ("根本原因", "Root causes"), ("発生の契機", "Trigger"), ("検知", "Detection"),
    ("対応", "Resolution"), ("対応", "Response"), ("再発防止策", "Action items"), ("教訓", "Lessons learned"),
    ("補足情報", "Supporting information"), ("時系列", "Timeline")])
def test_japanese_headings_map_like_their_english_twins(japanese, english):
    assert SECTIONS[japanese] == SECTIONS[english.casefold()]


@pytest.mark.parametrize("word, kind", [
    ("予防", "prevent"), ("prevent", "prevent"), ("検知", "detect"), ("detect", "detect"), ("緩和", "mitigate"),
    ("mitigate", "mitigate"), ("プロセス", "process"), ("process", "process"), ("調査", "investigate"), ("investigate", "investigate")])
def test_every_kind_word_in_a_table_and_as_a_list_prefix(word, kind):
    table = parse_document(f"# T\n\n## 再発防止策\n\n| 項目 | 種類 |\n| --- | --- |\n| 何かする | {word} |\n").document
    listed = parse_document(f"# T\n\n## Action items\n\n- {word}: do something\n- [{word}] another\n").document
    assert [table["action_items"][0]["kind"]] + [item["kind"] for item in listed["action_items"]] == [kind] * 3
    assert [item["title"] for item in listed["action_items"]] == ["do something", "another"]


def test_a_prefix_that_is_no_kind_stays_in_the_title():
    document = parse_document("# T\n\n## Action items\n\n- Note: check the DNS\n").document
    assert document["action_items"][0]["title"] == "Note: check the DNS"


def test_the_detection_and_trigger_sections_give_the_times_the_timeline_does_not():
    text = ("# T\n\n日付: 2023-06-22\n\n## 発生の契機\n\n10時05分にコンテナを再作成した。\n\n"
            "## 検知\n\n11時40分、利用者からの連絡で把握した。\n\n## 時系列\n\n時刻は JST。\n\n- 12:30 DNS コンテナを再起動\n")
    document = parse_document(text).document
    assert (document["started_at"], document["detected_at"], document["mitigated_at"]) == (
        tokyo(10, 5), tokyo(11, 40), tokyo(12, 30))
    assert "### 検知\n\n11時40分、利用者からの連絡で把握した。" in document["analysis"]  # the text stays too


def test_a_section_time_out_of_order_is_not_used():
    text = "# T\n\nDate: 2024-01-02\n\n## Detection\n\nPaged at 09:00 UTC.\n\n## Timeline\n\n- 10:00 UTC OUTAGE BEGINS\n"
    parsed = parse_document(text)
    assert "detected_at" not in parsed.document and parsed.document["started_at"].hour == 10
    assert any("detected_at" in message and "not used" in message for _line, message in parsed.warnings)


@pytest.mark.django_db
def test_imported_through_the_api(editor_api):
    response = editor_api.post("/api/v1/imports/", {"file": SimpleUploadedFile("ja.md", FIXTURE.read_bytes())},
                               format="multipart")
    assert response.status_code == 200, response.json()
    incident = Incident.objects.by_reference(response.json()["files"][0]["reference"])
    _check(incident)


@pytest.mark.django_db
def test_imported_through_the_command():
    call_command("import_postmortems", str(FIXTURE), stdout=io.StringIO(), stderr=io.StringIO())
    _check(Incident.objects.get())


def _check(incident):
    assert [item.kind for item in incident.action_items.all()] == KINDS
    assert [item.get_kind_display() for item in incident.action_items.all()][:2] == ["Prevent", "Detect"]
    assert [(link.title, link.url) for link in incident.links.all()] == LINKS
    assert (incident.started_at, incident.detected_at) == (tokyo(10, 7), tokyo(11, 40))
    assert "補足情報" not in incident.analysis
