"""The log-paste parser, table-driven over the supported formats (real-looking lines from Kubernetes, Go
services, systemd, rsyslog and Japanese chat), what it reports about every line, and some garbage."""

import datetime

import pytest

from incidents.text.logparse import parse, spans

DAY = datetime.date(2023, 6, 22)
NOV = datetime.date(2023, 11, 28)
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
     "[31/Dec/9999:23:59:59 -1400] late",
     # JSON without a time, or with one that is none; klog and Japanese times that do not exist
     '{"level":"info","msg":"no time here"}', '{"time":"yesterday","msg":"x"}', '{"ts":1e30,"msg":"far"}',
     '{"ts":true,"msg":"x"}', "[1, 2, 3]", '{"time": "2023-11-28T01:04:00Z", broken',
     "I1328 10:03:00.000000       1 reflector.go:351] month 13", "E1128 10:03:00.000000 no thread or file",
     "10時70分 そんな時刻はない", "13月1日 10時00分 そんな月はない", "10時 分が無い"],
)
def test_garbage_is_not_an_event_and_is_never_lost(garbage):
    parsed = parse(garbage, DAY, TOKYO)
    assert parsed.events == [] and parsed.leftover == [garbage]


def test_garbage_after_an_event_joins_it_and_the_zone_is_explicit():
    parsed = parse("09:00 start\n2023/13/45 25:61:00 [error] nope", DAY, "UTC")
    [event] = parsed.events
    assert event.occurred_at == at(2023, 6, 22, 9, 0) and "nope" in event.description
    assert event.occurred_at.tzinfo is not None


@pytest.mark.parametrize(
    "line, when, description, source",
    [
        # Kubernetes components (klog): the year from the chosen date, the time in the chosen zone
        ("I1128 10:03:00.123456       1 reflector.go:351] Caches populated for *v1.Pod from "
         "k8s.io/client-go/informers/factory.go:159", at(2023, 11, 28, 1, 3, 0, 123456),
         "[info] Caches populated for *v1.Pod from k8s.io/client-go/informers/factory.go:159", "klog (reflector.go:351)"),
        ('E1128 10:03:01.514210       1 leaderelection.go:332] error retrieving resource lock '
         'kube-system/kube-controller-manager: Get "https://10.96.0.1:443/apis/coordination.k8s.io/v1/namespaces/'
         'kube-system/leases/kube-controller-manager?timeout=5s": context deadline exceeded',
         at(2023, 11, 28, 1, 3, 1, 514210),
         '[error] error retrieving resource lock kube-system/kube-controller-manager: Get "https://10.96.0.1:443/apis/'
         'coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager?timeout=5s": context deadline '
         'exceeded', "klog (leaderelection.go:332)"),
        ('W1128 10:04:12.882119    2345 kubelet.go:2424] "SyncLoop (PLEG): event for pod" '
         'pod="default/api-7d9f8b6c5-x2k4q" event={"Type":"ContainerDied"}', at(2023, 11, 28, 1, 4, 12, 882119),
         '[warning] "SyncLoop (PLEG): event for pod" pod="default/api-7d9f8b6c5-x2k4q" event={"Type":"ContainerDied"}',
         "klog (kubelet.go:2424)"),
        ("F1128 10:06:00.000001       1 server.go:101] failed to listen on 0.0.0.0:10250: address already in use",
         at(2023, 11, 28, 1, 6, 0, 1), "[fatal] failed to listen on 0.0.0.0:10250: address already in use",
         "klog (server.go:101)"),
        # JSON lines: Go's slog (RFC 3339 with nanoseconds), zap (epoch seconds), pino (epoch ms), Docker, ECS
        ('{"time":"2023-11-28T01:04:00.123456789Z","level":"ERROR","msg":"upstream request failed",'
         '"service":"checkout","err":"dial tcp 10.0.3.12:5432: connect: connection refused"}',
         at(2023, 11, 28, 1, 4, 0, 123456),
         "[error] upstream request failed: dial tcp 10.0.3.12:5432: connect: connection refused", "JSON log"),
        ('{"level":"warn","ts":1701133445.25,"caller":"server/handler.go:88","msg":"slow query","duration":"2.3s"}',
         at(2023, 11, 28, 1, 4, 5, 250000), "[warn] slow query", "JSON log"),
        ('{"level":50,"time":1701133440000,"pid":1,"hostname":"api-1","msg":"unhandled rejection"}',
         at(2023, 11, 28, 1, 4), "[error] unhandled rejection", "JSON log"),
        ('{"log":"panic: runtime error: invalid memory address or nil pointer dereference\\n","stream":"stderr",'
         '"time":"2023-11-28T01:04:03.000000000Z"}', at(2023, 11, 28, 1, 4, 3),
         "panic: runtime error: invalid memory address or nil pointer dereference", "JSON log"),
        ('{"@timestamp":"2023-11-28T10:04:00.000+09:00","log.level":"info","message":"GC pause 850ms",'
         '"ecs.version":"1.6.0"}', at(2023, 11, 28, 1, 4), "[info] GC pause 850ms", "JSON log"),
        ('{"timestamp":"2023-11-28 10:04:00","level":"info"}', at(2023, 11, 28, 1, 4),
         '{"timestamp":"2023-11-28 10:04:00","level":"info"}', "JSON log"),  # no message: the line is kept
        # Japanese chat lines, on the chosen date unless they name one
        ("10時20分 アラート発報", at(2023, 11, 28, 1, 20), "アラート発報", "log"),
        ("10時25分30秒 原因調査開始", at(2023, 11, 28, 1, 25, 30), "原因調査開始", "log"),
        ("11月27日 23時58分 デプロイ実施", at(2023, 11, 27, 14, 58), "デプロイ実施", "log"),
        ("2022年12月31日 10:40 復旧を確認", at(2022, 12, 31, 1, 40), "復旧を確認", "log"),
        ("11月28日(火) 10:45 ステータスページで告知", at(2023, 11, 28, 1, 45), "ステータスページで告知", "log"),
        ("10時50分頃 切り戻し完了", at(2023, 11, 28, 1, 50), "切り戻し完了", "log"),
        # journald: journalctl -o short-iso (and -precise), and the default short format (= syslog)
        ("2023-11-28T10:03:00+0900 web-01 systemd[1]: nginx.service: Main process exited, code=killed, status=9/KILL",
         at(2023, 11, 28, 1, 3), "systemd[1]: nginx.service: Main process exited, code=killed, status=9/KILL",
         "journald (web-01)"),
        ("2023-11-28T10:03:00.512345+0900 web-01 kernel: Out of memory: Killed process 1234 (java)",
         at(2023, 11, 28, 1, 3, 0, 512345), "kernel: Out of memory: Killed process 1234 (java)", "journald (web-01)"),
        ("2023-11-28T10:03:00+09:00 web-01 dockerd[812]: time=\"2023-11-28T10:03:00\" level=error msg=\"x\"",
         at(2023, 11, 28, 1, 3), 'dockerd[812]: time="2023-11-28T10:03:00" level=error msg="x"', "journald (web-01)"),
        ("Nov 28 10:03:05 web-01 systemd[1]: nginx.service: Scheduled restart job, restart counter is at 1.",
         at(2023, 11, 28, 1, 3, 5), "systemd[1]: nginx.service: Scheduled restart job, restart counter is at 1.",
         "syslog (web-01)"),
        # RFC 5424 syslog, with and without structured data; RFC 3164 with its priority
        ("<34>1 2023-11-28T10:03:00.000Z mymachine.example.com su - ID47 - 'su root' failed for lonvick on /dev/pts/8",
         at(2023, 11, 28, 10, 3), "su: 'su root' failed for lonvick on /dev/pts/8", "syslog (mymachine.example.com)"),
        ('<165>1 2023-11-28T10:14:15.003+09:00 web-01 haproxy 4711 - [meta sequenceId="29" sysUpTime="37"] '
         "Server backend/app1 is DOWN, reason: Layer4 timeout", at(2023, 11, 28, 1, 14, 15, 3000),
         "haproxy[4711]: Server backend/app1 is DOWN, reason: Layer4 timeout", "syslog (web-01)"),
        ("<13>1 2023-11-28T10:03:00Z web-01 - - - - only a message", at(2023, 11, 28, 10, 3), "only a message",
         "syslog (web-01)"),
        ("<30>Nov 28 10:03:00 web-01 named[801]: zone example.com/IN: loaded serial 42", at(2023, 11, 28, 1, 3),
         "named[801]: zone example.com/IN: loaded serial 42", "syslog (web-01)"),
        # a plain ISO line is still a plain ISO line (no host/unit shape)
        ("2023-11-28T10:03:00Z deploy started: v1.2", at(2023, 11, 28, 10, 3), "deploy started: v1.2", "log"),
    ],
)
def test_more_formats(line, when, description, source):
    [event] = parse(line, NOV, TOKYO).events
    assert (event.occurred_at, event.description, event.source) == (when, description, source)


MIXED = """\
調査メモ (チャットから)

I1128 10:03:00.123456       1 reflector.go:351] Caches populated for *v1.Pod
{"time":"2023-11-28T01:04:00Z","level":"error","msg":"readiness probe failed","pod":"api-0"}
goroutine 1 [running]:
main.main()
10時20分 アラート発報 (PagerDuty)
2023-11-28T10:25:00+0900 web-01 systemd[1]: Stopping nginx.service...
<34>1 2023-11-28T10:30:00.000+09:00 web-01 kubectl - - - rollout undo deployment/api

  after the rollback, error rate back to normal
"""


def test_a_mixed_paste_of_five_formats_gives_five_events_and_says_what_became_of_every_line():
    parsed = parse(MIXED, NOV, TOKYO)
    assert [(e.line, e.source, e.occurred_at) for e in parsed.events] == [
        (3, "klog (reflector.go:351)", at(2023, 11, 28, 1, 3, 0, 123456)),
        (4, "JSON log", at(2023, 11, 28, 1, 4)),
        (7, "log", at(2023, 11, 28, 1, 20)),
        (8, "journald (web-01)", at(2023, 11, 28, 1, 25)),
        (9, "syslog (web-01)", at(2023, 11, 28, 1, 30)),
    ]
    assert parsed.merged == [5, 6, 11] and parsed.merged_spans == "5–6, 11"
    assert parsed.leftover == ["調査メモ (チャットから)"] and parsed.before == [1] and parsed.before_spans == "1"
    assert parsed.blank == [2, 10]  # a trailing newline ends line 11, it starts no line 12
    assert parsed.events[1].description == "[error] readiness probe failed\ngoroutine 1 [running]:\nmain.main()"
    assert parsed.events[4].lines == ["<34>1 2023-11-28T10:30:00.000+09:00 web-01 kubectl - - - rollout undo "
                                      "deployment/api", "  after the rollback, error rate back to normal"]
    assert [e.kind for e in parsed.events] == ["other", "other", "detection", "other", "mitigation"]


@pytest.mark.parametrize(
    "line, kind",
    [
        ("10時20分 アラート発報", "detection"),
        ("10:21 PagerDuty incident #4312 triggered: HighErrorRate", "detection"),
        ('{"time":"2023-11-28T01:04:00Z","level":"error","msg":"[FIRING:1] KubePodCrashLooping"}', "detection"),
        ('{"time":"2023-11-28T01:04:00Z","level":"error","msg":"connection refused"}', "other"),  # a level is no kind
        ("E1128 10:05:00.000000    2345 pod_workers.go:1300] \"Error syncing pod, skipping\" err=\"failed to "
         "StartContainer for api with CrashLoopBackOff: back-off 5m0s restarting failed container=api\"", "trigger"),
        ("Nov 28 10:05:10 node-3 kubelet[2345]: api-0 OOMKilled", "trigger"),
        ("10:06 kubectl rollout undo deployment/api", "mitigation"),
        ("10:07 api restarted on node-4", "mitigation"),
        ("10:08 [RESOLVED] alertname=HighErrorRate", "resolution"),
        ("10時30分 原因調査開始", "investigation"),
    ],
)
def test_each_event_kind_is_guessed_from_its_words(line, kind):
    [event] = parse(line, NOV, TOKYO).events
    assert event.kind == kind


def test_a_kind_named_only_by_the_merged_lines_is_still_guessed():
    [event] = parse("10:00 api-0\n  State: Terminated, Reason: OOMKilled", NOV, TOKYO).events
    assert event.kind == "trigger"


@pytest.mark.parametrize("numbers, text", [([], ""), ([3], "3"), ([3, 4], "3–4"), ([1, 3, 4, 5, 9], "1, 3–5, 9")])
def test_line_numbers_read_as_spans(numbers, text):
    assert spans(numbers) == text
