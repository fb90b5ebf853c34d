"""The query language people type, parsed without Whoosh (so it can be tested and reused alone).

    memory leak "No route to host" -podman tag:dns service:nginx severity:sev1 status:published
    category:resource-exhaustion after:2023-01-01 before:2024-01-01 region:ap-northeast-1 detected:2026-01..2026-03

Custom fields (``parse``'s ``field_keys``: the keys of every incident type's fields) filter as ``key:value``
(see ``text.fieldsearch``): a choice, a user, a number, a date (also its month ``2026-01`` or year), a range
of years, months or days (``2026-01..2026-03``); a multiple choice field has the value among its choices.
A key that is neither a built-in filter nor a field key is plain text, as before.

Plain words must all match; ``"…"`` is an exact phrase; ``-word`` / ``-"…"`` / ``-tag:x`` exclude.
Anything that is not valid syntax (an unknown ``field:``, a bad date, an unclosed quote) is searched
as plain text instead of being an error. What cannot be searched at all is listed in ``problems`` (the
API answers 400 with them, the list page shows them): a date the index cannot hold (``after:0001-01-01``;
see ``incidents.dates``), which is then left out of the query, and NUL characters.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext

from incidents import dates
from incidents.text import fieldsearch

FILTERS = {"tag", "service", "severity", "status", "category"}
DATES = {"after", "before"}
FIELD_WORD = re.compile(r"^([A-Za-z][A-Za-z0-9_-]{0,49}):(.+)$")  # a field key with digits, - or _ (not in TOKEN)
TOKEN = re.compile(r'(?P<neg>-)?(?:(?P<field>[A-Za-z]+):)?(?:"(?P<phrase>[^"]*)"?|(?P<word>\S+))')


@dataclass
class ParsedQuery:
    words: list = field(default_factory=list)
    phrases: list = field(default_factory=list)
    excluded: list = field(default_factory=list)  # words and phrases
    filters: dict = field(default_factory=dict)  # name -> [values]
    excluded_filters: dict = field(default_factory=dict)
    fields: dict = field(default_factory=dict)  # custom field key -> [values, lower-cased]
    excluded_fields: dict = field(default_factory=dict)
    after: datetime.date | None = None
    before: datetime.date | None = None
    problems: list = field(default_factory=list)  # messages for people: why the text cannot be searched

    @property
    def has_text(self):
        return bool(self.words or self.phrases)


def parse_date(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _field_filter(match, field_keys):
    """(key, value) when the token is ``key:value`` of a custom field key, else None."""
    if not field_keys:
        return None
    name, value = (match["field"] or "").lower(), match["phrase"] if match["phrase"] is not None else match["word"]
    if not name and match["word"] and (found := FIELD_WORD.match(match["word"])):
        name, value = found[1].lower(), found[2]
    value = (value or "").strip()
    if name not in field_keys or name in FILTERS or name in DATES or not value:
        return None
    if fieldsearch.query_terms(name, value) is None:  # not a range of years, months or days: plain text
        return None
    return name, value.lower()


def parse(text, field_keys=frozenset()):
    parsed = ParsedQuery()
    if "\x00" in (text or ""):
        parsed.problems.append(gettext("Null characters are not allowed."))  # Django's words (and translation)
    for match in TOKEN.finditer(text or ""):
        if not match.group(0).strip():
            continue
        negative, name = bool(match["neg"]), (match["field"] or "").lower()
        value = match["phrase"] if match["phrase"] is not None else match["word"]
        value = (value or "").strip()
        custom = _field_filter(match, field_keys)
        if custom:
            target = parsed.excluded_fields if negative else parsed.fields
            target.setdefault(custom[0], []).append(custom[1])
        elif name in FILTERS and value:
            target = parsed.excluded_filters if negative else parsed.filters
            target.setdefault(name, []).append(value.lower())
        elif name in DATES and not negative and parse_date(value):
            if dates.in_range(parse_date(value)):
                setattr(parsed, name, parse_date(value))
            else:
                parsed.problems.append(f"{match['field']}:{value}: {dates.message()}")
        else:
            raw = f"{match['field']}:{value}" if match["field"] else value
            if not raw or raw == "-":
                continue
            if negative:
                parsed.excluded.append(raw)
            elif match["phrase"] is not None and not match["field"]:
                parsed.phrases.append(raw)
            else:
                parsed.words.append(raw)
    return parsed
