"""The incident document's rules, checked once for every writer: the API, the edit page, the importer, the demo
loader and restore all reach them through ``save_incident``, which calls ``validate`` with the incident locked.

A document is the dict ``save_incident`` takes (the API's incident document with Python values: datetimes,
dates, users). ``check`` (no database) cleans its fields by the models' own field rules (choices, lengths,
blank, links, the dates the application can hold, a severity of the admins' scale (its cached copy); text is
stripped, a time without an offset is read in TIME_ZONE) and checks the rules across fields: factor refs unique and known, no factor leading to itself, no
cycle, no link listed twice (a GitHub issue in two spellings is one link), the milestones in order (started ≤
detected ≤ mitigated ≤ resolved, stored ones counting for those a write leaves out), at most MAX_ROWS rows per
list, and every child ``id`` one of the incident's own rows, once. ``validate`` reads those ids, then checks,
and lets an incident keep a stored severity whose level was removed since.

Errors are ``{path: [message, ...]}`` with paths such as ``title``, ``factors``, ``links[1].url``: each caller
shows them its own way (the API as field errors, the edit page next to the row, the importer as problems)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import dates
from incidents.github import refs
from incidents.models import Incident, SeverityLevel, find_cycle
from incidents.models.history import CHILDREN, SCALARS

MAX_ROWS = 500  # rows per child list (the edit page's formsets hold as many)
MAX_AUTHOR_NAMES = 50
MAX_NAME = 100  # an author name
MAX_LABEL = 200  # a tag or service name (Label.name)
MAX_REF = 50  # a factor's ref, local to the document
MAX_ID = 2**31 - 1


class DocumentInvalid(Exception):
    """The document breaks a rule; ``errors`` is ``{path: [message, ...]}``."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{path}: {' '.join(messages)}" for path, messages in errors.items()))
        self.errors = errors


def same_link(url):
    """A link in one spelling: a GitHub issue or PR as ``owner/repo#n`` (short form and URL, any case, name the
    same one), any other URL as written."""
    try:
        ref = refs.parse(url)
    except ValueError:
        ref = None
    return ref.short.lower() if ref else url


def validate(data, current=None):
    """The cleaned document, or DocumentInvalid. ``current`` is the incident written to (None or unsaved: a new
    one); its stored milestones count for those ``data`` leaves out, and child ids must be its rows'."""
    stored = current if current is not None and current.pk is not None else None
    milestones = {name: getattr(stored, name) for name in Incident.MILESTONES} if stored else {}
    cleaned, errors = check(data, milestones=milestones, child_ids=_child_ids(stored, data))
    _check_reviewers(data, stored, errors)
    _check_severity(cleaned, stored, errors)
    if errors:
        raise DocumentInvalid(errors)
    return cleaned


def _check_severity(data, stored, errors):
    """A stored severity whose level was removed since may stay as it is (check refuses any other key the
    scale does not have)."""
    if "severity" in errors and stored is not None and isinstance(data.get("severity"), str) \
            and Incident.objects.filter(pk=stored.pk, severity=data["severity"]).exists():
        del errors["severity"]


def _check_reviewers(data, stored, errors):
    """Nobody reviews their own write-up (Incident.reviewer_conflict): the reviewers and authors the write sets,
    the stored ones for the side it leaves alone. The error is on ``reviewers`` (on ``authors`` when the
    write names only authors)."""
    if "reviewers" not in data and "authors" not in data:
        return
    def side(name):
        value = data.get(name)
        if isinstance(value, (list, tuple, set)):
            return list(value)
        return list(getattr(stored, name).all()) if stored is not None and name not in data else []
    message = Incident.reviewer_conflict(side("reviewers"), side("authors"))
    if message:
        _add(errors, "reviewers" if "reviewers" in data else "authors", [message])


def _child_ids(incident, data):
    """{key: ids of the incident's rows} for the child lists of ``data`` whose entries carry ids."""
    wanted = [key for key in CHILDREN if isinstance(data.get(key), list)
              and any(isinstance(entry, dict) and entry.get("id") is not None for entry in data[key])]
    if incident is None:
        return {key: set() for key in wanted}
    return {key: set(getattr(incident, key).values_list("pk", flat=True)) for key in wanted}


def check(data, *, milestones=None, child_ids=None):
    """(cleaned document, errors) without the database. ``milestones`` are the stored ones; ``child_ids``
    ``{key: ids}`` the rows an entry's id may name (a list whose key is missing takes no ids)."""
    cleaned, errors = clean_fields(data)
    check_rules(cleaned, errors, milestones=milestones or {}, child_ids=child_ids or {})
    return cleaned, errors


# --- the fields --------------------------------------------------------------------------------------


def clean_fields(data):
    """(cleaned document, errors) for the fields one at a time; keys it does not know pass unchanged."""
    cleaned, errors = dict(data), {}
    for name in SCALARS:
        if name not in data:
            continue
        if name == "author_names":
            cleaned[name] = _names(data[name], name, errors, limit=MAX_NAME, most=MAX_AUTHOR_NAMES)
        else:
            cleaned[name] = _value(Incident._meta.get_field(name), data[name], name, errors)
    if "severity" in data and "severity" not in errors:  # the admins' scale (cached), the one rule
        problem = SeverityLevel.objects.problem(cleaned["severity"])
        if problem:
            _add(errors, "severity", [problem])
    for name in ("tags", "services"):
        if name in data:
            cleaned[name] = _names(data[name], name, errors, limit=MAX_LABEL)
    for key, (model, names) in CHILDREN.items():
        if key in data:
            cleaned[key] = _rows(key, model, names, data[key], errors)
    return cleaned, errors


def _add(errors, path, messages):
    errors.setdefault(path, []).extend(str(message) for message in messages)


def _text(value, path, errors):
    """Text stripped at both ends (as the forms and the API store it); None for a value that is not text."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        _add(errors, path, [_("Not a valid string.")])
        return None
    value = str(value).strip()
    if "\x00" in value:
        _add(errors, path, [_("Null characters are not allowed.")])
        return None
    return value


def _value(field, value, path, errors):
    """``value`` cleaned by the model field's own rules, plus the dates the application can hold."""
    if isinstance(field, (models.CharField, models.TextField)):
        value = "" if value is None else _text(value, path, errors)
        if value is None:
            return None
    try:
        value = field.to_python(value)
        if isinstance(value, datetime.datetime) and timezone.is_naive(value):
            value = timezone.make_aware(value, timezone.get_default_timezone())
        field.clean(value, None)
        if isinstance(field, (models.DateField, models.DateTimeField)):
            dates.validate(value)
    except ValidationError as exc:
        _add(errors, path, exc.messages)
        return None
    except (OverflowError, ValueError) as exc:  # e.g. an offset that cannot reach UTC
        _add(errors, path, [str(exc) or _("Enter a valid date/time.")])
        return None
    return value


def _names(value, path, errors, *, limit, most=None):
    """A list of names (tags, services, authors without an account), each stripped and at most ``limit`` long."""
    if not isinstance(value, list):
        _add(errors, path, [_("Expected a list of items but got type “%(type)s”.") % {"type": type(value).__name__}])
        return []
    if most is not None and len(value) > most:
        _add(errors, path, [_("Ensure this field has no more than %(max)d elements.") % {"max": most}])
    names = []
    for index, raw in enumerate(value):
        name = _text(raw, f"{path}[{index}]", errors)
        if name is not None and len(name) > limit:
            _add(errors, f"{path}[{index}]", [_("Ensure this field has no more than %(max)d characters.") % {"max": limit}])
        elif name:
            names.append(name)
    return names


def _rows(key, model, names, rows, errors):
    if not isinstance(rows, list):
        _add(errors, key, [_("Expected a list of items but got type “%(type)s”.") % {"type": type(rows).__name__}])
        return []
    if len(rows) > MAX_ROWS:
        _add(errors, key, [_("At most %(max)d rows.") % {"max": MAX_ROWS}])
    cleaned = []
    for index, row in enumerate(rows):
        path = f"{key}[{index}]"
        if not isinstance(row, dict):
            _add(errors, path, [_("Expected a dictionary of items but got type “%(type)s”.") % {"type": type(row).__name__}])
            continue
        item = {}
        if row.get("id") is not None:
            if isinstance(row["id"], bool) or not isinstance(row["id"], int) or not 1 <= row["id"] <= MAX_ID:
                _add(errors, f"{path}.id", [_("A valid integer is required.")])
            else:
                item["id"] = row["id"]
        for name in names:
            field = model._meta.get_field(name)
            if name in row:
                item[name] = _value(field, row[name], f"{path}.{name}", errors)
            elif "id" not in item and not field.blank and not field.has_default():  # a new row needs it
                _add(errors, f"{path}.{name}", [_("This field is required.")])
        if key == "factors":
            item["ref"] = _ref(row.get("ref"), f"{path}.ref", errors) or f"#{index}"
            leads_to = row.get("leads_to") or []
            if not isinstance(leads_to, list):
                _add(errors, f"{path}.leads_to", [_("Expected a list of items but got type “%(type)s”.")
                                                  % {"type": type(leads_to).__name__}])
                leads_to = []
            item["leads_to"] = [_ref(ref, f"{path}.leads_to[{i}]", errors) for i, ref in enumerate(leads_to)]
        cleaned.append(item)
    return cleaned


def _ref(value, path, errors):
    if value is None or value == "":
        return None
    ref = _text(value, path, errors)
    if ref is not None and len(ref) > MAX_REF:
        _add(errors, path, [_("Ensure this field has no more than %(max)d characters.") % {"max": MAX_REF}])
    return ref


# --- the rules across fields -------------------------------------------------------------------------


def check_rules(data, errors, *, milestones, child_ids):
    """Add to ``errors`` what breaks a rule across fields; parts whose fields are already wrong are skipped."""
    def clean(prefix):
        return not any(path == prefix or path.startswith((f"{prefix}[", f"{prefix}.")) for path in errors)

    found = {}
    if isinstance(data.get("factors"), list) and clean("factors"):
        _check_factors(data["factors"], found)
    if isinstance(data.get("links"), list) and clean("links"):
        _check_links(data["links"], found)
    if any(name in data for name in Incident.MILESTONES) and all(clean(name) for name in Incident.MILESTONES):
        _check_milestones({name: data.get(name, milestones.get(name)) for name in Incident.MILESTONES}, found)
    for key in CHILDREN:
        if isinstance(data.get(key), list) and clean(key):
            _check_ids(key, data[key], child_ids.get(key, set()), found)
    for path, messages in found.items():
        _add(errors, path, messages)


def _check_factors(factors, errors):
    refs_ = [factor["ref"] for factor in factors]
    duplicates = sorted({ref for ref in refs_ if refs_.count(ref) > 1})
    if duplicates:
        _add(errors, "factors", [_("Duplicate factor refs: %(refs)s.") % {"refs": ", ".join(duplicates)}])
        return
    for factor in factors:
        ref, targets = factor["ref"], factor["leads_to"]
        missing = [target for target in targets if target not in refs_]
        if missing:
            _add(errors, "factors", [_("Factor “%(ref)s” leads to unknown ref(s): %(refs)s.")
                                     % {"ref": ref, "refs": ", ".join(missing)}])
            return
        if ref in targets:
            _add(errors, "factors", [_("Factor “%(ref)s” cannot lead to itself.") % {"ref": ref}])
            return
    cycle = find_cycle({factor["ref"]: factor["leads_to"] for factor in factors})
    if cycle:
        _add(errors, "factors", [_("These causes form a cycle: %(cycle)s. A factor cannot end up causing itself.")
                                 % {"cycle": " → ".join(cycle)}])


def _check_links(links, errors):
    seen = set()
    for index, link in enumerate(links):
        url = link.get("url")
        if not url:
            continue
        if same_link(url) in seen:
            _add(errors, f"links[{index}].url", [_("The link %(url)s is listed twice.") % {"url": url}])
        seen.add(same_link(url))


def _check_milestones(values, errors):
    try:
        Incident(**values).clean()
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            _add(errors, name, messages)


def _check_ids(key, rows, known, errors):
    seen = set()
    for index, row in enumerate(rows):
        pk = row.get("id")
        if pk is None:
            continue
        if pk not in known:
            _add(errors, f"{key}[{index}].id", [_("No row with id %(id)d belongs to this incident.") % {"id": pk}])
        elif pk in seen:
            _add(errors, f"{key}[{index}].id", [_("The id %(id)d is listed twice.") % {"id": pk}])
        seen.add(pk)


def lines(errors):
    """``path: message`` lines, as the importer and the demo loader report them."""
    return [f"{path or 'document'}: {message}" for path, messages in errors.items() for message in messages]
