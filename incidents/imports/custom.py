"""Front-matter keys for incident types and custom fields (no database: the action matches them to the type).

* ``type``: the incident type's key;
* ``fields``: a mapping of field key → value (this application's export writes the type's active fields here);
* ``retired_fields``: values of fields the type has retired (or does not define), kept as they were;
* ``extra``: front-matter keys an earlier import kept that were neither document keys nor fields;
* any other key the reader does not know is ``unmatched``: the action makes it a field value when the type has a
  field of that key, else keeps it as extra.

Values are made JSON-safe for keeping (a YAML date becomes ``YYYY-MM-DD``, a time ISO 8601); a field's value is
then checked by its kind (incidents.text.fields), where those forms read back as the same value."""

import datetime

from django.utils.translation import gettext as _

MAPPINGS = ("fields", "retired_fields", "extra")
KEYS = ("type", *MAPPINGS)


def plain(value):
    """A YAML value as JSON: dates and times as ISO 8601 text, mappings' keys as text."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def read(split, key, value, document, warnings):
    """Put ``type`` or one of MAPPINGS into ``document``; a value of the wrong shape is a warning, left out."""
    if key == "type":
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            document["type"] = str(value).strip()
        elif value not in (None, ""):
            warnings.append((split.line(key), _("'type' must be an incident type's key: ignored.")))
        return
    if isinstance(value, dict):
        document[key] = plain(value)
    elif value not in (None, "", {}):
        warnings.append((split.line(key), _("'%(key)s' must be a mapping of field key to value: ignored.") % {"key": key}))


def unmatched(document, key, value):
    """Keep a front-matter key the reader does not know, for the action to match with the type's fields."""
    document.setdefault("unmatched", {})[key] = plain(value)
