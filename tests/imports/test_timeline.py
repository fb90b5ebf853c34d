"""Timelines: time forms, date context, stated zones, tables, continuation lines, milestones."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from incidents.imports.formats import parse_document
from incidents.imports.timeline import stated_zone

UTC, TOKYO, LA = ZoneInfo("UTC"), ZoneInfo("Asia/Tokyo"), ZoneInfo("America/Los_Angeles")
DAY = datetime.date(2015, 10, 21)


def timeline(body, zone=TOKYO, head="# T\nDate: 2015-10-21\n\n## Timeline\n\n"):
    parsed = parse_document(f"{head}{body}\n", default_zone=zone)
    return parsed.document.get("timeline", []), parsed


def at(hour, minute, zone=UTC, day=DAY, second=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute, second), tzinfo=zone)


@pytest.mark.parametrize("line, moment, description", [
    ("2015-10-21T14:51:00Z News reports", at(14, 51), "News reports"),
    ("2015-10-21T23:51:00+09:00 News reports", at(14, 51), "News reports"),
    ("2015-10-21 14:51 News reports", at(14, 51, TOKYO), "News reports"),
    ("2015/10/21 14:51:30 News reports", at(14, 51, TOKYO, second=30), "News reports"),
    ("14:51 News reports", at(14, 51, TOKYO), "News reports"),
    ("14:51:30 - News reports", at(14, 51, TOKYO, second=30), "News reports"),
    ("- **14:51** News reports", at(14, 51, TOKYO), "News reports"),
    ("* `14:51` — News reports", at(14, 51, TOKYO), "News reports"),
    ("1. 14:51: News reports", at(14, 51, TOKYO), "News reports"),
    ("14:51 UTC News reports", at(14, 51), "News reports"),
    ("14:51 (PDT) News reports", at(14, 51, LA), "News reports"),
    ("2:51 PM News reports", at(14, 51, TOKYO), "News reports"),
    ("12:05 am News reports", at(0, 5, TOKYO), "News reports"),
    ("14時51分 アラート発報", at(14, 51, TOKYO), "アラート発報"),
    ("14時 アラート発報", at(14, 0, TOKYO), "アラート発報"),
    ("14時半 アラート発報", at(14, 30, TOKYO), "アラート発報"),
    ("14:51頃 アラート発報", at(14, 51, TOKYO), "アラート発報"),
    ("10月22日 10時20分 アラート発報", at(10, 20, TOKYO, datetime.date(2015, 10, 22)), "アラート発報"),
    ("2023年11月28日 10:20 アラート発報", at(10, 20, TOKYO, datetime.date(2023, 11, 28)), "アラート発報"),
    ("[14:51] News (see logs)", at(14, 51, TOKYO), "News (see logs)"),
])
def test_time_forms(line, moment, description):
    events, _ = timeline(line)
    assert [(event["occurred_at"], event["description"]) for event in events] == [(moment, description)]


def test_date_lines_set_the_day():
    body = ("2015-10-21 (all times UTC)\n14:51 a\n**2015-10-22**\n09:00 b\n### 2015年10月23日\n10:00 c\n"
            "10月24日（土）\n11:00 d\n")
    events, parsed = timeline(body)
    assert [event["occurred_at"] for event in events] == [
        at(14, 51), at(9, 0, day=datetime.date(2015, 10, 22)), at(10, 0, day=datetime.date(2015, 10, 23)),
        at(11, 0, day=datetime.date(2015, 10, 24))]
    assert not [w for w in parsed.warnings if w[0]]


def test_a_timeline_past_midnight_moves_to_the_next_day():
    events, parsed = timeline("All times UTC\n23:50 a\n00:10 b\n00:05 c (out of order)\n")
    assert [event["occurred_at"] for event in events] == [
        at(23, 50), at(0, 10, day=datetime.date(2015, 10, 22)), at(0, 5, day=datetime.date(2015, 10, 22))]
    assert (8, "This time is read as the next day (2015-10-22).") in parsed.warnings


@pytest.mark.parametrize("statement, zone", [
    ("All times UTC", UTC), ("Times in UTC", UTC), ("_Times in Asia/Tokyo_", TOKYO), ("all times are in PST", LA),
    ("Timeline (JST)", TOKYO), ("全て JST", TOKYO), ("時刻は JST", TOKYO), ("時刻はすべて日本時間", TOKYO),
    ("times shown in GMT", UTC), ("(UTC+9)", datetime.timezone(datetime.timedelta(hours=9))),
    ("Times in America/Los_Angeles", LA),
])
def test_stated_zones(statement, zone):
    assert stated_zone(f"intro\n{statement}\n")[0] == zone
    events, parsed = timeline("14:51 alert", zone=ZoneInfo("Europe/Paris"), head=f"# T\nDate: 2015-10-21\n\n{statement}\n\n## Timeline\n\n")
    assert events[0]["occurred_at"] == at(14, 51, zone)
    assert not [w for w in parsed.warnings if "time zone" in w[1]]


def test_no_stated_zone():
    assert stated_zone("times in a row\nno zone here (maybe)\n") is None
    events, parsed = timeline("14:51 alert\n14:52 more", zone=TOKYO)
    assert events[0]["occurred_at"] == at(14, 51, TOKYO)
    assert (6, "The document states no time zone: times are read in Asia/Tokyo.") in parsed.warnings


def test_table_timeline():
    body = ("| 時刻 (UTC) | 出来事 | 種別 |\n|---|---|---|\n| 14:51 | 障害発生 | x |\n| | 続き | |\n"
            "| 2015-10-21 15:00 | 復旧 | |\n| later | 不明 | |\n")
    events, parsed = timeline(body)
    assert [(event["occurred_at"], event["description"], event["kind"]) for event in events] == [
        (at(14, 51), "障害発生 (種別: x)\n続き", "trigger"), (at(15, 0), "復旧\nlater 不明", "resolution")]
    assert [line for line, message in parsed.warnings if "timeline row" in message] == [9, 11]


def test_table_with_time_and_event_headers_anywhere():
    body = "| Who | Event | When |\n| --- | --- | --- |\n| ann | Paged | 2015-10-21T14:51:00Z |\n"
    events, _ = timeline(body)
    assert (events[0]["occurred_at"], events[0]["description"], events[0]["kind"]) == (at(14, 51), "Paged (Who: ann)", "detection")


def test_continuations_and_leftovers():
    body = ("Notes before the first time.\n\n- 14:51 first\n  wrapped under the item\n- no time here\n25:99 bad time\n"
            "14:52 second\n")
    events, parsed = timeline(body, zone=UTC)
    assert [event["description"] for event in events] == [
        "first\nwrapped under the item\nno time here\n25:99 bad time", "second"]
    assert parsed.document["analysis"] == "### Timeline\n\nNotes before the first time."
    warned = [line for line, message in parsed.warnings if "No time could be read" in message]
    assert warned == [10, 11]


def test_hours_are_not_a_time():
    events, _ = timeline("- 14:51 障害発生\n- 3時間後に復旧")
    assert [event["description"] for event in events] == ["障害発生\n3時間後に復旧"]


def test_a_time_without_any_date_is_kept_as_text():
    parsed = parse_document("# T\n\n## Timeline\n\n14:51 alert\n")
    assert "timeline" not in parsed.document
    assert parsed.document["analysis"] == "### Timeline\n\n14:51 alert"
    assert (5, "This time cannot be read (no date is known for it, or it is out of range): the line is kept as text.") in parsed.warnings


def test_milestones_from_kinds_and_markers():
    events, parsed = timeline("All times UTC\n14:50 deploy started\n14:55 alert fired\n15:10 rolled back\n"
                              "15:30 OUTAGE MITIGATED\n15:40 recovered\n16:00 OUTAGE ENDS\n")
    document = parsed.document
    assert (document["started_at"], document["detected_at"], document["mitigated_at"], document["resolved_at"]) == (
        at(14, 50), at(14, 55), at(15, 30), at(16, 0))


def test_a_milestone_out_of_order_is_dropped():
    _, parsed = timeline("All times UTC\n14:50 alert fired\n14:55 OUTAGE BEGINS\n15:00 recovered\n")
    document = parsed.document
    assert document["started_at"] == at(14, 55) and document["resolved_at"] == at(15, 0)
    assert "detected_at" not in document
    assert [line for line, message in parsed.warnings if "earlier than the milestone" in message] == [7]


def test_postmortem_date_as_context_for_japanese_times():
    body = "時刻は全て JST。\n\n- 10時20分 アラート発報\n- 10時45分 再起動で復旧\n"
    events, _ = timeline(body, zone=UTC, head="# T\n日付: 2023-11-28\n\n## 経緯\n\n")
    day = datetime.date(2023, 11, 28)
    assert [(event["occurred_at"], event["kind"]) for event in events] == [
        (at(10, 20, TOKYO, day), "detection"), (at(10, 45, TOKYO, day), "mitigation")]


def test_out_of_range_years_are_not_times():
    parsed = parse_document("# T\n\n## Timeline\n\n0001-01-01T00:00:00+14:00 ancient\n")
    assert "timeline" not in parsed.document
