"""Turn a pasted log excerpt into timeline events, and say what became of every line.

Recognised timestamps (at the start of a line, except the access log's bracketed one):

* nginx error log   ``2023/06/22 02:46:26 [error] 1234#0: *5 connect() failed ...``
* RFC 5424 syslog   ``<34>1 2023-11-28T10:03:00.000Z host app 1234 - - message``
* journald          ``2023-11-28T10:03:00+0900 host unit[123]: message`` (``journalctl -o short-iso``)
* ISO 8601 / RFC 3339  ``2023-06-22T02:46:26Z ...``, ``2023-06-22 02:46:26.123+09:00 ...``, no zone
* JSON lines        ``{"time": "2023-11-28T01:04:00Z", "level": "error", "msg": "..."}`` (see ``logjson``)
* klog (Kubernetes) ``E1128 10:03:00.123456    1 reflector.go:138] message`` (year from the chosen date)
* access log        ``10.0.0.1 - - [22/Jun/2023:02:46:32 +0000] "GET / HTTP/1.1" 502 ...``
* syslog            ``Jun 22 02:46:26 host program[123]: ...``, also ``<34>``-prefixed and the default
  ``journalctl`` output (the year comes from the chosen date)
* clock only        ``02:46`` / ``02:46:26 ...`` on the chosen date
* Japanese          ``10時20分 ...``, ``10時20分30秒``, ``11月28日 10時20分``, ``2023年11月28日(火) 10:20``

A time without a zone is read in the zone the person chose. A line without a timestamp belongs to the
event above it (``merged``); lines before the first timestamp are returned as ``leftover`` so nothing is
lost. Each event's kind is guessed from its words; a log level (error, E) is shown but is not a kind.
"""

import datetime
import re
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo

from incidents.text import logjson
from incidents.text.event_kinds import OTHER, guess_event_kind
from incidents.text.logtime import ISO, iso_moment, moment

MONTHS = {name: number for number, name in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
KLOG_LEVELS = {"I": "info", "W": "warning", "E": "error", "F": "fatal"}

NGINX = re.compile(r"^(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2}) (?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2})\s+(?P<rest>.*)$")
RFC5424 = re.compile(
    r"^<\d{1,3}>1 (?P<time>\S+) (?P<host>\S+) (?P<app>\S+) (?P<proc>\S+) \S+ (?P<data>-|(?:\[(?:[^\]\\]|\\.)*\])+)"
    r"(?: (?:\ufeff)?(?P<rest>.*))?$"
)
JOURNALD = re.compile(r"^(?P<host>[\w.-]+) (?P<unit>[\w@./-]+(?:\[\d+\])?): (?P<rest>.*)$")
JOURNALD_ZONE = re.compile(r"[+-]\d{4}$")  # journalctl -o short-iso writes +0900; RFC 3339 writes +09:00
KLOG = re.compile(
    r"^(?P<level>[IWEF])(?P<m>\d{2})(?P<d>\d{2}) (?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2})(?:\.(?P<f>\d{1,9}))?"
    r"\s+\d+ (?P<file>[^\s\]]+:\d+)\] ?(?P<rest>.*)$"
)
ACCESS = re.compile(
    r"\[(?P<d>\d{2})/(?P<mon>[A-Za-z]{3})/(?P<y>\d{4}):(?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2}) (?P<zone>[+-]\d{4})\]"
)
SYSLOG = re.compile(
    r"^(?:<\d{1,3}>)?(?P<mon>[A-Za-z]{3}) +(?P<d>\d{1,2}) (?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2}) (?P<host>\S+) (?P<rest>.*)$"
)
CLOCK = re.compile(r"^(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\s+|$)(?P<rest>.*)$")
JA_DATE = re.compile(
    r"^(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日\s*(?:[(（][^)）]{1,3}[)）]\s*)?(?P<rest>.*)$"
)
JA_CLOCK = re.compile(
    r"^(?P<H>\d{1,2})\s*時\s*(?P<M>\d{1,2})\s*分(?:\s*(?P<S>\d{1,2})\s*秒)?(?:\s*(?:頃|ごろ))?\s*(?P<rest>.*)$"
)
COLON_CLOCK = re.compile(r"^(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?![\d:])\s*(?P<rest>.*)$")


class Reading(NamedTuple):
    """What one timestamped line says: when, the message, where it came from and its level if it has one."""

    occurred_at: datetime.datetime
    message: str
    source: str
    level: str = ""


@dataclass
class Event:
    occurred_at: datetime.datetime
    description: str
    source: str
    lines: list = field(default_factory=list)
    line: int = 0  # number (from 1) of the pasted line that started it
    kind: str = OTHER


@dataclass
class Parsed:
    events: list
    leftover: list  # lines before the first timestamp, as pasted
    merged: list = field(default_factory=list)  # numbers of the lines joined to the event above them
    before: list = field(default_factory=list)  # numbers of the leftover lines
    blank: list = field(default_factory=list)  # numbers of the empty lines, which are dropped

    @property
    def merged_spans(self):
        return spans(self.merged)

    @property
    def before_spans(self):
        return spans(self.before)


def spans(numbers):
    """Line numbers as a person reads them: ``[3, 4, 5, 9]`` → ``"3–5, 9"``."""
    runs = []
    for number in numbers:
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return ", ".join(str(first) if first == last else f"{first}–{last}" for first, last in runs)


def _nginx(line, date, zone):
    if match := NGINX.match(line):
        return Reading(moment(match["y"], match["m"], match["d"], match["H"], match["M"], match["S"],
                              default_zone=zone), match["rest"], "nginx error log")
    return None


def _rfc5424(line, date, zone):
    if (match := RFC5424.match(line)) and (when := iso_moment(match["time"], zone)):
        program = "" if match["app"] == "-" else match["app"] + ("" if match["proc"] == "-" else f"[{match['proc']}]")
        message = f"{program}: {match['rest'] or ''}" if program else match["rest"] or ""
        return Reading(when, message, f"syslog ({match['host']})")
    return None


def _iso(line, date, zone):
    if not (match := ISO.match(line)):
        return None
    when = iso_moment(line[:match.start("rest")].strip(), zone)
    journald = JOURNALD.match(match["rest"])
    if journald and (JOURNALD_ZONE.search(match["zone"] or "") or "[" in journald["unit"]):
        return Reading(when, f"{journald['unit']}: {journald['rest']}", f"journald ({journald['host']})")
    return Reading(when, match["rest"], "log")


def _json(line, date, zone):
    if record := logjson.read(line, zone):
        return Reading(record.occurred_at, record.message, "JSON log", record.level)
    return None


def _klog(line, date, zone):
    if match := KLOG.match(line):
        return Reading(moment(date.year, match["m"], match["d"], match["H"], match["M"], match["S"], match["f"],
                              default_zone=zone), match["rest"], f"klog ({match['file']})",
                       KLOG_LEVELS[match["level"]])
    return None


def _access(line, date, zone):
    if (match := ACCESS.search(line)) and (month := MONTHS.get(match["mon"].lower())):
        return Reading(moment(match["y"], month, match["d"], match["H"], match["M"], match["S"],
                              zone=match["zone"]), line.strip(), "access log")
    return None


def _syslog(line, date, zone):
    if (match := SYSLOG.match(line)) and (month := MONTHS.get(match["mon"].lower())):
        return Reading(moment(date.year, month, match["d"], match["H"], match["M"], match["S"], default_zone=zone),
                       match["rest"], f"syslog ({match['host']})")
    return None


def _clock(line, date, zone):
    if match := CLOCK.match(line):
        return Reading(moment(date.year, date.month, date.day, match["H"], match["M"], match["S"],
                              default_zone=zone), match["rest"], "log")
    return None


def _japanese(line, date, zone):
    """``10時20分 …`` on the chosen date, or a ``[YYYY年]MM月DD日`` date before ``HH時MM分`` or ``HH:MM``."""
    day, rest = JA_DATE.match(line), line
    if day:
        rest = day["rest"]
    clock = JA_CLOCK.match(rest) or (COLON_CLOCK.match(rest) if day else None)
    if not clock:
        return None
    year, month, dom = (day["y"] or date.year, day["m"], day["d"]) if day else (date.year, date.month, date.day)
    return Reading(moment(year, month, dom, clock["H"], clock["M"], clock["S"], default_zone=zone),
                   clock["rest"], "log")


READERS = (_nginx, _rfc5424, _iso, _json, _klog, _access, _syslog, _clock, _japanese)


def parse_line(line, date, zone):
    """The ``Reading`` of a line that starts an event; None otherwise (or if its time is invalid)."""
    for reader in READERS:
        try:
            reading = reader(line, date, zone)
        except ValueError:  # 2023/13/45 25:61:00, year 1 and the like: not a timestamp, so not a new event
            return None
        if reading:
            return reading
    return None


def _event(reading, line, number):
    message = reading.message.strip()
    description = f"[{reading.level}] {message}" if reading.level else message
    return Event(reading.occurred_at, description, reading.source, [line], number, guess_event_kind(message))


def parse(text, date, zone):
    """Parse ``text`` with clock-only and syslog times on ``date`` (a date) in ``zone`` (a tzinfo or name)."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    parsed = Parsed([], [])
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.rstrip()
        if not line.strip():
            parsed.blank.append(number)
        elif reading := parse_line(line.strip(), date, zone):
            parsed.events.append(_event(reading, line, number))
        elif parsed.events:
            event = parsed.events[-1]
            event.lines.append(line)
            event.description = f"{event.description}\n{line.strip()}".strip()
            parsed.merged.append(number)
        else:
            parsed.leftover.append(line)
            parsed.before.append(number)
    for event in parsed.events:  # a line of its own names the kind; else what was merged into it may
        if event.kind == OTHER:
            event.kind = guess_event_kind(event.description)
    return parsed
