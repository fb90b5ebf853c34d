"""Read this application's own single-incident Markdown export ("postmortem" format, version 1).

The export holds every structured field in the YAML front matter (``postmortem: 1``; the type and custom
fields as incidents.imports.custom reads them) and the four prose fields as the body's level-2 sections
(``## Summary``, ``## Impact``, ``## Analysis``, ``## Resolution``, their Japanese names, or the headings the
front matter's ``headings`` gives them: the incident type's), read back exactly: only the blank lines around a section are removed, and a
section that is only "—" is empty. Only a level-2 heading with a known section name splits the body, and
only its first occurrence (a ``## Summary`` quoted later in the analysis stays text); headings inside code
fences never split it. Everything else in the body (the title line, facts, tables, the other sections) is
informational and ignored: its content is in the front matter.
"""

import uuid

from django.utils.translation import gettext as _

from incidents.imports import custom
from incidents.imports.problems import ImportProblem
from incidents.imports.sections import SECTIONS, atx_heading, fenced_flags, normalize_name, text_of
from incidents.imports.timeline import zone as zone_named
from incidents.imports.values import RECORDS, Values, structured
from incidents.models import current_scale

VERSION = 1
PROSE = ("summary", "impact", "analysis", "resolution")
EMPTY = "—"
# members: by name, not re-linked; attachments: a bundle's files, read by incidents.imports.bundles
# headings: which heading is which section (read here, by export_sections)
INFORMATIONAL = {"postmortem", "uuid", "reference", "time_zone", "members", "attachments", "headings"}
SCALAR_FIELDS = {
    "title": Values.text, "postmortem_date": Values.date, "authors": Values.names, "services": Values.names,
    "tags": Values.names, "started_at": Values.moment, "detected_at": Values.moment,
    "mitigated_at": Values.moment, "resolved_at": Values.moment,
}
CHOICES = {"severity": (), "status": ("draft", "in_review", "published"),  # severity: the scale's keys
           "visibility": ("internal", "restricted")}  # a restricted write-up stays restricted when read back


def read_postmortem(split, default_zone):
    """(document, key, warnings) for a split file whose front matter has ``postmortem``."""
    data, warnings = split.data, []
    version = data["postmortem"]
    if version != VERSION or isinstance(version, bool):
        raise ImportProblem(split.line("postmortem"), _("unknown postmortem export version %(version)s (this "
                                                        "application reads version %(supported)d)")
                            % {"version": repr(version), "supported": VERSION})
    values = Values(split, _file_zone(data.get("time_zone"), default_zone), warnings)
    document = {}
    for key, value in data.items():
        if key in SCALAR_FIELDS:
            document[key] = SCALAR_FIELDS[key](values, key, value)
        elif key in CHOICES:
            document[key] = values.choice(key, value, tuple(current_scale().by_key) if key == "severity" else CHOICES[key])
        elif key in RECORDS:
            document[key] = structured(values, key, value)
        elif key in custom.KEYS:
            custom.read(split, key, value, document, warnings)
        elif key not in INFORMATIONAL:
            custom.unmatched(document, key, value)  # a custom field's value, or kept as extra (actions.imports)
    document.update(export_sections(split.body, split.body_line, _headings(data.get("headings"))))
    return document, _key(split), warnings


def _key(split):
    if split.data.get("uuid") in (None, ""):
        return None
    try:
        return str(uuid.UUID(str(split.data["uuid"])))
    except ValueError:
        raise ImportProblem(split.line("uuid"), _("'uuid': %(value)s is not a UUID") % {"value": repr(split.data["uuid"])}) from None


def _file_zone(name, default_zone):
    return (zone_named(name) if isinstance(name, str) else None) or default_zone


def _headings(headings):
    """{normalized heading: section key} for the sections the front matter's ``headings`` names (the headings
    of the incident's type, in the export's language): each starts a section, the prose ones are read."""
    if not isinstance(headings, dict):
        return {}
    return {normalize_name(str(heading)): key for key, heading in headings.items()
            if isinstance(key, str) and isinstance(heading, (str, int)) and str(heading).strip()}


def export_sections(body, first_line, headings=None):
    """The prose fields from the body's known level-2 sections: those ``headings`` names (normalized heading →
    key), else the usual section names.

    Code fences are respected, unless that loses a prose section that is there when they are not (a fence
    left open in one field must not swallow the fields after it)."""
    lines = [(first_line + index, text) for index, text in enumerate(body.split("\n"))]
    names = {**SECTIONS, **(headings or {})}
    fenced = _split(lines, fenced_flags(lines), names)
    if len(fenced) < len(PROSE):
        plain = _split(lines, [False] * len(lines), names)
        if len(plain) > len(fenced):
            return plain
    return fenced


def _split(lines, fenced, names):
    parts, current = {}, None
    for (number, text), in_code in zip(lines, fenced):
        heading = None if in_code else atx_heading(text)
        key = names.get(normalize_name(heading[1])) if heading and heading[0] == 2 else None
        if key and key not in parts:
            current, parts[key] = key, []
        elif current:
            parts[current].append((number, text))
    return {key: "" if text_of(part) == EMPTY else text_of(part) for key, part in parts.items() if key in PROSE}

