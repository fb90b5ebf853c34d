"""A pack, or one write-up, as Markdown that pastes cleanly. The Markdown is written by the templates
templates/export/pack.md and templates/export/incident.md (with their partials, templates/export/_*.md),
rendered as plain text, with the filters of incidents/templatetags/export_markdown.py: incident text goes in
as the Markdown it is, table cells are kept to one line with pipes escaped, and multi-line list items are
indented under them.

A write-up starts with YAML front matter holding its structured fields (severity, status, times, timeline,
factors and their causes, lessons, action items, links, tags, services, authors, its uuid, its ``type``, its
custom ``fields`` in the type's order, the values of retired fields under ``retired_fields``, what an import
kept as ``extra``), so that ``manage.py import_postmortems`` reads the file back into the same document
(incidents.imports); the prose fields are the body's sections, read back as written. The body's sections follow
the type's template (order and headings, in the export's language: incidents.models.sections); ``headings``
in the front matter says which heading is which section, so the importer finds renamed sections."""

import yaml
from django.template.loader import render_to_string
from django.utils import timezone

from incidents.models.sections import page_sections

FRONT_MATTER_VERSION = 1
FRONT_MATTER_NOTE = (
    "# Postmortem export: import_postmortems reads this file back. The fields below are the structured ones;\n"
    "# Summary, Impact, Analysis and Resolution are read from the sections under them, as written.\n"
)


def pack_markdown(pack):
    return render_to_string("export/pack.md", {"pack": pack}).rstrip() + "\n"


def incident_markdown(section, today, attachments=None):
    """One write-up, its sections in its type's order, times in the current time zone. A zip bundle
    lists its ``attachments`` in the front matter (export.bundle.listed); the Markdown alone does not."""
    incident = section.incident
    context = {"section": section, "incident": incident, "today": today,
               "time_zone": timezone.get_current_timezone_name()}
    body = render_to_string("export/incident.md", context).rstrip() + "\n"
    return f"---\n{FRONT_MATTER_NOTE}{front_matter(incident, attachments)}---\n\n{body}"


def custom_fields(incident):
    """(fields, retired_fields): the incident's custom field values, key → canonical value; the type's active
    fields in its order, then retired fields and keys the type does not define (as stored)."""
    values = incident.fields or {}
    definitions = list(incident.type.custom_fields.all()) if incident.type_id else []
    active = {field.key: values[field.key] for field in definitions if not field.retired and field.key in values}
    retired = {key: value for key, value in values.items() if key not in active}
    return active, retired


class _Dumper(yaml.SafeDumper):
    """Multi-line text as YAML literal blocks (``|``), readable and editable as written."""


_Dumper.add_representer(str, lambda dumper, text: dumper.represent_scalar(
    "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


def _when(value):
    return timezone.localtime(value).isoformat() if value else None


def front_matter(incident, attachments=None):
    """The structured fields as YAML (times with their offset in the current time zone); a bundle's
    ``attachments`` (``[{"file", "name", "alt"}]``) last."""
    active, retired = custom_fields(incident)
    factor_refs = {factor.pk: f"F{number}" for number, factor in enumerate(incident.factors.all(), start=1)}
    fields = {
        "postmortem": FRONT_MATTER_VERSION,
        "uuid": str(incident.uid),
        "reference": incident.reference,
        "time_zone": timezone.get_current_timezone_name(),
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status,
        "postmortem_date": incident.postmortem_date.isoformat() if incident.postmortem_date else None,
        "visibility": incident.visibility,
        "members": [user.get_username() for user in incident.members.all()],
        "authors": [*(user.get_username() for user in incident.authors.all()), *incident.author_names],
        "services": [service.name for service in incident.services.all()],
        "tags": [tag.name for tag in incident.tags.all()],
        "type": incident.type.key if incident.type_id else None,
        "fields": active,
        **{name: _when(getattr(incident, name)) for name in incident.MILESTONES},
        "timeline": [{"occurred_at": _when(event.occurred_at), "kind": event.kind, "source": event.source,
                      "description": event.description} for event in incident.timeline.all()],
        "factors": [{"ref": factor_refs[factor.pk], "category": factor.category, "description": factor.description,
                     "leads_to": [factor_refs[effect.pk] for effect in factor.leads_to.all()]}
                    for factor in incident.factors.all()],
        "lessons": [{"kind": lesson.kind, "text": lesson.text} for lesson in incident.lessons.all()],
        "action_items": [{"title": item.title, "kind": item.kind, "status": item.status, "owner": item.owner,
                          "due_date": item.due_date.isoformat() if item.due_date else None, "url": item.url,
                          "tracker": item.tracker} for item in incident.action_items.all()],
        "links": [{"url": link.url, "relation": link.relation, "title": link.title} for link in incident.links.all()],
    }
    if retired:
        fields["retired_fields"] = retired
    if incident.extra:
        fields["extra"] = incident.extra
    fields["headings"] = {key: str(heading) for key, heading, _prompt, _items in page_sections(incident)}
    if attachments:
        fields["attachments"] = attachments
    return yaml.dump(fields, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
