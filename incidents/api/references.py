"""Incidents named in API paths as the pages name them: ``/api/v1/incidents/INC-11/`` and ``…/11/`` are the
same incident (the prefix in any case). The schema keeps the path parameter an integer, the id."""

import re

INCIDENT_ID_REGEX = r"(?:[Ii][Nn][Cc]-)?[0-9]+"
_PREFIX = re.compile(r"^inc-", re.IGNORECASE)


def incident_number(value):
    """``"INC-11"``, ``"inc-11"`` or ``"11"`` → ``"11"`` (other values are left for the lookup to refuse)."""
    return _PREFIX.sub("", str(value))


class IncidentConverter:
    """Path converter ``<incident:pk>``: an incident id with or without its ``INC-`` prefix, as an int."""

    regex = INCIDENT_ID_REGEX

    def to_python(self, value):
        return int(incident_number(value))

    def to_url(self, value):
        return str(value)
