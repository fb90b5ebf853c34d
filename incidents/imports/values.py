"""Front matter values as document values, type-checked loosely: a scalar where text is expected, a list
where a list is expected, a mapping for each item of a structured list. A value of the wrong type is an
ImportProblem that names the key and its line in the file.

YAML may already have turned ``2026-11-01T10:03:00+09:00`` into a datetime and ``2026-11-01`` into a date;
strings in those forms are read too. A time without an offset is read in the file's zone (``time_zone``)
or the importer's default zone, with a warning.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from incidents.imports.problems import ImportProblem

SCALARS = (str, int, float)
EVENT_KINDS = ("trigger", "detection", "investigation", "action", "communication", "mitigation", "resolution", "other")
CATEGORIES = ("defect", "dependency", "change", "configuration", "resource-exhaustion", "capacity", "network",
              "environment", "monitoring-gap", "process", "third-party", "other")
LESSON_KINDS = ("went_well", "went_wrong", "lucky")
ACTION_KINDS = ("prevent", "mitigate", "detect", "investigate", "process", "other")
ACTION_STATUSES = ("open", "in_progress", "done", "wont_do")
RELATIONS = ("cause", "fix", "related", "follow_up")


@dataclass
class Values:
    """Reads the values of one front matter (a frontmatter.Split) and collects the warnings."""

    split: object
    zone: datetime.tzinfo
    warnings: list

    def problem(self, key, message, index=None):
        where = f"{key}[{index + 1}]" if index is not None else key
        return ImportProblem(self.split.line(key, index), f"'{where}': {message}")

    def text(self, key, value, index=None):
        """A scalar as text (YAML reads ``title: 2024`` as a number); None as empty text."""
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, SCALARS + (datetime.date,)):
            raise self.problem(key, _("expected text, found %(kind)s") % {"kind": _kind(value)}, index)
        return value.isoformat() if isinstance(value, datetime.date) else str(value)

    def texts(self, key, value, index=None):
        """A list of scalars as a list of text; None as an empty list."""
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.problem(key, _("expected a list, found %(kind)s") % {"kind": _kind(value)}, index)
        return [self.text(key, item, index) for item in value if item is not None]

    def names(self, key, value):
        """Labels (services, tags, authors): a YAML list, or one text of comma-separated names (``EC2, EBS``,
        ``dns、network``); a comma inside parentheses does not split (``Amazon EBS (io1, io2)``)."""
        if isinstance(value, str):
            return split_names(value)
        return [name for item in self.texts(key, value) for name in split_names(item)]

    def date(self, key, value, index=None):
        """A date (or None) from a YAML date or a ``YYYY-MM-DD`` string."""
        if value is None or value == "":
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value).strip())
        except ValueError:
            raise self.problem(key, _("expected a date (YYYY-MM-DD), found %(value)s") % {"value": repr(value)},
                                   index) from None

    def moment(self, key, value, index=None):
        """An aware datetime (or None) from a YAML datetime or an ISO 8601 string."""
        if value is None or value == "":
            return None
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            raise self.problem(key, _("expected a date and time, found the date %(value)s") % {"value": value.isoformat()},
                               index)
        if not isinstance(value, datetime.datetime):
            try:
                value = datetime.datetime.fromisoformat(str(value).strip())
            except ValueError:
                raise self.problem(key, _("expected a date and time (ISO 8601), found %(value)s") % {"value": repr(value)},
                                   index) from None
        if value.utcoffset() is None:
            self.warnings.append((self.split.line(key, index),
                                  _("'%(key)s' has no UTC offset: read in %(zone)s.") % {"key": key, "zone": self.zone}))
            value = value.replace(tzinfo=self.zone)
        return value

    def choice(self, key, value, choices, index=None, field=None):
        text = self.text(key, value, index)
        if text not in choices:
            words = {"field": field, "value": repr(text), "choices": ", ".join(choices)}
            message = _("%(field)s %(value)s is not one of %(choices)s") if field else _("%(value)s is not one of %(choices)s")
            raise self.problem(key, message % words, index)
        return text

    def records(self, key, value, fields):
        """A list of mappings, each read by ``fields`` (name -> (reader, default)); unknown names warned."""
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.problem(key, _("expected a list, found %(kind)s") % {"kind": _kind(value)})
        result = []
        for index, record in enumerate(value):
            if not isinstance(record, dict):
                raise self.problem(key, _("expected 'name: value' pairs, found %(kind)s") % {"kind": _kind(record)}, index)
            for unknown in sorted(set(map(str, record)) - set(fields)):
                self.warnings.append((self.split.line(key, index), _("'%(where)s': unknown key '%(key)s' ignored.")
                                      % {"where": f"{key}[{index + 1}]", "key": unknown}))
            result.append({name: reader(self, key, record.get(name, default), index)
                           for name, (reader, default) in fields.items()})
        return result


def split_names(text):
    """``"EC2, EBS"`` as ``["EC2", "EBS"]``: split at commas (ASCII, full-width, 、) outside parentheses."""
    names, depth, current = [], 0, []
    for character in text:
        depth += {"(": 1, "（": 1, ")": -1, "）": -1}.get(character, 0)
        if character in ",，、" and depth <= 0:
            names.append("".join(current))
            current, depth = [], 0
        else:
            current.append(character)
    names.append("".join(current))
    return [" ".join(name.split()) for name in names if name.strip()]


def _kind(value):
    return {dict: _("a mapping"), list: _("a list"), bool: _("true/false")}.get(type(value), type(value).__name__)


def _required(reader):
    def read(values, key, value, index):
        if value is None or value == "":
            raise values.problem(key, _("a required value is missing"), index)
        return reader(values, key, value, index)
    return read


def _choice(choices, field):
    return lambda values, key, value, index: values.choice(key, value, choices, index, field)


TEXT = Values.text
TEXTS = Values.texts
RECORDS = {
    "timeline": {"occurred_at": (_required(Values.moment), None), "kind": (_choice(EVENT_KINDS, "kind"), "other"),
                 "description": (TEXT, ""), "source": (TEXT, "")},
    "factors": {"ref": (TEXT, None), "category": (_choice(CATEGORIES, "category"), "other"),
                "description": (TEXT, ""), "leads_to": (TEXTS, None)},
    "lessons": {"kind": (_choice(LESSON_KINDS, "kind"), None), "text": (TEXT, "")},
    "action_items": {"title": (_required(TEXT), None), "kind": (_choice(ACTION_KINDS, "kind"), "prevent"),
                     "status": (_choice(ACTION_STATUSES, "status"), "open"), "owner": (TEXT, ""),
                     "due_date": (Values.date, None), "url": (TEXT, ""), "tracker": (TEXT, "")},
    "links": {"url": (_required(TEXT), None), "relation": (_choice(RELATIONS, "relation"), "related"),
              "title": (TEXT, "")},
}


def structured(values, key, value):
    """A structured list (timeline, factors, lessons, action items, links) read and checked; factors
    without a ref are given ``F1``, ``F2``… by position."""
    records = values.records(key, value, RECORDS[key])
    if key == "factors":
        for number, factor in enumerate(records, start=1):
            factor["ref"] = factor["ref"] or f"F{number}"
    return records
