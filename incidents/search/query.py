"""The query language people type, parsed without Whoosh (so it can be tested and reused alone).

    memory leak "No route to host" -podman tag:dns service:nginx severity:sev1 status:published
    category:resource-exhaustion after:2023-01-01 before:2024-01-01

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

FILTERS = {"tag", "service", "severity", "status", "category"}
DATES = {"after", "before"}
TOKEN = re.compile(r'(?P<neg>-)?(?:(?P<field>[A-Za-z]+):)?(?:"(?P<phrase>[^"]*)"?|(?P<word>\S+))')


@dataclass
class ParsedQuery:
    words: list = field(default_factory=list)
    phrases: list = field(default_factory=list)
    excluded: list = field(default_factory=list)  # words and phrases
    filters: dict = field(default_factory=dict)  # name -> [values]
    excluded_filters: dict = field(default_factory=dict)
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


def parse(text):
    parsed = ParsedQuery()
    if "\x00" in (text or ""):
        parsed.problems.append(gettext("Null characters are not allowed."))  # Django's words (and translation)
    for match in TOKEN.finditer(text or ""):
        if not match.group(0).strip():
            continue
        negative, name = bool(match["neg"]), (match["field"] or "").lower()
        value = match["phrase"] if match["phrase"] is not None else match["word"]
        value = (value or "").strip()
        if name in FILTERS and value:
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
