"""What the index holds for one incident, built from the database (no Whoosh here)."""

import datetime
import hashlib
import json

from ..models import Incident


def _join(*parts):
    return "\n".join(part for part in parts if part)


def document_for(incident):
    """The index document of an incident fetched with ``Incident.objects.for_document()``."""
    references = {link.github for link in incident.links.all() if link.github}
    references |= {item.github for item in incident.action_items.all() if item.github}
    github = sorted({ref.short for ref in references}, key=str.lower)
    tags = [tag.name for tag in incident.tags.all()]
    services = [service.name for service in incident.services.all()]
    categories = sorted({factor.category for factor in incident.factors.all()})
    body = _join(
        incident.impact,
        incident.analysis,
        incident.resolution,
        *(_join(event.description, event.source) for event in incident.timeline.all()),
        *(factor.description for factor in incident.factors.all()),
        *(lesson.text for lesson in incident.lessons.all()),
        *(_join(item.title, item.owner) for item in incident.action_items.all()),
        *(_join(link.title, link.url) for link in incident.links.all()),
        *(ref.title for ref in references if ref.title),
    )
    document = {
        "id": str(incident.pk),
        "reference": incident.reference,
        "title": incident.title,
        "summary": incident.summary,
        "body": body,
        "labels": " ".join([incident.reference, *tags, *services, *categories, *github]),
        "tags": tags,
        "services": services,
        "categories": categories,
        "github": github,
        "severity": incident.severity,
        "status": incident.status,
        "authors": sorted(str(author.pk) for author in incident.authors.all()),
        "started": incident.started_at.astimezone(datetime.UTC).replace(tzinfo=None) if incident.started_at else None,
        "year": incident.started_at.year if incident.started_at else None,
    }
    document["digest"] = digest(document)
    return document


def digest(document):
    """A fingerprint of the document, stored with it, to tell a stale index entry."""
    payload = json.dumps({k: v for k, v in document.items() if k != "digest"}, default=str, sort_keys=True)
    return hashlib.sha1(payload.encode()).hexdigest()


def incidents_for_index():
    return Incident.objects.for_document().prefetch_related("authors").order_by("pk")

