"""Saving an incident document: its fields and children in one transaction, refusing a stale version,
then the GitHub references it names are refreshed (after commit, through incidents.jobs)."""

from django.db import transaction

from incidents.models import (
    ActionItem,
    ExternalLink,
    Incident,
    Lesson,
    Service,
    Source,
    Tag,
    TimelineEvent,
    record_revision,
)

from . import audit, workflow
from .types import incident_fields
from .children import write_factors, write_rows
from .document import DocumentInvalid, validate
from .github.poll import queue_github_sync

SCALAR_FIELDS = (
    "title", "summary", "impact", "analysis", "resolution", "severity", "status", "postmortem_date", "author_names",
    "started_at", "detected_at", "mitigated_at", "resolved_at", "visibility", "type", "fields",
    "extra",
)
SIMPLE_CHILDREN = {"timeline": TimelineEvent, "lessons": Lesson, "action_items": ActionItem, "links": ExternalLink}


class VersionConflict(Exception):
    """The write was based on an older version of the incident."""

    def __init__(self, current_version):
        super().__init__(f"The incident has changed since version was read; current version is {current_version}.")
        self.current_version = current_version


@transaction.atomic
def save_incident(incident, data, *, expected_version=None, sync_github=True, user=None, source=Source.API,
                  review_gate=True):
    """Create or update ``incident`` from validated document ``data``.

    Scalar fields present in ``data`` are set; each child list present becomes the incident's list, its rows
    kept by id (incidents.actions.children); absent keys are left alone. The document is checked by
    incidents.actions.document (DocumentInvalid, with errors by field path) once the incident is locked.
    With ``expected_version``, a stale write raises VersionConflict and changes nothing.
    A status change is checked by the workflow for ``user`` with the incident locked (workflow.Refused);
    ``review_gate=False`` is for the demo loader and imports told which status to use (the review gate's
    conditions are left out, not the workflow's steps).
    Every save adds a revision to the incident's history, written by ``user`` (None: an automatic change)
    through ``source``; a change of visibility or members (whichever writer asks for it: the API, the edit
    page, a restore, an import) is also an entry in the audit log.
    """
    if incident.pk is not None:
        locked = Incident.objects.select_for_update().only("version", "status").get(pk=incident.pk)
        current = locked.version
        if expected_version is not None and expected_version != current:
            raise VersionConflict(current)
        incident.version = current
        incident.status = locked.status  # changed only through the workflow, judged from the stored status
    access_before = audit.access_of(incident)  # as stored (a form may have set the new values on ``incident``)
    typed, field_errors = incident_fields(incident, data) if "type" in data or "fields" in data else ({}, {})
    try:
        data = validate(data, current=incident)
    except DocumentInvalid as invalid:
        raise DocumentInvalid(invalid.errors | field_errors) from None
    if field_errors:
        raise DocumentInvalid(field_errors)
    data |= typed
    before = incident.status if incident.pk is not None else None
    asked_before = set(incident.reviewers.values_list("pk", flat=True)) if incident.pk else set()
    if "status" in data and data["status"] != incident.status:
        workflow.check(incident, data["status"], by=user, reviewers=data.get("reviewers"), authors=data.get("authors"),
                       gate=review_gate)
    for field in SCALAR_FIELDS:
        if field in data:
            setattr(incident, field, data[field])
    incident.save()

    if "tags" in data:
        incident.tags.set(Tag.objects.resolve(data["tags"]))
    if "services" in data:
        incident.services.set(Service.objects.resolve(data["services"]))
    if "authors" in data:
        incident.authors.set(data["authors"])
    if "reviewers" in data:
        incident.reviewers.set(data["reviewers"])
    if "members" in data:
        incident.members.set(data["members"])
    for key, model in SIMPLE_CHILDREN.items():
        if key in data:
            write_rows(incident, model, data[key])
    if "factors" in data:
        write_factors(incident, data["factors"])
    record_revision(incident, user=user, source=source)
    audit.access_changed(user, incident, access_before)

    if sync_github:
        queue_github_sync(incident.github_references().filter(synced_at__isnull=True))
    workflow.announce(incident, before=before, by=user, asked_before=asked_before, reviewers_named="reviewers" in data)
    return incident
