"""Custom field values (incident types' fields, incidents.models.types): each kind's canonical JSON form, the
one check of a value, of an incident's whole ``fields`` dict, and of a kind change's conversion. No database:
a user field is checked through the ``user_exists`` callable the caller passes.

Canonical forms (what ``Incident.fields`` stores, what the API answers, what exports write):
  text, markdown, url   a string (url: http or https)
  choice                one of the field's choices, as a string
  multi_choice          a sorted list of distinct choices (never empty: no choice is no value)
  number                a JSON number: an int when whole, else a float
  date                  "YYYY-MM-DD"
  datetime              ISO 8601 in UTC, seconds precision: "2026-12-07T06:30:00Z" (written without an offset:
                        read in TIME_ZONE)
  user                  a user name
An empty value (None, "", [] or blank text) is no value: the key is absent from the dict."""

import datetime
import math
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.translation import gettext as _

KINDS = ("text", "markdown", "number", "choice", "multi_choice", "date", "datetime", "user", "url")
MAX_TEXT = 200
MAX_MARKDOWN = 50_000
MAX_URL = 2000
# Kind changes allowed while values exist: (from, to), each value converted by ``convert``.
CONVERSIONS = {("text", "choice"), ("number", "text"), ("choice", "multi_choice"), ("text", "markdown"),
               ("choice", "text")}


class FieldError(ValueError):
    """A value a field cannot take; ``str(error)`` is the message for people."""


def is_empty(value):
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, (list, tuple)) and not value)


def canonical(kind, value, *, choices=(), user_exists=None):
    """``value`` in ``kind``'s canonical form, or FieldError. ``value`` may be the canonical form itself, or what
    a form or an import gives (a date, a datetime, a Decimal, a number in a string). Empty → None."""
    if is_empty(value):
        return None
    if kind in ("text", "markdown"):
        if not isinstance(value, str):
            raise FieldError(_("Must be text."))
        value = value.strip() if kind == "text" else value.replace("\r\n", "\n").strip("\n")
        limit = MAX_TEXT if kind == "text" else MAX_MARKDOWN
        if len(value) > limit or "\x00" in value:
            raise FieldError(_("Must be text of at most %(limit)s characters.") % {"limit": limit})
        return value
    if kind == "url":
        return _url(value)
    if kind == "number":
        return _number(value)
    if kind == "choice":
        if not isinstance(value, str) or value.strip() not in choices:
            raise FieldError(_("Must be one of: %(choices)s.") % {"choices": ", ".join(choices)})
        return value.strip()
    if kind == "multi_choice":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
            raise FieldError(_("Must be a list of choices."))
        unknown = [item for item in value if item.strip() not in choices]
        if unknown:
            raise FieldError(_("Not a choice: %(value)s. Must be among: %(choices)s.") % {"value": unknown[0], "choices": ", ".join(choices)})
        return sorted({item.strip() for item in value})
    if kind == "date":
        return _date(value)
    if kind == "datetime":
        return _datetime(value)
    if kind == "user":
        if not isinstance(value, str) or "\x00" in value or len(value) > 150:
            raise FieldError(_("Must be a user name."))
        if user_exists is not None and not user_exists(value.strip()):
            raise FieldError(_("No such user: %(name)s.") % {"name": value.strip()})
        return value.strip()
    raise FieldError(_("Unknown kind of field: %(kind)s.") % {"kind": kind})


def _url(value):
    if not isinstance(value, str) or len(value.strip()) > MAX_URL:
        raise FieldError(_("Must be an http or https URL."))
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise FieldError(_("Must be an http or https URL."))
    return value


def _number(value):
    if isinstance(value, bool):
        raise FieldError(_("Must be a number."))
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        try:
            value = int(text) if text.lstrip("+-").isdigit() else float(text)
        except ValueError:
            raise FieldError(_("Must be a number.")) from None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise FieldError(_("Must be a number.")) from None
    if not math.isfinite(number) or abs(number) > 1e15:
        raise FieldError(_("Must be a finite number of at most 10^15."))
    if float(number).is_integer():
        return int(number)
    return number


def _date(value):
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value.strip())
        except ValueError:
            raise FieldError(_("Must be a date, YYYY-MM-DD.")) from None
    if not isinstance(value, datetime.date) or not 1900 <= value.year <= 9998:
        raise FieldError(_("Must be a date, YYYY-MM-DD, from 1900 to 9998."))
    return value.isoformat()


def _datetime(value):
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError:
            raise FieldError(_("Must be a date and time, ISO 8601 (2026-12-07T15:30:00+09:00).")) from None
    if not isinstance(value, datetime.datetime):
        raise FieldError(_("Must be a date and time, ISO 8601 (2026-12-07T15:30:00+09:00)."))
    if value.tzinfo is None:  # read in TIME_ZONE, as the API and the pages read every time without an offset
        value = value.replace(tzinfo=timezone.get_default_timezone())
    try:
        value = value.astimezone(datetime.UTC).replace(microsecond=0)
    except OverflowError:
        raise FieldError(_("Must be a date and time from 1900 to 9998.")) from None
    if not 1900 <= value.year <= 9998:
        raise FieldError(_("Must be a date and time from 1900 to 9998."))
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def check(definitions, given, *, stored=None, user_exists=None, partial=True):
    """The incident's new ``fields`` dict and ``{key: [message]}`` errors.

    ``definitions``: the type's fields (objects or dicts with key, kind, choices, required, retired).
    ``given``: what the write sets, key → value (None or empty unsets). ``stored``: the incident's current dict.
    With ``partial`` keys left out of ``given`` keep their stored values; without it, active fields left out are
    unset. Stored values of retired fields, and of keys the type does not define, are always kept (never
    dropped); writing one is refused unless the value is the stored one (a document read and written back).
    Required active fields must have a value afterwards."""
    stored = dict(stored or {})
    known = {_get(definition, "key"): definition for definition in definitions}
    result, errors = {}, {}
    for key, value in stored.items():
        definition = known.get(key)
        if definition is None or _get(definition, "retired") or partial or key in given:
            result[key] = value
    if not isinstance(given, dict):
        return result, {"fields": [_("Must be an object of field key → value.")]}
    for key, value in given.items():
        definition = known.get(key)
        if definition is None or _get(definition, "retired"):
            if key in stored and same(stored[key], value):
                continue
            errors[key] = [_("This field is retired and cannot be changed.") if definition is not None
                           else _("Unknown field for this incident type.")]
            continue
        try:
            value = canonical(_get(definition, "kind"), value, choices=_get(definition, "choices") or (),
                              user_exists=user_exists)
        except FieldError as exc:
            errors[key] = [str(exc)]
            continue
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    for key, definition in known.items():
        if _get(definition, "required") and not _get(definition, "retired") and key not in result and key not in errors:
            errors[key] = [_("This field is required.")]
    return result, errors


def same(old, new):
    return old == new or (isinstance(old, list) and isinstance(new, list) and sorted(map(str, old)) == sorted(map(str, new)))


def _get(definition, name):
    return definition.get(name) if isinstance(definition, dict) else getattr(definition, name)


def convert(old_kind, new_kind, value, *, choices=()):
    """A stored value converted for a kind change, or FieldError when that change has no conversion or the value
    does not fit (a text not among the new choices). text→choice adds nothing to ``choices``: the caller lists
    them, this refuses a value not among them."""
    if old_kind == new_kind:
        return value
    if (old_kind, new_kind) not in CONVERSIONS:
        raise FieldError(_("A %(old)s field cannot be converted to %(new)s.") % {"old": old_kind, "new": new_kind})
    if new_kind == "text":
        text = str(value)
        return canonical("text", text[:MAX_TEXT])
    if new_kind == "markdown":
        return canonical("markdown", value)
    if new_kind == "choice":
        return canonical("choice", value, choices=choices)
    if new_kind == "multi_choice":
        return canonical("multi_choice", [value], choices=choices)
    raise FieldError(_("A %(old)s field cannot be converted to %(new)s.") % {"old": old_kind, "new": new_kind})  # pragma: no cover
