"""Saving an incident document: its fields and children in one transaction, refusing a stale version,
then the GitHub references it names are refreshed (after commit, through incidents.jobs)."""

from django.db import transaction

from incidents.github import refs
from incidents.models import (
    ActionItem,
    ContributingFactor,
    ExternalLink,
    Incident,
    Lesson,
    Service,
    Source,
    Tag,
    TimelineEvent,
    record_revision,
)

from . import workflow
from .github.poll import queue_github_sync

SCALAR_FIELDS = (
    "title", "summary", "impact", "analysis", "resolution", "severity", "status", "postmortem_date", "author_names",
    "started_at", "detected_at", "mitigated_at", "resolved_at",
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

    Scalar fields present in ``data`` are set; each child list present replaces the stored one; absent
    keys are left alone. With ``expected_version``, a stale write raises VersionConflict and changes nothing.
    A status change is checked by the workflow for ``user`` with the incident locked (workflow.Refused);
    ``review_gate=False`` is for the demo loader and imports told which status to use (the review gate's
    conditions are left out, not the workflow's steps).
    Every save adds a revision to the incident's history, written by ``user`` (None: an automatic change)
    through ``source``.
    """
    if incident.pk is not None:
        locked = Incident.objects.select_for_update().only("version", "status").get(pk=incident.pk)
        current = locked.version
        if expected_version is not None and expected_version != current:
            raise VersionConflict(current)
        incident.version = current
        incident.status = locked.status  # changed only through the workflow, judged from the stored status
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
    for key, model in SIMPLE_CHILDREN.items():
        if key in data:
            kept = _link_records(incident) if model is ActionItem else {}
            model.objects.filter(incident=incident).delete()
            for item in data[key]:
                child = model(incident=incident, **item)
                if kept:
                    for field, value in kept.get((_same_link(child.url), child.status), {}).items():
                        setattr(child, field, value)
                child.save()
    if "factors" in data:
        _replace_factors(incident, data["factors"])
    record_revision(incident, user=user, source=source)

    if sync_github:
        queue_github_sync(incident.github_references().filter(synced_at__isnull=True))
    workflow.announce(incident, before=before, by=user, asked_before=asked_before, reviewers_named="reviewers" in data)
    return incident


def _link_records(incident):
    """What the links did to the action items (ActionItem.follow_link), by (url, status): the document is
    replaced whole, and an item saved back unchanged keeps its record; one whose status a person changed
    does not (the person took over)."""
    return {
        (_same_link(item.url), item.status): {field: getattr(item, field) for field in ActionItem.LINK_KEPT}
        for item in ActionItem.objects.filter(incident=incident).exclude(link_event="")
    }


def _same_link(url):
    """A GitHub link in one spelling (short form and URL name the same issue)."""
    try:
        ref = refs.parse(url)
    except ValueError:
        ref = None
    return ref.short.lower() if ref else url


def _replace_factors(incident, factors):
    incident.factors.all().delete()
    by_ref = {}
    for factor in factors:
        by_ref[factor["ref"]] = ContributingFactor.objects.create(
            incident=incident, category=factor["category"], description=factor["description"]
        )
    for factor in factors:
        by_ref[factor["ref"]].set_leads_to(by_ref[target] for target in factor.get("leads_to", []))
