"""Helpers for the importer's tests: write-ups to upload (one in the SRE template's shape, a zip of a good and a
broken one), and write-ups exported to files, imported back, and compared."""

import io
import zipfile
from zoneinfo import ZoneInfo

from incidents.api.serializers import IncidentSerializer
from incidents.export import export_incident
from incidents.imports.files import Source
from incidents.actions.imports import import_sources
from incidents.models import Incident

VOLATILE = ("id", "reference", "url", "version", "created_at", "updated_at", "reviews")
UTC = ZoneInfo("UTC")

SRE = """# Postmortem: DNS resolver outage

Date: 2024-03-05
Severity: SEV2
{status}
## Summary

Internal DNS resolvers stopped answering for 25 minutes.

## Impact

API requests failed.

## Timeline

- 2024-03-05 10:00 UTC resolvers stop answering
- 2024-03-05 10:25 UTC service restored

## Action Items

| Action | Type | Owner |
|---|---|---|
| Add resolver alerting | detect | sre |
"""

GOOD = """---
title: Cache stampede after deploy
severity: sev3
---
# Summary

The cache was emptied by a deploy and the database was overloaded.
"""

BROKEN = """---
title: Broken front matter
severity: [sev2
---
# Summary
"""


def sre(status=""):
    return SRE.format(status=f"Status: {status}\n" if status else "").encode()


def zipped(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def two_files():
    """A zip of a good write-up and one whose front matter is broken."""
    return zipped({"good.md": GOOD, "broken.md": BROKEN})


def exported(incidents, user, time_zone=None):
    """{uuid: the write-up's bytes} for each incident, as the export writes it."""
    return {str(incident.uid): export_incident(incident, user, "md", time_zone=time_zone).content
            for incident in incidents}


def import_files(files, **options):
    """Import {name: bytes} (in name order) as the command and the upload do; the ImportReport."""
    return import_sources([Source(f"{name}.md", data) for name, data in sorted(files.items())], **options)


def with_reference(data, old, new):
    """An export's bytes with the incident's reference (its database id, in the front matter and the title
    line) changed from ``old`` to ``new``: a write-up imported into an empty database gets a new id."""
    text = data.decode()
    assert text.count(f"\nreference: {old}\n") == 1 and text.count(f"\n# {old} ") == 1, old
    return text.replace(f"\nreference: {old}\n", f"\nreference: {new}\n").replace(f"\n# {old} ", f"\n# {new} ").encode()


def document(incident):
    """The API document of an incident without what a save or an id decides (ids, the rows' too, version, times
    of writing; factors, whose refs are their ids, are named by their position)."""
    data = dict(IncidentSerializer(Incident.objects.for_document().get(pk=incident.pk)).data)
    for key in VOLATILE:
        data.pop(key, None)
    for key in ("timeline", "factors", "lessons", "action_items", "links"):
        data[key] = [{name: value for name, value in row.items() if name != "id"} for row in data[key]]
    position = {factor["ref"]: f"F{number}" for number, factor in enumerate(data["factors"], start=1)}
    data["factors"] = [{**factor, "ref": position[factor["ref"]], "leads_to": [position[ref] for ref in factor["leads_to"]]}
                       for factor in data["factors"]]
    return data


def reimported(incidents, user, time_zone=None):
    """Export ``incidents``, delete them, import the files into the emptied database: {uuid: (first export,
    the imported incident)}."""
    files = exported(incidents, user, time_zone=time_zone)
    Incident.objects.filter(pk__in=[incident.pk for incident in incidents]).delete()
    report = import_files(files)
    assert report.counts == {"imported": len(files), "updated": 0, "unchanged": 0, "failed": 0}, report.as_dict()
    return {uid: (data, Incident.objects.get(uid=uid)) for uid, data in files.items()}
