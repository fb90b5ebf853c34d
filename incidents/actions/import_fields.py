"""An imported write-up's incident type, custom field values and extra front-matter keys (read from the front
matter by incidents.imports.custom), matched with the incident types here. Nothing here fails a file: what
does not fit is a warning, and the rest is imported.

* ``type``: the type's key. An unknown key is a warning naming it, and the write-up keeps the type it has (a
  new one gets the default type).
* ``fields`` and top-level keys that are a field key of the type fill the fields. Each value is checked by its
  field's kind (incidents.text.fields.check): a value that does not fit is a warning naming the field and the
  value, and that value is kept out. A required field still without a value fails the file, as it fails any
  other write (``fields.<key>: This field is required.``).
* ``retired_fields``: values of fields the type has retired (or does not define). A new incident stores them
  as they are; an incident that has a different value keeps its own (a warning says so).
* ``extra`` and any other unknown top-level key are kept in ``Incident.extra`` (shown as "Extra (from
  import)" and written back by the export); a file stating none leaves the stored ones alone."""

from django.utils.translation import gettext as _

from incidents.models import IncidentType
from incidents.models.types import default_type
from incidents.text import fields as fieldtypes

from .types import user_exists


def typed(data, existing, *, notes, name):
    """Replace the parser's ``type``, ``fields``, ``retired_fields``, ``unmatched`` and ``extra`` in ``data``
    with what save_incident takes (``type``: an IncidentType, ``fields``: the values that pass, ``extra``), noting
    warnings in ``notes``. Returns the retired values a new incident starts with (its stored ``fields``)."""
    stated = data.pop("type", None)
    given = dict(data.pop("fields", None) or {})
    retired = data.pop("retired_fields", None) or {}
    unmatched = data.pop("unmatched", None) or {}
    extra = dict(data.pop("extra", None) or {})
    incident_type = existing.type if existing is not None else None
    if stated is not None:
        found = IncidentType.objects.filter(key=stated).first()
        if found is None:
            kept = incident_type or IncidentType.objects.get(pk=default_type())
            notes.append(f"{name}: " + _("no incident type with the key “%(key)s”: the write-up is of type "
                                         "“%(type)s”") % {"key": stated, "type": kept.name})
        incident_type = found or incident_type
    incident_type = incident_type or IncidentType.objects.get(pk=default_type())
    definitions = {field.key: field for field in incident_type.custom_fields.all()}
    active = {key for key, field in definitions.items() if not field.retired}
    for key, value in unmatched.items():
        if key in active and key not in given:
            given[key] = value
        else:
            extra[key] = value
            notes.append(f"{name}: " + _("front-matter key “%(key)s” is not a field of this incident type: kept "
                                         "as extra") % {"key": key})
    stored = dict(existing.fields or {}) if existing is not None else {}
    seed = {}
    for key, value in retired.items():
        if key in active:
            given.setdefault(key, value)
        elif existing is None:
            seed[key] = value
        elif not fieldtypes.same(stored.get(key), value):
            notes.append(f"{name}: " + _("retired field “%(key)s”: the stored value is kept, not %(value)s")
                         % {"key": key, "value": _shown(value)})
    errors = fieldtypes.check(definitions.values(), given, stored=stored or seed, user_exists=user_exists)[1]
    for key, messages in errors.items():
        if key in given:
            value = given.pop(key)
            label = definitions[key].label if key in definitions else key
            notes.append(f"{name}: " + _("field “%(label)s” (%(key)s): %(value)s not used: %(reason)s")
                         % {"label": label, "key": key, "value": _shown(value), "reason": " ".join(messages)})
    data["type"], data["fields"] = incident_type, given
    if extra:
        data["extra"] = {**(existing.extra if existing is not None else {}), **extra}
    return seed


def _shown(value):
    return repr(value) if isinstance(value, str) else str(value)
