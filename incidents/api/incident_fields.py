"""The incident document's ``type`` and ``fields``: the incident type by key, and the custom field values by
field key. Values are checked per field kind below the API (incidents.actions.types.incident_fields), whose
errors come back as ``{"fields": {"region": ["…"]}}``."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.models import IncidentType

VALUE_SCHEMA = {"nullable": True, "description": "null (in a write) unsets the field.", "oneOf": [
    {"type": "string", "description": "text, markdown, choice, url, user (a user name), date (YYYY-MM-DD) or "
                                      "datetime (ISO 8601; answered in UTC, …Z)"},
    {"type": "number", "description": "number"},
    {"type": "array", "items": {"type": "string"}, "description": "multi_choice (answered sorted)"},
]}


@extend_schema_field({"type": "string", "description": (
    "The incident type's key (GET /api/v1/incident-types/). Left out of a new incident: the default type.")})
class TypeField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="key", queryset=IncidentType.objects.all(), **kwargs)


@extend_schema_field({"type": "object", "additionalProperties": VALUE_SCHEMA, "description": (
    "Custom field values by field key, as the incident type defines them. A write sets the keys it names "
    "(null unsets one) and keeps the others; an unknown key, a retired field's changed value, a value of the "
    "wrong kind or a required field left empty is a 400 naming the field. Retired fields' values are kept and "
    "answered too.")})
class FieldValuesField(serializers.Field):
    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError("Must be an object of field key → value.")
        if len(data) > 200:
            raise serializers.ValidationError("At most 200 fields.")
        return data

    def to_representation(self, value):
        return dict(value or {})
