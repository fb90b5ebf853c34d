"""The log-paste parser, table-driven over the supported formats and some garbage."""

import datetime

import pytest

from incidents.text.logparse import parse

DAY = datetime.date(2023, 6, 22)
TOKYO = "Asia/Tokyo"
UTC = datetime.UTC


def at(*args, tz=UTC):
    return datetime.datetime(*args, tzinfo=tz)


@pytest.mark.parametrize(
    "line, when, message, source",
    [
        ("2023/06/22 02:46:26 [error] 31#31: *7 connect() failed (113: No route to host) while connecting to upstream",
         at(2023, 6, 21, 17, 46, 26), "[error] 31#31: *7 connect() failed (113: No route to host) while connecting to upstream",
         "nginx error log"),
        ("2023-06-22T02:46:26Z kubelet: node NotReady", at(2023, 6, 22, 2, 46, 26), "kubelet: node NotReady", "log"),
        ("2023-06-22T02:46:26+09:00 x", at(2023, 6, 21, 17, 46, 26), "x", "log"),
        ("2023-06-22 02:46:26.250 aws-node started", at(2023, 6, 21, 17, 46, 26, 250000), "aws-node started", "log"),
        ("2023-06-22T02:46 deploy", at(2023, 6, 21, 17, 46), "deploy", "log"),
        ('10.0.0.7 - - [22/Jun/2023:02:46:32 +0000] "GET /api HTTP/1.1" 502 157 "-" "curl/8.0"',
         at(2023, 6, 22, 2, 46, 32), '10.0.0.7 - - [22/Jun/2023:02:46:32 +0000] "GET /api HTTP/1.1" 502 157 "-" "curl/8.0"',
         "access log"),
        ("Jun 22 02:46:26 node-a kernel: cgroup: fork rejected by pids controller",
         at(2023, 6, 21, 17, 46, 26), "kernel: cgroup: fork rejected by pids controller", "syslog (node-a)"),
        ("Jun  2 02:46:26 node-a sshd[12]: Connection closed", at(2023, 6, 1, 17, 46, 26),
         "sshd[12]: Connection closed", "syslog (node-a)"),
        ("02:46 アラート発報", at(2023, 6, 21, 17, 46), "アラート発報", "log"),
        ("2:46:09 切り戻し開始", at(2023, 6, 21, 17, 46, 9), "切り戻し開始", "log"),
    ],
)
def test_each_format(line, when, message, source):
    [event] = parse(line, DAY, TOKYO).events
    assert (event.occurred_at, event.description, event.source) == (when, message, source)


def test_lines_without_a_timestamp_join_the_previous_event():
    text = "02:40 nginx が 502 を返し始めた\n  upstream: app:8080\n\n02:45 aardvark-dns を再起動\ncontinued"
    parsed = parse(text, DAY, TOKYO)
    assert [e.description for e in parsed.events] == ["nginx が 502 を返し始めた\nupstream: app:8080",
                                                       "aardvark-dns を再起動\ncontinued"]
    assert parsed.leftover == []


@pytest.mark.parametrize(
    "garbage",
    ["just words", "2023/13/45 25:61:00 [error] nope", "Foo 22 02:46:26 host x", "99:99 never",
     "[32/Jun/2023:02:46:32 +0000] bad day", "----", "2023-06-22", "1234",
     # times the application cannot hold (year 0 or 10000 in UTC): not a timestamp, so kept as text
     "0001-01-01T00:00:00+14:00 too early", "0001/01/01 00:00:00 [error] Tokyo", "9999-12-31T23:59:59-14:00 late",
     "[31/Dec/9999:23:59:59 -1400] late"],
)
def test_garbage_is_not_an_event_and_is_never_lost(garbage):
    parsed = parse(garbage, DAY, TOKYO)
    assert parsed.events == [] and parsed.leftover == [garbage]


def test_garbage_after_an_event_joins_it_and_the_zone_is_explicit():
    parsed = parse("09:00 start\n2023/13/45 25:61:00 [error] nope", DAY, "UTC")
    [event] = parsed.events
    assert event.occurred_at == at(2023, 6, 22, 9, 0) and "nope" in event.description
    assert event.occurred_at.tzinfo is not None
