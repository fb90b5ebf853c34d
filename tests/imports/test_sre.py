"""Heading-structured write-ups ("sre" format): the SRE book's example, the Japanese fixture, every way of
naming a section, titles, metadata lines, and text that belongs nowhere (kept, never dropped)."""

import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from incidents.imports.formats import parse_document
from incidents.imports.sections import LESSON_NAMES, METADATA, METADATA_NAMES, SECTION_NAMES, normalize_name

FIXTURES = Path(__file__).parent / "fixtures"
UTC, TOKYO = ZoneInfo("UTC"), ZoneInfo("Asia/Tokyo")


def read(name, zone=UTC):
    return parse_document((FIXTURES / name).read_text(encoding="utf-8"), name=name, default_zone=zone)


def at(hour, minute, day=datetime.date(2015, 10, 21), zone=UTC):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)


def test_sre_book_example():
    parsed = read("sre_sonnet.txt", zone=TOKYO)  # the document says "all times UTC"
    document = parsed.document
    assert parsed.format == "sre" and parsed.key is None
    assert document["title"] == "Shakespeare Sonnet++ Postmortem (incident #465)"
    assert document["postmortem_date"] == datetime.date(2015, 10, 21)
    assert document["authors"] == ["jennifer", "martym", "agoogler"]
    assert "status" not in document  # "Complete, action items in progress"
    assert document["summary"].startswith("Shakespeare Search was down for 66 minutes")
    assert document["impact"] == "About 1.21B queries were lost; no revenue impact."
    assert document["resolution"].startswith("Traffic was sent to a sacrificial cluster")
    analysis = document["analysis"]
    assert analysis.startswith("### Root Causes\n\nA cascading failure: very high load")
    assert "### Trigger\n\nA latent bug, set off by a sudden surge of traffic." in analysis
    assert analysis.endswith("### Detection\n\nBorgmon saw a high rate of HTTP 500s and paged the on-call.")
    assert (document["started_at"], document["detected_at"], document["mitigated_at"], document["resolved_at"]) == (
        at(14, 54), at(14, 55), at(15, 36), at(16, 0))
    assert len(document["timeline"]) == 14
    assert document["timeline"][2] == {"occurred_at": at(14, 54), "kind": "trigger", "source": "",
                                       "description": "OUTAGE BEGINS — search backends start melting down under load"}
    assert document["links"] == [{"url": "http://monitor/shakespeare?end_time=20151021T160000&duration=7200",
                                  "relation": "related", "title": "Monitoring dashboard"}]
    assert parsed.warnings == [(None, "The document states no severity: SEV3 will be used.")]


def test_sre_book_action_items_and_lessons():
    document = read("sre_sonnet.txt").document
    items = document["action_items"]
    assert len(items) == 9
    assert items[0] == {"title": "Update the playbook with steps for a cascading failure", "kind": "mitigate",
                        "status": "done", "owner": "jennifer", "due_date": None, "url": "", "tracker": ""}
    assert items[1] == {"title": "Balance load between clusters with the flux capacitor", "kind": "prevent",
                        "status": "open", "owner": "martym", "due_date": None, "url": "", "tracker": "Bug 5554823"}
    assert [(item["kind"], item["status"], item["tracker"]) for item in items[2:5]] == [
        ("process", "open", ""), ("prevent", "open", "Bug 5554824"), ("prevent", "done", "Bug 5554825")]
    assert items[-1]["kind"] == "other"
    assert [lesson["kind"] for lesson in document["lessons"]] == ["went_well"] * 2 + ["went_wrong"] * 2 + ["lucky"] * 2
    assert document["lessons"][4]["text"] == "A mailing list of Shakespeare fans had a copy of the new sonnet"


def test_japanese_example():
    parsed = read("ja_coredns.md")
    document = parsed.document
    assert document["title"] == "kube-dns の名前解決失敗による API 障害"
    assert document["postmortem_date"] == datetime.date(2023, 11, 28)
    assert document["authors"] == ["山田", "佐藤", "tanaka"]
    assert document["severity"] == "sev2"
    assert document["services"] == ["api-gateway", "CoreDNS"] and document["tags"] == ["dns", "kubernetes"]
    assert document["summary"].startswith("CoreDNS の設定変更により kube-dns")
    assert document["impact"] == "- 11時台の API リクエストの約 40% が 502 を返した\n- 決済 API は影響なし"
    assert document["resolution"] == "ConfigMap を切り戻し、CoreDNS Pod を再起動した。"
    assert [factor["category"] for factor in document["factors"]] == ["configuration", "network", "resource-exhaustion"]
    day = datetime.date(2023, 11, 28)
    assert [(event["occurred_at"], event["kind"]) for event in document["timeline"]] == [
        (at(10, 15, day, TOKYO), "action"), (at(10, 20, day, TOKYO), "trigger"), (at(10, 24, day, TOKYO), "detection"),
        (at(10, 31, day, TOKYO), "investigation"), (at(10, 45, day, TOKYO), "mitigation"),
        (at(11, 5, day, TOKYO), "resolution")]
    assert document["timeline"][0]["description"] == "定期リリースを実施 (CoreDNS ConfigMap 更新) (担当: 佐藤)"
    assert (document["started_at"], document["detected_at"], document["mitigated_at"], document["resolved_at"]) == (
        at(10, 20, day, TOKYO), at(10, 24, day, TOKYO), at(10, 45, day, TOKYO), at(11, 5, day, TOKYO))
    assert [lesson["kind"] for lesson in document["lessons"]] == ["went_well", "went_wrong", "went_wrong", "lucky"]
    assert [link["title"] for link in document["links"]] == ["CoreDNS ダッシュボード", "障害チャンネルのログ"]
    analysis = document["analysis"]
    assert "### 根本原因\n\n設定は Helm chart の values で上書きされていた。" in analysis
    assert "### きっかけ\n\n10時15分の定期リリースで ConfigMap が更新された。" in analysis
    assert "### 参考資料\n\n- 社内 wiki (javascript:alert(1))" in analysis
    assert analysis.endswith("### 補足\n\nステージング環境では再現しなかった。")
    assert parsed.warnings == [(80, "A link that is not an http(s) URL is kept as text."),
                               (82, "The section “補足” has no field of its own: it is appended to the analysis under "
                                    "its heading.")]


def test_japanese_action_items():
    items = read("ja_coredns.md").document["action_items"]
    assert items == [
        {"title": "ConfigMap の変更に DNS の疎通テストを追加", "kind": "prevent", "status": "in_progress", "owner": "佐藤",
         "due_date": datetime.date(2023, 12, 15), "url": "https://tracker.example.jp/INFRA-101", "tracker": ""},
        {"title": "名前解決エラー率のアラートを追加", "kind": "detect", "status": "done", "owner": "山田",
         "due_date": datetime.date(2023, 12, 1), "url": "example/infra#42", "tracker": ""},
        {"title": "リリース手順書に DNS 確認を追記", "kind": "process", "status": "open", "owner": "tanaka",
         "due_date": None, "url": "", "tracker": "INFRA-103"}]


FIELDS = {"summary": "summary", "impact": "impact", "resolution": "resolution"}


@pytest.mark.parametrize("key, name", [(key, name) for key in FIELDS for name in SECTION_NAMES[key]])
def test_every_prose_section_name(key, name):
    for text in (f"# T\n\n## {name}\n\nBody text.\n", f"# T\n\n#### {name.upper()}\n\nBody text.\n",
                 f"# T\n\n{name}: Body text.\n", f"# T\n\n**{name}:** Body text.\n", f"# T\n\n**{name}**: Body text.\n",
                 f"# T\n\n{name}：Body text.\n", f"# T\n\n{name}:[12]\nBody text.\n", f"# T\n\n{name}\nBody text.\n",
                 f"# T\n\n## 1. {name}\n\nBody text.\n"):
        assert parse_document(text).document[FIELDS[key]] == "Body text.", text


@pytest.mark.parametrize("name", SECTION_NAMES["trigger"] + SECTION_NAMES["detection"])
def test_trigger_and_detection_go_to_the_analysis_under_their_heading(name):
    document = parse_document(f"# T\n\n{name}: what happened\n").document
    assert document["analysis"] == f"### {name}\n\nwhat happened"


@pytest.mark.parametrize("name", SECTION_NAMES["root_causes"])
def test_root_cause_names(name):
    document = parse_document(f"# T\n\n## {name}\n\n- A bug in the parser\n- Too much traffic\n\nSome prose.\n").document
    assert [(f["ref"], f["category"]) for f in document["factors"]] == [("F1", "defect"), ("F2", "capacity")]
    assert document["analysis"] == f"### {name}\n\nSome prose."


@pytest.mark.parametrize("key", ["action_items", "lessons", "timeline", "links"])
def test_structured_section_names(key):
    bodies = {"action_items": "- [x] Fix it", "lessons": "What went well\n- It worked",
              "timeline": "- 2024-01-02 10:00 Alert fired", "links": "- https://example.com/x"}
    for name in SECTION_NAMES[key]:
        document = parse_document(f"# T\n\n## {name}\n\n{bodies[key]}\n").document
        assert len(document[key]) == 1, name


@pytest.mark.parametrize("text, title", [
    ("# Postmortem: Disk full on db-3\n\nSummary: x\n", "Disk full on db-3"),
    ("# Disk full on db-3 Postmortem\n", "Disk full on db-3"),
    ("# ポストモーテム: ディスク枯渇\n", "ディスク枯渇"),
    ("Some intro first.\n\n# The real title\n", "The real title"),
    ("Disk full on db-3\nDate: 2024-01-02\n", "Disk full on db-3"),
    ("## Disk full on db-3\n\n## Summary\n\nx\n", "Disk full on db-3"),
    ("**Disk full on db-3**\n", "Disk full on db-3"),
    ("# Postmortem\n", "Postmortem"),
])
def test_titles(text, title):
    assert parse_document(text).document["title"] == title


def test_no_title_when_the_first_line_is_a_label_or_long():
    for text in ("Summary: something\n", "x" * 201 + "\n", "- item\n", "## Summary\n\nx\n"):
        with pytest.raises(Exception) as caught:
            parse_document(text)
        assert "title" in str(caught.value)


def test_metadata_lines():
    text = ("# T\n\n- Date: 2024-01-02\n- Authors: ann, bo\n- Status: In review\n- Severity: P1\n"
            "- Services: api, db\n- Tags: x、y\n\n## Impact\n\nSome.\n")
    document = parse_document(text).document
    assert document["postmortem_date"] == datetime.date(2024, 1, 2)
    assert (document["authors"], document["status"], document["severity"]) == (["ann", "bo"], "in_review", "sev1")
    assert (document["services"], document["tags"]) == (["api", "db"], ["x", "y"])
    assert "summary" not in document


@pytest.mark.parametrize("value, severity", [
    ("SEV1", "sev1"), ("SEV-2", "sev2"), ("sev 3", "sev3"), ("P4", "sev4"), ("critical", "sev1"), ("High", "sev2"),
    ("major", "sev2"), ("medium", "sev3"), ("minor", "sev3"), ("low", "sev4"), ("重大", "sev1"), ("SEV0", "sev1"),
])
def test_severity_words(value, severity):
    assert parse_document(f"# T\n重大度: {value}\n").document["severity"] == severity


def test_unknown_metadata_values_warn_and_stay_as_text():
    parsed = parse_document("# T\nSeverity: purple\nDate: someday\n")
    assert parsed.document["summary"] == "Severity: purple\nDate: someday"
    assert [line for line, _ in parsed.warnings] == [None, 2, 3]


def test_japanese_metadata_and_status():
    document = parse_document("# T\n日付: 2023年11月28日\n著者: 山田、佐藤\n状態: 公開\n深刻度: 低\n").document
    assert document["postmortem_date"] == datetime.date(2023, 11, 28)
    assert document["authors"] == ["山田", "佐藤"]
    assert (document["status"], document["severity"]) == ("published", "sev4")


def test_preamble_goes_to_the_summary_or_the_analysis():
    assert parse_document("# T\n\nIntro text.\n\n## Impact\n\nI.\n").document["summary"] == "Intro text."
    document = parse_document("# T\n\nIntro text.\n\n## Summary\n\nS.\n\n## Background\n\nB.\n").document
    assert document["summary"] == "S."
    assert document["analysis"] == "Intro text.\n\n### Background\n\nB."


def test_unknown_sections_are_kept_under_their_heading():
    text = ("# T\n\n## Summary\n\nS.\n\n### Details\n\nstill summary\n\n## Customer communication\n\nWe emailed.\n\n"
            "## Empty one\n\n## Analysis\n\nDeep dive.\n\n```\n## Impact\n```\n")
    document = parse_document(text).document
    assert document["summary"] == "S.\n\n### Details\n\nstill summary"
    assert document["analysis"] == ("### Customer communication\n\nWe emailed.\n\n### Empty one\n\n"
                                    "Deep dive.\n\n```\n## Impact\n```")
    assert "impact" not in document


def test_a_label_inside_prose_starts_a_section():
    document = parse_document("# T\n\nSummary: first.\nResolution: rolled back.\n").document
    assert (document["summary"], document["resolution"]) == ("first.", "rolled back.")


def test_sre_example_as_markdown():
    parsed = read("sre_sonnet.md", zone=TOKYO)
    document = parsed.document
    assert document["title"] == "Shakespeare Sonnet++ Postmortem (incident #465)"
    assert (document["severity"], document["authors"]) == ("sev1", ["jennifer", "martym", "agoogler"])
    assert document["summary"].startswith("Shakespeare Search was unavailable") and document["impact"].startswith("Roughly")
    assert [(f["ref"], f["category"]) for f in document["factors"]] == [("F1", "resource-exhaustion"), ("F2", "capacity")]
    assert document["analysis"] == ("### Root Causes\n\nThe leak only matters under load.\n\n"
                                    "### Trigger\n\nA latent bug met a sudden surge of traffic.")
    assert [(i["status"], i["tracker"]) for i in document["action_items"]] == [
        ("done", ""), ("open", "Bug 5554823"), ("done", "Bug 5554825")]
    assert [lesson["kind"] for lesson in document["lessons"]] == ["went_well", "went_wrong", "lucky"]
    assert (document["started_at"], document["detected_at"], document["mitigated_at"], document["resolved_at"]) == (
        at(14, 54), at(14, 55), at(15, 36), at(16, 0))
    assert document["links"][0]["url"].startswith("http://monitor/shakespeare?")
    assert parsed.warnings == []


@pytest.mark.parametrize("key, name", [(key, name) for key, names in LESSON_NAMES.items() for name in names])
def test_every_lesson_sub_section_name(key, name):
    for heading in (f"### {name}", f"{name}:", f"**{name}**", name):
        lessons = parse_document(f"# T\n\n## Lessons learned\n\n{heading}\n- one\n").document["lessons"]
        assert lessons == [{"kind": key, "text": "one"}], heading


@pytest.mark.parametrize("name", METADATA_NAMES["date"] + METADATA_NAMES["authors"] + METADATA_NAMES["severity"])
def test_every_metadata_name(name):
    value = {"date": "2024-01-02", "authors": "a, b", "severity": "sev2"}[METADATA[normalize_name(name)]]
    document = parse_document(f"# T\n{name}: {value}\n").document
    assert "summary" not in document and len(document) == 2
