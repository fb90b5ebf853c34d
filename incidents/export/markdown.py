"""A pack, or one write-up, as Markdown that pastes cleanly. The Markdown is written by the templates
templates/export/pack.md and templates/export/incident.md (with their partials, templates/export/_*.md),
rendered as plain text, with the filters of incidents/templatetags/export_markdown.py: incident text goes in
as the Markdown it is, table cells are kept to one line with pipes escaped, and multi-line list items are
indented under them."""

from django.conf import settings
from django.template.loader import render_to_string


def pack_markdown(pack):
    return render_to_string("export/pack.md", {"pack": pack}).rstrip() + "\n"


def incident_markdown(section, today):
    """One write-up in the order of the SRE postmortem template (as the incident page shows it)."""
    context = {"section": section, "incident": section.incident, "today": today, "time_zone": settings.TIME_ZONE}
    return render_to_string("export/incident.md", context).rstrip() + "\n"
