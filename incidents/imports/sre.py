"""Read a heading-structured postmortem ("sre" format): the shape of the Google SRE book's postmortem
template, in English or Japanese, with Markdown headings or ``Label: text`` lines.

The title is the first ``#`` heading (else a short first line); metadata lines before the first section
(``Date:``, ``Authors:``, ``Status:``, ``Severity:``, ``Services:``, ``Tags:`` and their Japanese names,
also as list items) fill the facts. Each known section fills its field (sections.SECTION_NAMES); whatever
is not recognised — unknown sections, prose in a structured section, a trigger or detection paragraph —
is appended to the analysis under its heading as written, in the order of the document, so nothing is lost.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from incidents.imports import items
from incidents.imports import vocabulary
from incidents.imports.sections import (
    METADATA, SECTIONS, atx_heading, clean_heading, fenced_flags, heading_key, label_line, split_sections, strip_blank,
    text_of,
)
from incidents.imports.tables import LIST_ITEM
from incidents.imports.timeline import Clock, add_milestone, first_time, milestones, parse_timeline, stated_zone

TITLE_PREFIX = re.compile(r"^(?:post[\s-]?mortem|ポストモーテム|incident report)\s*[:：\-–—]\s*", re.IGNORECASE)
TITLE_SUFFIX = re.compile(r"\s*[:：\-–—]?\s*(?:post[\s-]?mortem|ポストモーテム)$", re.IGNORECASE)
LIST_SEPARATORS = re.compile(r"\s*[,、，;]\s*")
DATE_IN_TEXT = re.compile(r"\d{4}\s*[-/年]\s*\d{1,2}\s*[-/月]\s*\d{1,2}\s*日?")
TITLE_LIMIT = 200
PROSE = ("summary", "impact", "resolution")
UNDER_HEADING = ("trigger", "detection")
SECTION_MILESTONES = {"trigger": "started_at", "detection": "detected_at"}  # when the timeline does not mark them


@dataclass
class Placement:
    """Where one section of a write-up lands: ``key`` is its SECTION_NAMES key (None: unknown heading; "" heading
    for the text before the first section); ``to_analysis`` when some or all of its text goes to the analysis."""

    line: int
    heading: str
    key: str | None
    to_analysis: bool


def read_sre(body, first_line, default_zone, known_date=None, placed=None):
    """(document, warnings) for a body whose first line is line ``first_line`` of the file. ``known_date``
    (e.g. from front matter) dates clock-only timeline times when the body gives no Date line. ``placed``, a
    list, receives a Placement for each section (where it lands: the preview shows them)."""
    placed = [] if placed is None else placed
    lines = [(first_line + index, text) for index, text in enumerate(body.split("\n"))]
    document, warnings = {}, []
    title, lines = find_title(lines)
    if title:
        document["title"] = title
    preamble, sections = split_sections(lines)
    preamble = _metadata(preamble, document, warnings)
    zone = stated_zone(body)
    clock = Clock(zone[0] if zone else default_zone, zone is not None,
                  document.get("postmortem_date") or known_date, warnings)
    analysis, events, found = [], [], {"lessons": [], "action_items": [], "factors": [], "links": []}
    times = {}
    for section in sections:
        before = len(analysis)
        _read_section(section, document, analysis, events, found, clock, warnings)
        placed.append(Placement(section.line, section.heading, section.key, len(analysis) > before))
        if section.key in SECTION_MILESTONES and section.key not in times:
            times[section.key] = first_time(section.lines, clock)
    opening = text_of(preamble)
    if opening and "summary" not in document:
        document["summary"] = opening
        placed.insert(0, Placement(strip_blank(preamble)[0][0], "", "summary", False))
    elif opening:
        analysis.insert(0, opening)
        placed.insert(0, Placement(strip_blank(preamble)[0][0], "", "analysis", True))
    if analysis:
        document["analysis"] = "\n\n".join(analysis)
    if events:
        document["timeline"] = [event.as_dict() for event in events]
        document.update(milestones(events, warnings))
    for key, time in times.items():
        add_milestone(document, SECTION_MILESTONES[key], time, warnings)
    found["links"] = items.unique_links(found["links"])
    document.update({key: value for key, value in found.items() if value})
    return document, warnings


def _read_section(section, document, analysis, events, found, clock, warnings):
    """Put one section where it belongs: a field, the structured lists, or the analysis."""
    key, under_heading = section.key, lambda lines: _under(section.heading, lines)
    if key in PROSE:
        text = text_of(section.lines)
        if text:
            document[key] = f"{document[key]}\n\n{text}" if document.get(key) else text
    elif key == "analysis":
        if text_of(section.lines):
            analysis.append(text_of(section.lines))
    elif key == "root_causes":
        factors, leftover = items.factors(section, len(found["factors"]) + 1)
        found["factors"] += factors
        analysis.extend(under_heading(leftover))
    elif key == "action_items":
        action_items, leftover = items.action_items(section, warnings)
        found["action_items"] += action_items
        analysis.extend(under_heading(leftover))
    elif key == "lessons":
        lessons, leftover = items.lessons(section, warnings)
        found["lessons"] += lessons
        analysis.extend(under_heading(leftover))
    elif key == "links":
        links, leftover = items.links(section, warnings)
        found["links"] += links
        analysis.extend(under_heading(leftover))
    elif key == "timeline":
        timeline, leftover = parse_timeline(section.lines, clock)
        events += timeline
        analysis.extend(under_heading(leftover))
    else:  # trigger, detection, or a section the tables do not know
        if key is None:
            warnings.append((section.line, _("The section “%(heading)s” has no field of its own: it is appended to "
                                             "the analysis under its heading.") % {"heading": section.heading}))
        analysis.extend(_under(section.heading, section.lines, keep_empty=key not in UNDER_HEADING))


def _under(heading, lines, keep_empty=False):
    """``### Heading`` and the text, as one analysis part (none when there is no text, unless kept)."""
    text = text_of(lines)
    if not text and not keep_empty:
        return []
    return [f"### {heading}\n\n{text}" if text else f"### {heading}"]


def find_title(lines):
    """(title or None, the lines without the title's line). The first level-1 heading that is not a
    section name; else the first non-empty line if it is short and neither a label nor list item."""
    flags = fenced_flags(lines)
    for index, ((_number, text), fenced) in enumerate(zip(lines, flags)):
        heading = None if fenced else atx_heading(text)
        if heading and heading[0] == 1 and heading[1] and heading_key(text)[0] is None:
            return clean_title(heading[1]), lines[:index] + lines[index + 1:]
    for index, (_number, text) in enumerate(lines):
        if not text.strip():
            continue
        candidate = (atx_heading(text) or (0, text.strip()))[1]
        if (len(candidate) > TITLE_LIMIT or (heading_key(text) or (None,))[0] is not None or label_line(text, METADATA)
                or LIST_ITEM.match(text) or text.lstrip().startswith(("|", ">", "```", "~~~", "<"))
                or not clean_title(candidate)):
            return None, lines
        return clean_title(candidate), lines[:index] + lines[index + 1:]
    return None, lines


def clean_title(text):
    """A heading as a title: no markup, no "Postmortem:" prefix or trailing "Postmortem"."""
    text = clean_heading(text)
    shorter = TITLE_SUFFIX.sub("", TITLE_PREFIX.sub("", text)).strip()
    return shorter or text


def _metadata(preamble, document, warnings):
    """Read the metadata lines of the preamble into ``document``; return the other lines."""
    rest = []
    for number, text in preamble:
        item = LIST_ITEM.match(text)
        label = label_line(item["text"] if item else text, METADATA)
        if not label or not label[2].strip() or not _fact(label[0], label[2].strip(), document, number, warnings):
            rest.append((number, text))
    return rest


def _fact(key, value, document, number, warnings):
    """Store one metadata value; False when the line is to be kept as text instead."""
    if key == "date":
        match = DATE_IN_TEXT.search(value)
        day = items.parse_date(match[0]) if match else None
        if day is None:
            warnings.append((number, _("The date %(value)s cannot be read: the line is kept as text.") % {"value": repr(value)}))
            return False
        document["postmortem_date"] = day
    elif key == "authors":
        document["authors"] = [name for name in LIST_SEPARATORS.split(value) if name]
    elif key == "status":
        status = vocabulary.incident_status(value)
        if status:  # anything else ("Complete, action items in progress") says nothing the app holds
            document["status"] = status
    elif key == "severity":
        severity = vocabulary.severity(value)
        if severity is None:
            warnings.append((number, _("The severity %(value)s is not understood: the line is kept as text.")
                             % {"value": repr(value)}))
            return False
        document["severity"] = severity
    else:  # services, tags
        document[key] = [name for name in LIST_SEPARATORS.split(value) if name]
    return True


def has_sections(body):
    """True when a body has at least one known section heading or label (outside code)."""
    lines = list(enumerate(body.split("\n")))
    return any(not fenced and (found := heading_key(text)) is not None and found[0] in SECTIONS.values()
               for (_number, text), fenced in zip(lines, fenced_flags(lines)))
