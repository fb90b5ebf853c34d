"""Writes with side effects: saving an incident document and queueing the background work it needs."""

from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from . import export, tasks
from .models import (
    ActionItem,
    ContributingFactor,
    ExportJob,
    ExternalLink,
    GitHubReference,
    Incident,
    Lesson,
    Service,
    Tag,
    TimelineEvent,
)

SCALAR_FIELDS = (
    "title", "summary", "impact", "analysis", "resolution", "severity", "status",
    "started_at", "detected_at", "mitigated_at", "resolved_at",
)
SIMPLE_CHILDREN = {"timeline": TimelineEvent, "lessons": Lesson, "action_items": ActionItem, "links": ExternalLink}


class VersionConflict(Exception):
    """The write was based on an older version of the incident."""

    def __init__(self, current_version):
        super().__init__(f"The incident has changed since version was read; current version is {current_version}.")
        self.current_version = current_version


@transaction.atomic
def save_incident(incident, data, *, expected_version=None, sync_github=True):
    """Create or update ``incident`` from validated document ``data``.

    Scalar fields present in ``data`` are set; each child list present replaces the stored one; absent
    keys are left alone. With ``expected_version``, a stale write raises VersionConflict and changes nothing.
    """
    if incident.pk is not None:
        current = Incident.objects.select_for_update().only("version").get(pk=incident.pk).version
        if expected_version is not None and expected_version != current:
            raise VersionConflict(current)
        incident.version = current
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
    for key, model in SIMPLE_CHILDREN.items():
        if key in data:
            model.objects.filter(incident=incident).delete()
            for item in data[key]:
                model(incident=incident, **item).save()
    if "factors" in data:
        _replace_factors(incident, data["factors"])

    if sync_github:
        queue_github_sync(incident.github_references().filter(synced_at__isnull=True))
    return incident


def _replace_factors(incident, factors):
    incident.factors.all().delete()
    by_ref = {}
    for factor in factors:
        by_ref[factor["ref"]] = ContributingFactor.objects.create(
            incident=incident, category=factor["category"], description=factor["description"]
        )
    for factor in factors:
        by_ref[factor["ref"]].set_leads_to(by_ref[target] for target in factor.get("leads_to", []))


class _Reindex:
    """An on-commit callback that queues the re-indexing of one incident. Equal ones compare equal,
    so a transaction that touches an incident fifty times queues it once."""

    def __init__(self, pk):
        self.pk = pk

    def __call__(self):
        tasks.update_search_index.delay(self.pk)

    def __eq__(self, other):
        return isinstance(other, _Reindex) and other.pk == self.pk

    def __hash__(self):
        return hash(self.pk)


def queue_reindex(pk):
    """Re-index this incident once the current transaction commits (at once outside a transaction)."""
    callback = _Reindex(pk)
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(entry[1] == callback for entry in connection.run_on_commit):
        return
    transaction.on_commit(callback, robust=True)


def queue_github_sync(references):
    """Refresh these GitHub references from GitHub once the current transaction commits."""
    if not settings.GITHUB_SYNC:
        return
    for pk in references.values_list("pk", flat=True):
        transaction.on_commit(partial(tasks.sync_github_reference.delay, pk))


def queue_stale_github_sync(older_than):
    """Queue a refresh of every reference never synced or last synced before ``older_than``."""
    stale = GitHubReference.objects.filter(Q(synced_at__isnull=True) | Q(synced_at__lt=older_than))
    queue_github_sync(stale)
    return stale.count()


def request_export(meeting, user, fmt, language=None):
    """Queue the preparation of ``meeting``'s pack in ``fmt`` as ``user`` may see it (once the current
    transaction commits; in-process without a broker, so the job is done when this returns outside one)."""
    export.check_format(fmt, export.PACK_FORMATS)
    job = ExportJob.objects.create(retrospective=meeting, requested_by=user, format=fmt,
                                   language=language or settings.LANGUAGE_CODE)
    transaction.on_commit(partial(tasks.render_export.delay, job.pk))
    return job
