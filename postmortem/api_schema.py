"""drf-spectacular's settings (settings.SPECTACULAR_SETTINGS): the OpenAPI document at /api/v1/schema/."""

SPECTACULAR_SETTINGS = {
    "TITLE": "Postmortem API",
    "DESCRIPTION": "Incident postmortems: write-ups, causal factors, action items, GitHub links and search.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PATH_CONVERTER_OVERRIDES": {"incident": int},  # INC-11 is accepted too; the schema names the id
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Incidents, action items and meetings' selections all have a "status": one name per choice set.
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "incidents.models.Status",
        "ActionItemStatusEnum": "incidents.models.ActionItem.Status",
    },
}
