"""Writing incident types (incidents.models.types) and checking an incident's custom field values against its type.

``save_type`` writes a type with its sections and fields in one transaction, refusing a stale ``version``
(a conditional UPDATE, so two admins cannot both win). A template change never loses data: a field left out of
the list is retired (its values stay on the incidents), a label change keeps the key, and a kind change is refused
while an incident has a value for the field unless ``convert`` is given and the conversion exists
(incidents.text.fields.CONVERSIONS); the values are then converted on every incident of the type.

``incident_fields`` is save_incident's check of a document's ``type`` and ``fields``."""

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils.translation import gettext as _

from incidents.models import CustomField, Incident, IncidentType, Source, record_revision
from incidents.models.types import DEFAULT_SECTIONS, clean_sections, default_type
from incidents.text import fields as fieldtypes

FIELD_ATTRIBUTES = ("label_ja", "label_en", "kind", "choices", "unit", "required", "help_ja", "help_en")
MAX_FIELDS = 100


class TypeConflict(Exception):
    """The type changed since ``version`` was read."""

    def __init__(self, current_version):
        super().__init__(f"The incident type has changed; current version is {current_version}.")
        self.current_version = current_version


class TypeInvalid(Exception):
    """``errors`` is ``{path: [message]}`` with paths such as ``sections``, ``fields[2].kind``."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{path}: {' '.join(messages)}" for path, messages in errors.items()))
        self.errors = errors


def user_exists(username):
    return get_user_model().objects.filter(username=username).exists()


def incidents_with_value(incident_type, key):
    """How many incidents of the type have a value for field ``key``."""
    return Incident.objects.filter(type=incident_type, fields__has_key=key).count()


@transaction.atomic
def save_type(incident_type, data, *, expected_version=None, by=None):
    """Create or update ``incident_type`` from ``data`` (name_ja, name_en, order, sections, and ``fields``: a list of
    dicts with key and FIELD_ATTRIBUTES, optionally ``retired`` and ``convert``). Absent keys are left alone; a
    ``fields`` list present is the whole list (fields left out are retired). Raises TypeConflict or TypeInvalid."""
    errors = {}
    if "sections" in data:
        try:
            data["sections"] = clean_sections(data["sections"])
        except ValueError as exc:
            errors["sections"] = [str(exc)]
    new = incident_type.pk is None
    if not new:
        stored = IncidentType.objects.filter(pk=incident_type.pk).values_list("version", flat=True).first()
        if expected_version is not None and expected_version != stored:
            raise TypeConflict(stored)
    for name in ("key", "name_ja", "name_en", "sections", "order"):
        if name in data and not (name == "key" and not new):
            setattr(incident_type, name, data[name])
    if new:
        incident_type.version = 1
        if not incident_type.sections and "sections" not in data:
            incident_type.sections = [dict(section) for section in DEFAULT_SECTIONS]
        if IncidentType.objects.filter(key=incident_type.key).exists():
            errors["key"] = [_("An incident type with this key exists already.")]
        if errors:
            raise TypeInvalid(errors)
        incident_type.save()
    else:
        if errors:
            raise TypeInvalid(errors)
        version = expected_version if expected_version is not None else incident_type.version
        updated = IncidentType.objects.filter(pk=incident_type.pk, version=version).update(
            name_ja=incident_type.name_ja, name_en=incident_type.name_en, sections=incident_type.sections,
            order=incident_type.order, version=models.F("version") + 1)
        if not updated:
            raise TypeConflict(IncidentType.objects.get(pk=incident_type.pk).version)
        incident_type.refresh_from_db()
    if "fields" in data:
        _write_fields(incident_type, data["fields"], by=by)
    return incident_type


def _write_fields(incident_type, rows, *, by):
    errors = {}
    if not isinstance(rows, list) or len(rows) > MAX_FIELDS:
        raise TypeInvalid({"fields": [_("Must be a list of at most %(count)s fields.") % {"count": MAX_FIELDS}]})
    existing = {field.key: field for field in incident_type.custom_fields.all()}
    seen, conversions = set(), []
    for index, row in enumerate(rows):
        key = row.get("key", "")
        if key in seen:
            errors[f"fields[{index}].key"] = [_("%(key)s is listed twice.") % {"key": key}]
            continue
        seen.add(key)
        field = existing.get(key) or CustomField(incident_type=incident_type, key=key)
        old_kind = field.kind if field.pk else None
        for name in FIELD_ATTRIBUTES:
            if name in row:
                setattr(field, name, row[name])
        field.choices = _clean_choices(field.choices, f"fields[{index}].choices", errors)
        if field.kind in ("choice", "multi_choice") and not field.choices:
            errors[f"fields[{index}].choices"] = [_("A choice field needs at least one choice.")]
        field.order = index
        field.retired = bool(row.get("retired", False))
        if old_kind and old_kind != field.kind:
            count = incidents_with_value(incident_type, key)
            if count and not row.get("convert"):
                errors[f"fields[{index}].kind"] = [_(
                    "%(count)s incidents have a value for %(key)s: changing its kind from %(old)s to %(new)s needs "
                    "a conversion (convert; possible: text→choice, text→markdown, number→text, choice→text, "
                    "choice→multi_choice).") % {"count": count, "key": key, "old": old_kind, "new": field.kind}]
                continue
            if count and (old_kind, field.kind) not in fieldtypes.CONVERSIONS:
                errors[f"fields[{index}].kind"] = [_("A %(old)s field cannot be converted to %(new)s.") % {"old": old_kind, "new": field.kind}]
                continue
            if count:
                conversions.append((field, old_kind, index))
        try:
            field.full_clean(exclude=["incident_type"], validate_unique=False, validate_constraints=False)
        except Exception as exc:  # ValidationError: its messages by field name
            for name, messages in getattr(exc, "message_dict", {"key": [str(exc)]}).items():
                errors[f"fields[{index}].{name}"] = [str(message) for message in messages]
            continue
        existing[key] = field
    if errors:
        raise TypeInvalid(errors)
    for field, old_kind, index in conversions:
        _convert_values(incident_type, field, old_kind, index, by=by)
    for key, field in existing.items():
        if key not in seen:
            field.retired = True
        field.save()


def _clean_choices(choices, path, errors):
    if not isinstance(choices, list) or not all(isinstance(choice, str) for choice in choices) or len(choices) > 200:
        errors[path] = [_("Must be a list of at most 200 texts.")]
        return []
    cleaned = list(dict.fromkeys(choice.strip() for choice in choices if choice.strip()))
    if any(len(choice) > 200 for choice in cleaned):
        errors[path] = [_("A choice may have at most 200 characters.")]
    return cleaned


def _convert_values(incident_type, field, old_kind, index, *, by):
    """Convert every stored value of ``field`` to its new kind, or TypeInvalid naming the incidents whose value
    does not fit (nothing is changed then: the transaction rolls back)."""
    bad = []
    incidents = list(Incident.objects.select_for_update().filter(type=incident_type, fields__has_key=field.key))
    for incident in incidents:
        try:
            incident.fields[field.key] = fieldtypes.convert(old_kind, field.kind, incident.fields[field.key],
                                                            choices=field.choices)
        except fieldtypes.FieldError as exc:
            bad.append(f"{incident.reference}: {exc}")
    if bad:
        raise TypeInvalid({f"fields[{index}].kind": [_("Some values do not convert: %(problems)s") % {"problems": "; ".join(bad[:10])}]})
    for incident in incidents:
        incident.save(update_fields=["fields", "version", "updated_at"])
        record_revision(incident, user=by, source=Source.ADMIN)


def incident_fields(incident, data):
    """``data``'s ``type`` (an IncidentType, or its key) and ``fields`` checked against the type: the values to
    store as ``{"type": …, "fields": …}``, and errors by path (``type``, ``fields.region``)."""
    stored_type = incident.type if incident.type_id else None
    new_type = data.get("type", stored_type)
    if isinstance(new_type, str):
        new_type = IncidentType.objects.filter(key=new_type).first()
        if new_type is None:
            return {}, {"type": [_("No incident type with this key.")]}
    if new_type is None:
        new_type = IncidentType.objects.get(pk=default_type())
    given = data.get("fields", {})
    if not isinstance(given, dict):
        return {}, {"fields": [_("Must be an object of field key → value.")]}
    values, errors = fieldtypes.check(new_type.custom_fields.all(), given, stored=incident.fields or {},
                                      user_exists=user_exists)
    return {"type": new_type, "fields": values}, {f"fields.{key}": messages for key, messages in errors.items()}
