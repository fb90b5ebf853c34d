"""Timelines written by people: the events of a timeline section, the time zone the document states, and
the milestones (started, detected, mitigated, resolved) the events mark.

Times may be ISO 8601 / RFC 3339 (``2015-10-21T14:51:00Z``, ``2015-10-21 14:51``), ``2023/11/28 10:20``,
``2023年11月28日 10:20``, ``11月28日 10時20分``, or a clock alone (``14:51``, ``14:51:30``, ``10時20分``,
``10時半``, ``9:16 PM``; not ``3時間``, three hours) read on the current date: the last line that is only
a date (``2015-10-21 (all times UTC)``, ``**2015-10-21**``, ``### 2023年11月28日``), else the postmortem
date. A time may name its zone (``14:51 UTC``, ``+09:00``); otherwise it is read in the zone the document
states anywhere (``all times UTC``, ``Times in Asia/Tokyo``, ``(JST)``, ``時刻は JST``), else in the
importer's default zone.
"""

import datetime
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _

from incidents import dates
from incidents.imports.tables import CHECKBOX, LIST_ITEM, Table, blocks
from incidents.text.event_kinds import OUTAGE_BEGINS, OUTAGE_ENDS, OUTAGE_MITIGATED, guess_event_kind

LOS_ANGELES, NEW_YORK = "America/Los_Angeles", "America/New_York"
ABBREVIATIONS = {
    "utc": "UTC", "gmt": "UTC", "z": "UTC", "jst": "Asia/Tokyo", "日本時間": "Asia/Tokyo", "kst": "Asia/Seoul",
    "pst": LOS_ANGELES, "pdt": LOS_ANGELES, "pt": LOS_ANGELES, "est": NEW_YORK, "edt": NEW_YORK, "et": NEW_YORK,
    "cet": "Europe/Berlin", "cest": "Europe/Berlin", "bst": "Europe/London", "ist": "Asia/Kolkata",
    "aest": "Australia/Sydney",
}
ZONE_WORD = r"(?:UTC|GMT|JST|KST|PST|PDT|PT|EST|EDT|ET|CET|CEST|BST|IST|AEST)"
ZONE_TOKEN = rf"(?:{ZONE_WORD}(?:[+-]\d{{1,2}}(?::?\d{{2}})?)?|[A-Z][A-Za-z_]+/[A-Za-z_+-]+(?:/[A-Za-z_+-]+)?|日本時間)"
STATEMENTS = (
    re.compile(rf"(?<![A-Za-z])time(?:stamp)?s?\s+(?:are\s+|is\s+)?(?:shown\s+|given\s+)?(?:in\s+)?(?P<zone>{ZONE_TOKEN})", re.IGNORECASE),
    re.compile(rf"[(（]\s*(?P<zone>{ZONE_TOKEN})\s*[)）]"),
    re.compile(rf"(?:全て|すべて|時刻は|時間は|時刻|タイムゾーン)\s*[:：]?\s*(?:すべて|全て)?\s*(?P<zone>{ZONE_TOKEN})"),
    re.compile(r"(?P<zone>日本時間)"),
)
DATE = (r"(?:(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})|(?P<y2>\d{4})/(?P<m2>\d{1,2})/(?P<d2>\d{1,2})"
        r"|(?:(?P<y3>\d{4})\s*年\s*)?(?P<m3>\d{1,2})\s*月\s*(?P<d3>\d{1,2})\s*日)")
TIME = re.compile(
    rf"^(?:{DATE}(?:[T ]|\s*(?:\([^)]{{1,4}}\)|（[^）]{{1,4}}）)?\s*))?"
    r"(?P<H>\d{1,2})(?::(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,6}))?)?|\s*時(?!間)\s*(?:(?P<JM>\d{1,2})\s*分"
    r"(?:\s*(?P<JS>\d{1,2})\s*秒)?|(?P<half>半))?)"
    rf"(?:\s*(?:頃|ごろ))?(?:\s*(?P<ampm>[AaPp]\.?[Mm]\.?)(?![A-Za-z]))?"
    rf"(?P<zone>Z|[+-]\d{{2}}:?\d{{2}}|\s*[(（]?\s*{ZONE_WORD}(?:[+-]\d{{1,2}}(?::?\d{{2}})?)?\s*[)）]?(?![A-Za-z]))?"
    r"(?P<rest>.*)$", re.DOTALL)
DATE_LINE = re.compile(rf"^{DATE}\s*(?:[(（][^)）]*[)）]\s*)*[:：]?$")
DECORATION = re.compile(r"^(?:#{1,6}\s+)?[*_`\[(]*")
SEPARATORS = " \t-–—:：|*_`)]"
TIME_HEADERS = ("時刻", "時間", "日時", "time", "when", "timestamp", "date")
EVENT_HEADERS = ("内容", "出来事", "事象", "event", "what", "description", "概要", "対応内容", "詳細")
NEXT_DAY = datetime.timedelta(hours=12)


def zone(token):
    """A tzinfo for a zone name (IANA), an abbreviation (UTC, JST, PDT…) or ``UTC+9``; None if unknown."""
    token = token.strip().strip("_*")
    offset = re.fullmatch(r"(?:UTC|GMT)([+-])(\d{1,2})(?::?(\d{2}))?", token, re.IGNORECASE)
    if offset:
        minutes = int(offset[2]) * 60 + int(offset[3] or 0)
        return datetime.timezone(datetime.timedelta(minutes=minutes if offset[1] == "+" else -minutes))
    name = ABBREVIATIONS.get(token.casefold(), token)
    if "/" not in name and name != "UTC":
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def stated_zone(text):
    """(tzinfo, line number counted from 1 in ``text``) for the first zone the text states; None if none."""
    found = []
    for pattern in STATEMENTS:
        for match in pattern.finditer(text):
            tz = zone(match["zone"])
            if tz is not None:
                found.append((match.start(), tz))
                break
    if not found:
        return None
    position, tz = min(found, key=lambda item: item[0])
    return tz, text.count("\n", 0, position) + 1


@dataclass
class Clock:
    """How times without a date or zone are read, and the warnings about it."""

    zone: datetime.tzinfo
    stated: bool  # False: ``zone`` is the importer's default
    date: datetime.date | None
    warnings: list
    warned_default: bool = False


@dataclass
class Event:
    line: int
    occurred_at: datetime.datetime
    description: str

    def as_dict(self):
        return {"occurred_at": self.occurred_at, "kind": guess_event_kind(self.description),
                "description": self.description, "source": ""}


def date_line(text, clock):
    """The date of a line that is only a date (maybe bold, a heading, with "(all times UTC)"), or None."""
    match = DATE_LINE.match(DECORATION.sub("", text.strip()).replace("**", "").replace("__", "").strip())
    return _date(match, clock) if match else None


def _date(match, clock):
    year = match["y"] or match["y2"] or match["y3"] or (clock.date.year if clock.date else None)
    month, day = match["m"] or match["m2"] or match["m3"], match["d"] or match["d2"] or match["d3"]
    if year is None:
        return None
    try:
        value = datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return value if dates.in_range(value) else None


def read_time(text, clock, number):
    """(aware datetime, whether the line gave its date, the text after the time) when ``text`` starts with
    a time that can be read (it has a date, or there is a current date); None otherwise."""
    text = CHECKBOX.sub("", DECORATION.sub("", text.strip()))
    match = TIME.match(text)
    if not match:
        return None
    has_date = match["m"] or match["m2"] or match["m3"]
    day = _date(match, clock) if has_date else clock.date
    hour, minute = int(match["H"]), 30 if match["half"] else int(match["M"] or match["JM"] or 0)
    second = int(match["S"] or match["JS"] or 0)
    if match["ampm"]:
        if hour > 12:
            return None
        hour = hour % 12 + (12 if match["ampm"][0] in "pP" else 0)
    if day is None or hour > 23 or minute > 59 or second > 59:
        return None
    tz = _line_zone(match["zone"]) or _default(clock, number)
    micro = int((match["f"] or "0").ljust(6, "0"))
    moment = datetime.datetime.combine(day, datetime.time(hour, minute, second, micro), tzinfo=tz)
    if not dates.in_range(moment):
        return None
    return moment, bool(has_date), match["rest"].lstrip(SEPARATORS).rstrip()


def _line_zone(token):
    if not token or not token.strip():
        return None
    token = token.strip().strip("()（）").strip()
    if token == "Z":
        return datetime.UTC
    offset = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", token)
    if offset:
        minutes = int(offset[2]) * 60 + int(offset[3])
        return datetime.timezone(datetime.timedelta(minutes=minutes if offset[1] == "+" else -minutes))
    return zone(token)


def _default(clock, number):
    if not clock.stated and not clock.warned_default:
        clock.warned_default = True
        clock.warnings.append((number, _("The document states no time zone: times are read in %(zone)s.")
                               % {"zone": clock.zone}))
    return clock.zone


def parse_timeline(lines, clock):
    """(events, leftover lines) for the (number, text) lines of a timeline section. A line without a time
    continues the event above it (with a warning, unless it is indented under a list item); lines before
    the first event are returned so the caller can keep them."""
    events, leftover = [], []
    for block in blocks(lines):
        if isinstance(block, Table):
            events.extend(_table_events(block, clock))
            continue
        number, text = block
        if not text.strip() or _only_date(text, clock) or _only_zone(text):
            continue
        item = LIST_ITEM.match(text)
        found = read_time(item["text"] if item else text, clock, number)
        if found:
            moment, dated, description = found
            events.append(Event(number, _after(events, moment, dated, clock, number), description))
        elif events:
            if item or not text[:1].isspace() or _looks_timed(text):
                clock.warnings.append((number, _("No time could be read on this timeline line: it is kept with "
                                                 "the event above.")))
            continued = item["text"] if item else text
            events[-1].description = f"{events[-1].description}\n{continued.strip()}".strip()
        else:
            if _looks_timed(text):
                clock.warnings.append((number, _("This time cannot be read (no date is known for it, or it is "
                                                 "out of range): the line is kept as text.")))
            leftover.append((number, text))
    return events, leftover


def _looks_timed(text):
    item = LIST_ITEM.match(text)
    return TIME.match(CHECKBOX.sub("", DECORATION.sub("", (item["text"] if item else text).strip()))) is not None


def _only_date(text, clock):
    day = date_line(text, clock)
    if day is not None:
        clock.date = day
    return day is not None


def _only_zone(text):
    return len(text.strip()) <= 40 and stated_zone(text) is not None and not re.search(r"\d:\d\d|\d時", text)


def _after(events, moment, dated, clock, number):
    """A clock-only time more than 12 hours before the event above is read on the next day (a timeline
    that runs past midnight under one date line)."""
    if not dated and events and events[-1].occurred_at - moment > NEXT_DAY:
        moment += datetime.timedelta(days=1)
        clock.date = moment.date()
        clock.warnings.append((number, _("This time is read as the next day (%(date)s).") % {"date": clock.date.isoformat()}))
    elif dated:
        clock.date = moment.date()
    return moment


def _table_events(table, clock):
    header = [cell.strip("*_` ").casefold() for cell in table.header]
    time_column = next((i for i, title in enumerate(header) if title.startswith(TIME_HEADERS)), 0)
    event_column = next((i for i, title in enumerate(header) if title.startswith(EVENT_HEADERS) and i != time_column),
                        1 if time_column == 0 else 0)
    events = []
    for number, row in table.rows:
        row = row + [""] * (max(len(header), time_column + 1, event_column + 1) - len(row))
        titles = table.header + [""] * (len(row) - len(table.header))
        found = read_time(row[time_column], clock, number) if row[time_column] else None
        extras = [f"({titles[i]}: {cell})" if titles[i] else f"({cell})" for i, cell in enumerate(row)
                  if cell and i not in (time_column, event_column)]
        if found:
            moment, dated, rest = found
            description = " ".join(part for part in [rest, row[event_column], *extras] if part)
            events.append(Event(number, _after(events, moment, dated, clock, number), description))
        elif events:
            clock.warnings.append((number, _("No time found in this timeline row: kept with the event above.")))
            events[-1].description = f"{events[-1].description}\n{' '.join(cell for cell in row if cell)}".strip()
        elif any(row):
            clock.warnings.append((number, _("No time found in this timeline row: it is skipped.")))
    return events


TIME_IN_TEXT = re.compile(r"(?<![\d.:/-])(?:\d{4}\s*[-/年]|\d{1,2}\s*月|\d{1,2}(?::\d{2}|\s*時(?!間)))")


def first_time(lines, clock):
    """The first time written anywhere in the (number, text) lines of a prose section ("2023年6月22日 11時40分、
    問い合わせで検知した", "Paged at 14:55 UTC"), read like a timeline's times; None when there is none."""
    for number, text in lines:
        for match in TIME_IN_TEXT.finditer(text):
            found = read_time(text[match.start():], clock, number)
            if found:
                return number, found[0]
    return None


MILESTONES = ("started_at", "detected_at", "mitigated_at", "resolved_at")


def add_milestone(document, name, found, warnings):
    """Set milestone ``name`` from ``found`` (line, time) unless the document has it, or it would come before
    an earlier milestone or after a later one (then a warning)."""
    if found is None or document.get(name):
        return
    line, moment = found
    index = MILESTONES.index(name)
    before = [document[other] for other in MILESTONES[:index] if document.get(other)]
    after = [document[other] for other in MILESTONES[index + 1:] if document.get(other)]
    if any(moment < other for other in before) or any(moment > other for other in after):
        warnings.append((line, _("%(milestone)s (%(time)s) is out of order with the other milestones: not used.")
                         % {"milestone": name, "time": moment.isoformat()}))
        return
    document[name] = moment


def milestones(events, warnings):
    """The milestone times the events mark, in order, each only if found. OUTAGE BEGINS / MITIGATED / ENDS
    lines win; otherwise the earliest trigger, detection, mitigation and resolution event. A milestone
    earlier than the one before it is dropped with a warning."""
    kinds = [(event, guess_event_kind(event.description)) for event in events]

    def first(marker, kind):
        marked = [event for event in events if marker and marker.search(event.description)]
        chosen = marked or [event for event, guessed in kinds if guessed == kind]
        return min(chosen, key=lambda event: event.occurred_at) if chosen else None

    found, previous = {}, None
    for name, marker, kind in (("started_at", OUTAGE_BEGINS, "trigger"), ("detected_at", None, "detection"),
                               ("mitigated_at", OUTAGE_MITIGATED, "mitigation"), ("resolved_at", OUTAGE_ENDS, "resolution")):
        event = first(marker, kind)
        if event is None:
            continue
        if previous is not None and event.occurred_at < previous:
            warnings.append((event.line, _("%(milestone)s (%(time)s) is earlier than the milestone before it: not used.")
                             % {"milestone": name, "time": event.occurred_at.isoformat()}))
            continue
        found[name], previous = event.occurred_at, event.occurred_at
    return found
