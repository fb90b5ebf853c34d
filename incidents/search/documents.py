"""What the index holds for one incident, built from the database (no Whoosh here).

The Markdown fields (summary, impact, analysis, resolution, timeline and factor descriptions, lessons,
comments) are stored and analysed as plain text (``text.markdown.plain_text``), so search snippets show no
``**``, ``#`` or ``[…](…)``. Code keeps its text, so identifiers in it stay searchable; the URLs of inline links, which
plain text leaves out, are added at the end of the body, as the incident's own links are. Attachments add their
names, alt texts and, for a text file (a log), its content (``Attachment.text``), so a word only in a screenshot's
alt text or a log file finds the incident.
"""

import datetime
import hashlib
import json

from ..models import Incident

# What a generation holds for a document and how its text is analysed. Bump it when either changes (the
# fields, plain text, identifier forms, word analysis): a generation of another format is rebuilt by the
# follower's repair check, as a damaged one is. 2: plain-text Markdown, identifier forms (#14). 3: comments
# in the body (#16). 4: each document's ``stamp`` (its incident's version and last save), for the reconcile.
# 5: ``visibility`` and ``readers`` (members, authors, reviewers of a restricted incident), for the mask (#27).
# 6: attachments' names, alt texts and text in the body (#28). 7: custom fields: text in the body, ``fields`` (#32).
FORMAT = 7
from ..text import fieldsearch
from ..text.markdown import link_urls, plain_text


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
    events = incident.timeline.all()
    lessons = incident.lessons.all()
    comments = incident.comments.all()
    markdown = [incident.summary, incident.impact, incident.analysis, incident.resolution,
                *(event.description for event in events), *(factor.description for factor in incident.factors.all()),
                *(lesson.text for lesson in lessons),
                *(comment.body for comment in comments)]
    link_targets = {link.url for link in incident.links.all()}
    inline_urls = [url for source in markdown for url in link_urls(source)  # attachment:N is no text to find
                   if url not in link_targets and not url.startswith("attachment:")]
    kinds = {field.key: field.kind for field in incident.type.custom_fields.all()} if incident.type_id else {}
    body = _join(
        *fieldsearch.body_texts(kinds, incident.fields, plain_text),
        plain_text(incident.impact),
        plain_text(incident.analysis),
        plain_text(incident.resolution),
        *(_join(plain_text(event.description), event.source) for event in events),
        *(plain_text(factor.description) for factor in incident.factors.all()),
        *(plain_text(lesson.text) for lesson in lessons),
        *(_join(item.title, item.owner) for item in incident.action_items.all()),
        *(_join(link.title, link.url) for link in incident.links.all()),
        *(ref.title for ref in references if ref.title),
        *(plain_text(comment.body) for comment in comments),
        *(_join(attachment.name, attachment.alt, attachment.text) for attachment in incident.attachments.all()),
        "\n".join(dict.fromkeys(inline_urls)),
    )
    document = {
        "id": str(incident.pk),
        "reference": incident.reference,
        "title": incident.title,
        "summary": plain_text(incident.summary),
        "body": body,
        "labels": " ".join([incident.reference, *tags, *services, *categories, *github]),
        "tags": tags,
        "services": services,
        "categories": categories,
        "github": github,
        "fields": fieldsearch.index_terms(kinds, incident.fields),
        "severity": incident.severity,
        "status": incident.status,
        "authors": sorted(str(author.pk) for author in incident.authors.all()),
        "visibility": incident.visibility,
        "readers": sorted({str(user.pk) for user in [*incident.members.all(), *incident.authors.all(),
                                                       *incident.reviewers.all()]}),
        "started": incident.started_at.astimezone(datetime.UTC).replace(tzinfo=None) if incident.started_at else None,
        "year": incident.started_at.year if incident.started_at else None,
        "stamp": stamp(incident.version, incident.updated_at),
    }
    document["digest"] = digest(document)
    return document


def stamp(version, updated_at):
    """Which version of its incident a document was built from (compared by search.reconcile)."""
    return f"{version}@{updated_at.isoformat() if updated_at else ''}"


def digest(document):
    """A fingerprint of the document, stored with it, to tell a stale index entry."""
    payload = json.dumps({k: v for k, v in document.items() if k != "digest"}, default=str, sort_keys=True)
    return hashlib.sha1(payload.encode()).hexdigest()


def incidents_for_index():
    return Incident.objects.for_document().prefetch_related("authors", "comments", "members", "attachments").order_by("pk")

