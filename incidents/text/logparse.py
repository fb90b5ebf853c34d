"""Turn a pasted log excerpt into timeline events.

Recognised timestamps (at the start of a line, except the access log's bracketed one):

* nginx error log   ``2023/06/22 02:46:26 [error] 1234#0: *5 connect() failed ...``
* ISO 8601          ``2023-06-22T02:46:26Z ...``, ``2023-06-22 02:46:26.123+09:00 ...``, no zone
* access log        ``10.0.0.1 - - [22/Jun/2023:02:46:32 +0000] "GET / HTTP/1.1" 502 ...``
* syslog            ``Jun 22 02:46:26 host program[123]: ...`` (the year comes from the chosen date)
* clock only        ``02:46`` / ``02:46:26 ...`` on the chosen date

A time without a zone is read in the zone the person chose. A line without a timestamp belongs to the
event above it; lines before the first timestamp are returned as ``leftover`` so nothing is lost.
"""

import datetime
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from incidents import dates

MONTHS = {name: number for number, name in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}

NGINX = re.compile(r"^(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2}) (?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2})\s+(?P<rest>.*)$")
ISO = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?(?:\s+|$)(?P<rest>.*)$"
)
ACCESS = re.compile(
    r"\[(?P<d>\d{2})/(?P<mon>[A-Za-z]{3})/(?P<y>\d{4}):(?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2}) (?P<zone>[+-]\d{4})\]"
)
SYSLOG = re.compile(r"^(?P<mon>[A-Za-z]{3}) +(?P<d>\d{1,2}) (?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2}) (?P<host>\S+) (?P<rest>.*)$")
CLOCK = re.compile(r"^(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\s+|$)(?P<rest>.*)$")


@dataclass
class Event:
    occurred_at: datetime.datetime
    description: str
    source: str
    lines: list = field(default_factory=list)


@dataclass
class Parsed:
    events: list
    leftover: list  # lines before the first timestamp


def _zone(text):
    if text in (None, ""):
        return None
    if text == "Z":
        return datetime.UTC
    sign = 1 if text[0] == "+" else -1
    digits = text[1:].replace(":", "")
    return datetime.timezone(sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _moment(year, month, day, hour, minute, second=0, micro=0, zone=None, default_zone=datetime.UTC):
    naive = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro)
    moment = naive.replace(tzinfo=zone or default_zone)
    if not dates.in_range(moment):  # 0001-01-01T00:00+14:00 cannot even be shown in another zone
        raise ValueError(f"{moment} is outside the dates the application can hold")
    return moment


def _fraction(text):
    return int((text or "0").ljust(6, "0")[:6])


def parse_line(line, date, zone):
    """(aware datetime, message, source) when the line starts an event; None otherwise (or if invalid)."""
    try:
        if match := NGINX.match(line):
            return _moment(match["y"], match["m"], match["d"], match["H"], match["M"], match["S"],
                           default_zone=zone), match["rest"], "nginx error log"
        if match := ISO.match(line):
            return _moment(match["y"], match["m"], match["d"], match["H"], match["M"], match["S"],
                           _fraction(match["f"]), _zone(match["zone"]), zone), match["rest"], "log"
        if match := ACCESS.search(line):
            month = MONTHS.get(match["mon"].lower())
            if month:
                return _moment(match["y"], month, match["d"], match["H"], match["M"], match["S"],
                               zone=_zone(match["zone"])), line.strip(), "access log"
        if match := SYSLOG.match(line):
            month = MONTHS.get(match["mon"].lower())
            if month:
                return _moment(date.year, month, match["d"], match["H"], match["M"], match["S"],
                               default_zone=zone), match["rest"], f"syslog ({match['host']})"
        if match := CLOCK.match(line):
            return _moment(date.year, date.month, date.day, match["H"], match["M"], match["S"],
                           default_zone=zone), match["rest"], "log"
    except ValueError:  # 2023/13/45 25:61:00, year 1 and the like: not a timestamp, so not a new event
        return None
    return None


def parse(text, date, zone):
    """Parse ``text`` with clock-only and syslog times on ``date`` (a date) in ``zone`` (a tzinfo or name)."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    events, leftover = [], []
    for raw in (text or "").splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        parsed = parse_line(line.strip(), date, zone)
        if parsed:
            moment, message, source = parsed
            events.append(Event(moment, message.strip(), source, [line]))
        elif events:
            events[-1].lines.append(line)
            events[-1].description = f"{events[-1].description}\n{line.strip()}".strip()
        else:
            leftover.append(line)
    return Parsed(events, leftover)
