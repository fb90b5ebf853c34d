"""Incidents for a rebuild of the index, read as plain rows: ``documents.document_for`` reads them as it reads
an incident fetched with ``Incident.objects.for_document()``, with the same values in the same order.

The prefetching queryset builds a model instance for every related row and a related manager per incident and
relation, which made reading the database most of a rebuild's time; these are one ``values_list`` query per
relation and batch, and small objects with the attributes ``document_for`` reads (tests/search/test_rows.py
checks that both give the same documents).
"""

from ..models import (
    REFERENCE_PREFIX, ActionItem, Attachment, Comment, ContributingFactor, CustomField, ExternalLink, Incident, Lesson,
    TimelineEvent,
)


INCIDENT_COLUMNS = ("pk", "title", "summary", "impact", "analysis", "resolution", "fields", "type_id", "severity",
                    "status", "visibility", "started_at", "version", "updated_at")


class Many(tuple):
    """Related rows, read as a prefetched manager is: ``.all()``."""

    def all(self):
        return self


class Row:
    """One row with the given attributes."""

    def __init__(self, **values):
        self.__dict__.update(values)


class Reference:
    """A GitHub reference as document_for reads it; equal (and hashed) by id, as the model instance is."""

    __slots__ = ("pk", "short", "title")

    def __init__(self, pk, owner, repo, number, title):
        self.pk, self.short, self.title = pk, f"{owner}/{repo}#{number}", title

    def __eq__(self, other):
        return isinstance(other, Reference) and other.pk == self.pk

    def __hash__(self):
        return hash(self.pk)


def _grouped(rows, make):
    """{incident id: [make(*rest)]} of rows (incident id, *rest), in the order read."""
    found = {}
    for incident, *rest in rows:
        found.setdefault(incident, []).append(make(*rest))
    return found


def _github(pk, owner, repo, number, title):
    return Reference(pk, owner, repo, number, title) if pk is not None else None


GITHUB = ("github_id", "github__owner", "github__repo", "github__number", "github__title")


def incidents(after=0, limit=500):
    """Up to ``limit`` incidents with an id above ``after``, by id, as rows ``document_for`` reads."""
    heads = list(Incident.objects.filter(pk__gt=after).order_by("pk").values_list(*INCIDENT_COLUMNS)[:limit])
    if not heads:
        return []
    # Every incident with an id in (after, last] is in the batch: a range, not a list of 500 ids to send.
    mine = {"incident_id__gt": after, "incident_id__lte": heads[-1][0]}

    def related(model, *columns, order=None):
        rows = model.objects.filter(**mine).values_list("incident_id", *columns)
        return rows.order_by(*order) if order else rows

    def labels(field):
        through = getattr(Incident, field).through
        name = f"{field[:-1]}__name"  # tags -> tag__name
        return _grouped(through.objects.filter(**mine).order_by(name).values_list("incident_id", name),
                        lambda value: Row(name=value))

    def people(field):
        through = getattr(Incident, field).through
        return _grouped(through.objects.filter(**mine).values_list("incident_id", "user_id"), lambda pk: Row(pk=pk))

    tags, services = labels("tags"), labels("services")
    authors, reviewers, members = people("authors"), people("reviewers"), people("members")
    timeline = _grouped(related(TimelineEvent, "description", "source"),
                        lambda description, source: Row(description=description, source=source))
    factors = _grouped(related(ContributingFactor, "category", "description"),
                       lambda category, description: Row(category=category, description=description))
    lessons = _grouped(related(Lesson, "text"), lambda text: Row(text=text))
    comments = _grouped(related(Comment, "body"), lambda body: Row(body=body))
    attachments = _grouped(related(Attachment, "name", "alt", "text"),
                           lambda name, alt, text: Row(name=name, alt=alt, text=text))
    items = _grouped(related(ActionItem, "title", "owner", *GITHUB),
                     lambda title, owner, *github: Row(title=title, owner=owner, github=_github(*github)))
    links = _grouped(related(ExternalLink, "title", "url", *GITHUB),
                     lambda title, url, *github: Row(title=title, url=url, github=_github(*github)))
    types = {head[7] for head in heads if head[7] is not None}
    fields = _grouped(CustomField.objects.filter(incident_type_id__in=types).values_list("incident_type_id", "key", "kind"),
                      lambda key, kind: Row(key=key, kind=kind))
    kinds = {pk: Row(custom_fields=Many(found)) for pk, found in fields.items()}
    found = []
    for pk, title, summary, impact, analysis, resolution, values, type_id, severity, status, visibility, \
            started_at, version, updated_at in heads:
        found.append(Row(
            pk=pk, reference=f"{REFERENCE_PREFIX}{pk}", title=title, summary=summary, impact=impact, analysis=analysis,
            resolution=resolution, fields=values, type_id=type_id,
            type=kinds.get(type_id, Row(custom_fields=Many())) if type_id is not None else None,
            severity=severity, status=status, visibility=visibility, started_at=started_at, version=version,
            updated_at=updated_at, tags=Many(tags.get(pk, ())), services=Many(services.get(pk, ())),
            authors=Many(authors.get(pk, ())), reviewers=Many(reviewers.get(pk, ())), members=Many(members.get(pk, ())),
            timeline=Many(timeline.get(pk, ())), factors=Many(factors.get(pk, ())), lessons=Many(lessons.get(pk, ())),
            comments=Many(comments.get(pk, ())), attachments=Many(attachments.get(pk, ())),
            action_items=Many(items.get(pk, ())), links=Many(links.get(pk, ()))))
    return found
