"""The dates and times the application can hold: from 1000-01-02 to 9999-12-30.

Python's datetime ends at years 1 and 9999, and a moment near either end overflows as soon as it is moved
to another zone: SQLite stores UTC, the search index stores naive UTC, pages show ``TIME_ZONE`` (up to 14
hours away). Pages also write dates as YYYY-MM-DD, and ``strftime`` writes year 999 as ``999``, which a
date input cannot read back (so a save from the edit page would lose it); the patterns label quarters
``2023-Q2``. Keeping a day inside the four-digit years at each end keeps every conversion and every text
form of a date in range. Every date or time a person types is checked here (``validate``) before it
reaches a computation; ``clamp`` keeps query bounds computed from any date convertible to UTC.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = datetime.date(1000, 1, 2)
LATEST_DATE = datetime.date(9999, 12, 30)
EARLIEST = datetime.datetime.combine(EARLIEST_DATE, datetime.time.min, tzinfo=datetime.UTC)
LATEST = datetime.datetime.combine(LATEST_DATE, datetime.time.max, tzinfo=datetime.UTC)
MESSAGE = _("Enter a date from %(earliest)s to %(latest)s.")
FIRST_UTC = datetime.datetime.min.replace(tzinfo=datetime.UTC)  # the ends of what Python holds, for clamp
LAST_UTC = datetime.datetime.max.replace(tzinfo=datetime.UTC)


def in_range(value):
    """True when ``value`` (a date, or a datetime with or without a zone) lies within the bounds.
    Comparing aware datetimes never overflows, whatever their zones."""
    if isinstance(value, datetime.datetime):
        if value.utcoffset() is None:
            return EARLIEST.replace(tzinfo=None) <= value <= LATEST.replace(tzinfo=None)
        return EARLIEST <= value <= LATEST
    return EARLIEST_DATE <= value <= LATEST_DATE


def message():
    return MESSAGE % {"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()}


def validate(value):
    """A validator for form and serializer fields (Django's ValidationError, which DRF also reports as a
    field error): refuses a date or datetime outside the bounds; None passes."""
    if value is not None and not in_range(value):
        raise ValidationError(MESSAGE, code="date_range",
                              params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()})


def limit_form_fields(form):
    """Add ``validate`` to every date and date-time field of a form instance."""
    for field in form.fields.values():
        if isinstance(field, (forms.DateField, forms.DateTimeField)) and validate not in field.validators:
            field.validators.append(validate)


def clamp(moment):
    """An aware datetime moved within the UTC times Python can hold, so converting it to UTC cannot overflow
    (0001-01-01T00:00+14:00 becomes 0001-01-01T00:00Z). Every time the application stores lies more than a
    day inside that range, so as a query bound (inclusive or exclusive) it selects the same stored times."""
    return min(max(moment, FIRST_UTC), LAST_UTC)


def as_naive_utc(moment):
    """An aware datetime as the naive UTC the index stores (``clamp``ed: as a bound it matches the same
    documents, and converting it cannot overflow)."""
    return clamp(moment).astimezone(datetime.UTC).replace(tzinfo=None) if moment else None


def day_start(date):
    """Midnight of ``date`` in the display time zone, as the naive UTC the index stores."""
    if date is None:
        return None
    return as_naive_utc(datetime.datetime.combine(date, datetime.time.min, tzinfo=timezone.get_current_timezone()))
