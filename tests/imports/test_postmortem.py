"""The application's own export ("postmortem" format): front matter read exactly, prose sections verbatim."""

import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from incidents.imports.formats import ImportProblem, parse_document

FIXTURES = Path(__file__).parent / "fixtures"
JST = datetime.timezone(datetime.timedelta(hours=9))


def read(name):
    return parse_document((FIXTURES / name).read_text(encoding="utf-8"), name=name, default_zone=ZoneInfo("UTC"))


def export(front, body="## Summary\n\nS\n"):
    return f"---\npostmortem: 1\ntitle: T\nseverity: sev3\n{front}---\n# INC-1 T\n\n{body}"


def test_english_export_round_trip():
    parsed = read("export_en.md")
    assert parsed.format == "postmortem"
    assert parsed.key == "3f2b6c1e-8a4d-4e4f-9c1a-2b7d5e6f8a90"
    assert parsed.source_url is None and parsed.name == "export_en.md"
    assert parsed.warnings == []
    document = parsed.document
    assert document["title"] == "Checkout errors after the cache cluster failover"
    assert (document["severity"], document["status"]) == ("sev2", "in_review")
    assert document["postmortem_date"] == datetime.date(2026, 11, 3)
    assert document["authors"] == ["alice", "bob"]
    assert document["services"] == ["checkout", "redis-cache"] and document["tags"] == ["cache", "failover"]
    assert document["started_at"] == datetime.datetime(2026, 11, 1, 10, 3, tzinfo=JST)
    assert document["detected_at"] == datetime.datetime(2026, 11, 1, 1, 7, tzinfo=datetime.UTC)  # from a string
    assert document["timeline"][1] == {"occurred_at": datetime.datetime(2026, 11, 1, 10, 7, tzinfo=JST),
                                       "kind": "detection", "description": "Alert: checkout 5xx above 5%", "source": "alert"}
    assert document["factors"] == [
        {"ref": "F1", "category": "configuration", "description": "Client timeout shorter than the failover", "leads_to": ["F2"]},
        {"ref": "F2", "category": "capacity", "description": "Retry storm on the new primary", "leads_to": []}]
    assert document["lessons"][1] == {"kind": "lucky", "text": "No: it was a quiet Sunday"}
    assert document["action_items"] == [
        {"title": "Raise the client timeout above the failover time", "kind": "prevent", "status": "in_progress",
         "owner": "alice", "due_date": datetime.date(2026, 11, 20), "url": "example/shop#12", "tracker": ""},
        {"title": "Add jitter to retries", "kind": "mitigate", "status": "open", "owner": "", "due_date": None,
         "url": "", "tracker": "JIRA-77"}]
    assert document["links"] == [{"url": "https://status.example.com/incidents/42", "relation": "related", "title": "Status page"}]


def test_english_export_prose_is_verbatim():
    document = read("export_en.md").document
    assert document["summary"] == "Checkout failed for **37 minutes** after the cache failover."
    assert document["impact"] == ""  # a lone em dash
    assert document["analysis"] == (
        "### What happened\n\nThe client gave up before the new primary was ready:\n\n"
        "```text\n## Impact\nredis: connection timeout after 2000ms\n```\n\n"
        "| Metric | Before | After |\n| --- | --- | --- |\n| p99 | 20 ms | 2 s |\n\n"
        "<details><summary>Raw log</summary>ERR 1</details>\n\n"
        "## Summary of the retry logic\n\nRetries were not spread out.")
    assert document["resolution"] == "    indented code, kept as written\nRestarted the clients."


def test_japanese_export():
    parsed = read("export_ja.md")
    document = parsed.document
    assert parsed.format == "postmortem" and parsed.warnings == []
    assert document["summary"] == "決済 API が 30 分間タイムアウトした。"
    assert document["impact"] == "- 決済の 12% が失敗"
    assert document["analysis"] == "### 経緯\n\nDB の接続プールが枯渇した。"
    assert document["resolution"] == "接続プールの上限を引き上げた。"
    assert document["postmortem_date"] == datetime.date(2026, 10, 2)
    assert document["detected_at"] is None and document["mitigated_at"] is None
    assert document["timeline"] == [] and document["tags"] == []


def test_only_level_two_known_headings_split_and_only_once():
    body = ("## Summary\n\nS\n\n### Impact\n\nstill summary\n\n## Analysis\n\nA\n\n## Summary\n\nquoted\n\n"
            "## 解決\n\nR\n")
    document = parse_document(export("", body)).document
    assert document["summary"] == "S\n\n### Impact\n\nstill summary"
    assert document["analysis"] == "A\n\n## Summary\n\nquoted"
    assert document["resolution"] == "R"
    assert "impact" not in document


def test_an_unclosed_fence_does_not_swallow_the_next_sections():
    body = "## Summary\n\n```\nunclosed\n\n## Impact\n\nI\n\n## Analysis\n\n```sh\nls\n```\n"
    document = parse_document(export("", body)).document
    assert document["summary"] == "```\nunclosed"
    assert document["impact"] == "I"
    assert document["analysis"] == "```sh\nls\n```"


def test_unknown_keys_are_kept_for_the_types_fields_or_extra():
    parsed = parse_document(export("colour: blue\n"))
    assert parsed.warnings == [] and parsed.document["unmatched"] == {"colour": "blue"}


def test_naive_times_are_read_in_the_file_zone():
    parsed = parse_document(export("time_zone: Asia/Tokyo\nstarted_at: 2026-11-01T10:03:00\n"))
    assert parsed.document["started_at"] == datetime.datetime(2026, 11, 1, 10, 3, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert parsed.warnings[0][0] == 6


@pytest.mark.parametrize("front, line, words", [
    ("authors: {alice: 1}\n", 5, "'authors': expected a list"),
    ("severity2: x\nstatus: done\n", 6, "'status': 'done' is not one of"),
    ("started_at: yesterday\n", 5, "'started_at': expected a date and time"),
    ("postmortem_date: 03/11/2026\n", 5, "'postmortem_date': expected a date"),
    ("timeline:\n- kind: trigger\n", 6, "'timeline[1]': a required value is missing"),
    ("timeline:\n- occurred_at: 2026-11-01T10:00:00Z\n- occurred_at: 2026-11-01T10:00:00Z\n  kind: boom\n", 7,
     "'timeline[2]': kind 'boom' is not one of"),
    ("factors: {a: 1}\n", 5, "'factors': expected a list"),
    ("lessons:\n- just text\n", 6, "'lessons[1]': expected 'name: value' pairs"),
    ("links:\n- url: {a: b}\n", 6, "'links[1]': expected text"),
    ("action_items:\n- title: x\n  status: finished\n", 6, "'action_items[1]': status 'finished'"),
    ("uuid: not-a-uuid\n", 5, "'uuid'"),
])
def test_wrong_types_name_the_key_and_line(front, line, words):
    with pytest.raises(ImportProblem) as caught:
        parse_document(export(front))
    assert caught.value.line == line
    assert words in caught.value.message


def test_unknown_version():
    with pytest.raises(ImportProblem) as caught:
        parse_document("---\npostmortem: 2\ntitle: T\n---\n")
    assert caught.value.line == 2


def test_item_defaults_and_unknown_item_keys():
    front = "factors:\n- description: d\n  colour: red\naction_items:\n- title: t\n"
    parsed = parse_document(export(front))
    assert parsed.document["factors"] == [{"ref": "F1", "category": "other", "description": "d", "leads_to": []}]
    assert parsed.document["action_items"][0]["kind"] == "prevent"
    assert parsed.warnings == [(6, "'factors[1]': unknown key 'colour' ignored.")]


def test_a_long_title_is_shortened_with_a_warning():
    parsed = parse_document(export("").replace("title: T", "title: " + "x" * 250))
    assert len(parsed.document["title"]) == 200
    assert any("longer than 200" in message for _, message in parsed.warnings)
