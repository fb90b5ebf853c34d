"""Custom field values (canonical forms: incidents.text.fields) as search and facets read them. No database.

Index terms: each value of a choice, multi_choice, user, number, date or datetime field is the keyword term
``key=value`` (lower-cased, a comma made a space: Whoosh's keyword fields split on commas), which the query
language's ``key:value`` and the list's ``?field=key:value`` match. A date (a date-time: its day in the display
time zone) is also its month and its year (``detected=2026-01``, ``detected=2026``), so ``detected:2026-01``
finds the month and a range ``detected:2026-01..2026-03`` is the union of a few terms.

Facets count choice, multi_choice and user values, and date and datetime values by month (``facet_values``).
Text, long text and choice values are also part of the incident's searchable body (``body_texts``).
"""

import datetime
import re

from django.utils import timezone

from . import fields as fieldtypes

TERM_KINDS = ("choice", "multi_choice", "user", "number", "date", "datetime")
FACET_KINDS = ("choice", "multi_choice", "user", "date", "datetime")
BODY_KINDS = ("text", "markdown", "choice", "multi_choice")
DATED = ("date", "datetime")
MAX_RANGE_TERMS = 400  # a range of more days (months, years) than this is not a range query
_PERIOD = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def term(key, value):
    """The index term of one value of field ``key``."""
    return f"{key}={str(value).strip().lower().replace(',', ' ')}"


def split_term(text):
    """(key, value) of an index term."""
    key, _sep, value = text.partition("=")
    return key, value


def number_text(value):
    """A number as its term writes it (an int when whole)."""
    number = fieldtypes.canonical("number", value)
    return repr(number) if isinstance(number, float) else str(number)


def day_of(kind, value):
    """The day (YYYY-MM-DD) of a date or datetime value: a date-time's day in the display time zone."""
    if kind == "date":
        return str(value)[:10]
    try:
        moment = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return timezone.localtime(moment).date().isoformat() if moment.tzinfo else moment.date().isoformat()


def values_of(kind, value):
    """The values of one stored value as terms and facets read them (a multi_choice: each choice)."""
    if kind == "multi_choice":
        return [str(item) for item in value] if isinstance(value, list) else [str(value)]
    if kind == "number":
        try:
            return [number_text(value)]
        except fieldtypes.FieldError:
            return []
    if kind in DATED:
        day = day_of(kind, value)
        return [day[:4], day[:7], day] if day else []
    return [str(value)] if not isinstance(value, (list, dict)) else []


def index_terms(kinds, values):
    """The keyword terms of an incident's ``fields`` dict; ``kinds``: {key: kind} of its type's fields."""
    found = []
    for key, value in (values or {}).items():
        kind = kinds.get(key)
        if kind in TERM_KINDS:
            found.extend(term(key, item) for item in values_of(kind, value))
    return sorted(set(found))


def body_texts(kinds, values, plain_text):
    """The searchable texts of an incident's ``fields``: text, long text (``plain_text`` of its Markdown) and
    choice values, in the type's order of ``kinds``."""
    texts = []
    for key, kind in kinds.items():
        value = (values or {}).get(key)
        if value is None or kind not in BODY_KINDS:
            continue
        if kind == "markdown":
            texts.append(plain_text(str(value)))
        else:
            texts.append(", ".join(map(str, value)) if isinstance(value, list) else str(value))
    return texts


def facet_values(kind, value):
    """The facet values of one stored value: its choices, its user, its month (dates)."""
    if kind in DATED:
        day = day_of(kind, value)
        return [day[:7]] if day else []
    if kind in ("choice", "multi_choice", "user"):
        return values_of(kind, value)
    return []


def _periods(first, last):
    """Every year, month or day from ``first`` to ``last`` (both of one length), or None when too many or not
    periods."""
    if not (_PERIOD.match(first) and _PERIOD.match(last)) or len(first) != len(last):
        return None
    try:
        if len(first) == 4:
            start, end = int(first), int(last)
            found = [f"{year:04d}" for year in range(start, end + 1)]
        elif len(first) == 7:
            start = int(first[:4]) * 12 + int(first[5:]) - 1
            end = int(last[:4]) * 12 + int(last[5:]) - 1
            found = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(start, min(end, start + MAX_RANGE_TERMS) + 1)]
        else:
            day, end_day = datetime.date.fromisoformat(first), datetime.date.fromisoformat(last)
            if (end_day - day).days > MAX_RANGE_TERMS:
                return None
            found = [(day + datetime.timedelta(days=n)).isoformat() for n in range((end_day - day).days + 1)]
    except ValueError:
        return None
    return found if 0 < len(found) <= MAX_RANGE_TERMS else None


def query_terms(key, value):
    """The index terms one of which an incident must have for ``key:value``: the value itself (a number also
    as its term writes it) or, for ``first..last`` (years, months or days), each period between. None when the
    value is a range that is not one."""
    if ".." in value:
        first, _sep, last = value.partition("..")
        periods = _periods(first.strip(), last.strip())
        return None if periods is None else [term(key, period) for period in periods]
    found = [term(key, value)]
    try:
        number = number_text(value)
    except fieldtypes.FieldError:
        number = None
    if number is not None and term(key, number) not in found:
        found.append(term(key, number))
    return found


def valid_period(value):
    """Whether ``value`` is a year, a month or a day (YYYY, YYYY-MM, YYYY-MM-DD)."""
    if not _PERIOD.match(value):
        return False
    try:
        datetime.date.fromisoformat((value + "-01-01")[:10])
    except ValueError:
        return False
    return True


def facet_counts_of_terms(term_counts, kinds):
    """{key: {value: count}} of the facet fields (``kinds``: {key: kind}) from index term counts ({term: count}):
    choices and users as indexed, dates by month."""
    found = {}
    for text, count in (term_counts or {}).items():
        key, value = split_term(text)
        kind = kinds.get(key)
        if kind in DATED and len(value) != 7 or kind not in FACET_KINDS:
            continue
        found.setdefault(key, {})[value] = count
    return found
