"""Action items (Markdown tables, TAB rows, lists), lessons, root causes and links of written postmortems."""

import datetime

import pytest

from incidents.imports.formats import parse_document


def doc(body):
    return parse_document(f"# T\n\n{body}\n")


def test_markdown_action_item_table_by_header():
    parsed = doc("## Action Items\n\n| Owner | Action | Type | Ticket | Status | Due |\n|:--|:--|--|--|--|--|\n"
                 "| ann | Add a canary stage | Prevention | https://jira.example.com/browse/OPS-1 | in progress | 2024-02-01 |\n"
                 "| bo | Page on queue depth | detection | OPS-2 | wontfix | soon |\n"
                 "| | | | | | |\n"
                 "| cy | Pipe \\| in title | mitigation | [OPS-3](https://jira.example.com/browse/OPS-3) | | |\n")
    items = parsed.document["action_items"]
    assert items == [
        {"title": "Add a canary stage", "kind": "prevent", "status": "in_progress", "owner": "ann",
         "due_date": datetime.date(2024, 2, 1), "url": "https://jira.example.com/browse/OPS-1", "tracker": ""},
        {"title": "Page on queue depth", "kind": "detect", "status": "wont_do", "owner": "bo", "due_date": None,
         "url": "", "tracker": "OPS-2"},
        {"title": "Pipe | in title", "kind": "mitigate", "status": "open", "owner": "cy", "due_date": None,
         "url": "https://jira.example.com/browse/OPS-3", "tracker": ""}]
    assert (8, "The due date 'soon' is not a date: it is left empty.") in parsed.warnings


def test_tab_separated_action_items_with_trailing_status():
    body = ("Action Items:\nAction Item\tType\tOwner\tBug\n"
            "Plug the leak\tprevent\tagoogler\tBug 5554825 DONE\n"
            "Update playbook\tmitigate\tjennifer\tn/a DONE\n"
            "Try again\tsomething\tdocbrown\tN/A IN PROGRESS\n"
            "Close it\tprocess\t-\t—\n")
    items = doc(body).document["action_items"]
    assert [(i["title"], i["kind"], i["owner"], i["tracker"], i["status"]) for i in items] == [
        ("Plug the leak", "prevent", "agoogler", "Bug 5554825", "done"),
        ("Update playbook", "mitigate", "jennifer", "", "done"),
        ("Try again", "other", "docbrown", "", "in_progress"),
        ("Close it", "process", "", "", "open")]


def test_a_table_without_known_headers_takes_the_first_column_as_title():
    items = doc("## Action items\n\n| What to do | Notes |\n| --- | --- |\n| Add alerts | later |\n").document["action_items"]
    assert items[0]["title"] == "Add alerts"


def test_action_item_lists():
    body = ("## 再発防止策\n\n- [ ] Add a canary\n- [x] Roll back faster (https://github.com/acme/app/issues/7)\n"
            "* Write the runbook\n  with the steps\n1. Numbered item\n\n### Prevent\n\n- Block bad configs\n\n"
            "Prose under the action items.\n")
    parsed = doc(body)
    items = parsed.document["action_items"]
    assert [(i["title"], i["status"], i["kind"]) for i in items] == [
        ("Add a canary", "open", "other"),
        ("Roll back faster (https://github.com/acme/app/issues/7)", "done", "other"),
        ("Write the runbook with the steps", "open", "other"),
        ("Numbered item", "open", "other"),
        ("Block bad configs", "open", "prevent")]
    assert items[1]["url"] == "https://github.com/acme/app/issues/7"
    assert parsed.document["analysis"] == "### 再発防止策\n\nProse under the action items."


def test_long_action_item_fields_are_shortened():
    parsed = doc(f"## Action items\n\n| Action | Owner | Bug |\n| --- | --- | --- |\n| {'t' * 250} | {'o' * 120} | {'b' * 120} |\n")
    item = parsed.document["action_items"][0]
    assert (len(item["title"]), len(item["owner"]), len(item["tracker"])) == (200, 100, 100)
    assert len([w for w in parsed.warnings if "shortened" in w[1]]) == 3


@pytest.mark.parametrize("well, wrong, lucky", [
    ("What went well", "What went wrong", "Where we got lucky"),
    ("### うまくいったこと", "### うまくいかなかったこと", "### 幸運だったこと"),
    ("**良かった点**", "**悪かった点**", "**運が良かった点**"),
    ("Went well:", "Went wrong:", "Got lucky:"),
    ("#### What Went Well", "課題：", "Where we got lucky[161]"),
])
def test_lessons_sub_sections(well, wrong, lucky):
    body = f"## Lessons learned\n\n{well}\n\n- Good one\n- Another\n  continued\n\n{wrong}\n- Bad one\n\n{lucky}\n- Lucky one\n"
    lessons = doc(body).document["lessons"]
    assert lessons == [{"kind": "went_well", "text": "Good one"}, {"kind": "went_well", "text": "Another\ncontinued"},
                       {"kind": "went_wrong", "text": "Bad one"}, {"kind": "lucky", "text": "Lucky one"}]


def test_lessons_outside_sub_sections_are_kept():
    document = doc("## 教訓\n\n- Loose lesson\n\nWhat went well: inline lesson\n\n### Other notes\n\n- kept\n").document
    assert document["lessons"] == [{"kind": "went_well", "text": "inline lesson"}]
    assert document["analysis"] == "### 教訓\n\n- Loose lesson\n### Other notes\n- kept"


def test_a_lessons_sub_heading_without_its_parent():
    document = doc("## Summary\n\nS.\n\n## What went well\n\n- Alerts\n\n## What went wrong\n\n- Docs\n").document
    assert document["lessons"] == [{"kind": "went_well", "text": "Alerts"}, {"kind": "went_wrong", "text": "Docs"}]
    assert "analysis" not in document


@pytest.mark.parametrize("text, category", [
    ("DNS resolution failed for internal names", "network"),
    ("Packet loss on the uplink", "network"),
    ("A config flag was flipped", "configuration"),
    ("設定ミス", "configuration"),
    ("The release contained a regression", "change"),
    ("デプロイで不整合", "change"),
    ("Traffic doubled", "capacity"),
    ("負荷の急増", "capacity"),
    ("File descriptor leak", "resource-exhaustion"),
    ("OOM kills on the workers", "resource-exhaustion"),
    ("No alert on queue depth", "monitoring-gap"),
    ("監視の不足", "monitoring-gap"),
    ("A bug in the retry loop", "defect"),
    ("Vendor outage", "third-party"),
    ("外部サービスの障害", "third-party"),
    ("No runbook for this", "process"),
    ("手順の不備", "process"),
    ("Cosmic rays", "other"),
])
def test_factor_categories(text, category):
    assert doc(f"## Root cause\n\n- {text}\n").document["factors"][0]["category"] == category


def test_links():
    body = ("## Supporting information\n\n- Monitoring dashboard, http://monitor/shakespeare?end_time=20151021T160000\n"
            "- [Runbook](https://wiki.example.com/runbook \"the runbook\")\n"
            "- <https://example.com/auto>.\n"
            "- Two: https://a.example.com/1 and https://b.example.com/2\n"
            "- Bad [click](javascript:alert(1))\n"
            "- ftp://files.example.com/dump\n"
            "- file:///etc/passwd\n"
            "- Just a note without a URL\n"
            "- Repeat https://a.example.com/1\n")
    parsed = doc(body)
    assert parsed.document["links"] == [
        {"url": "http://monitor/shakespeare?end_time=20151021T160000", "relation": "related", "title": "Monitoring dashboard"},
        {"url": "https://wiki.example.com/runbook", "relation": "related", "title": "Runbook"},
        {"url": "https://example.com/auto", "relation": "related", "title": ""},
        {"url": "https://a.example.com/1", "relation": "related", "title": "Two: and"},
        {"url": "https://b.example.com/2", "relation": "related", "title": "Two: and"}]
    assert parsed.document["analysis"] == ("### Supporting information\n\n- Bad [click](javascript:alert(1))\n"
                                           "- ftp://files.example.com/dump\n- file:///etc/passwd\n- Just a note without a URL")
    assert [line for line, message in parsed.warnings if "kept as text" in message] == [9, 10, 11]


@pytest.mark.parametrize("name", ["Links", "リンク", "参考", "関連情報", "Supporting Information"])
def test_link_section_names(name):
    assert doc(f"{name}:\nhttps://example.com/a\n").document["links"][0]["url"] == "https://example.com/a"
