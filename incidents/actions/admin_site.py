"""Saves made in the Django admin site: an incident with its inlines, one child row of an incident, or a row
without a history of its own (save_record); deletions go through incidents.actions.deletions. The
admin's forms have validated the input; these store it in one transaction like every other write: a status
change checked by the workflow (actions.workflow), a revision from the source ADMIN, a change of visibility
or members in the audit log (actions.audit), the search index told (the model signals), GitHub references
looked up and the notifications queued after the commit. A user's page is saved by actions.people."""

from django.db import transaction

from incidents.models import Incident, Source, record_revision

from . import audit, workflow
from .github.poll import queue_github_sync


@transaction.atomic
def check_status(incident, target, *, by, authors=None):
    """Raise workflow.Refused when ``by`` may not move ``incident`` to ``target``, for the admin's form to show
    as an error on its status field. The incident stays locked until the admin's request ends (the admin
    saves in one transaction), so the save that follows finds it as checked."""
    workflow.check(_stored(incident), target, by=by, authors=authors)


@transaction.atomic
def save_incident(form, formsets, *, by):
    """Store the admin's incident form (already validated, its instance carrying the new values) and its
    inlines' formsets. Raises workflow.Refused when the status change is not allowed (check_status first)."""
    incident = form.instance
    stored = _stored(incident)
    before = stored.status if stored.pk else None
    asked_before = set(stored.reviewers.values_list("pk", flat=True)) if stored.pk else set()
    access_before = audit.access_of(stored)
    if incident.status != stored.status or stored.pk is None:
        workflow.check(stored, incident.status, by=by, authors=form.cleaned_data.get("authors"))
    if stored.pk:
        incident.version = stored.version  # counted from the stored one (Incident.save adds 1)
    incident.save()
    form.save_m2m()
    for formset in formsets:
        formset.save()
    record_revision(incident, user=by, source=Source.ADMIN)  # with its inlines and labels
    audit.access_changed(by, incident, access_before)
    queue_github_sync(incident.github_references().filter(synced_at__isnull=True))
    workflow.announce(incident, before=before, by=by, asked_before=asked_before)
    return incident


@transaction.atomic
def save_child(form, formsets, *, by):
    """Store one child row of an incident (a timeline event, an action item, …) edited on its own page."""
    child = form.save()
    for formset in formsets:
        formset.save()
    record_revision(child.incident, user=by, source=Source.ADMIN)
    return child


@transaction.atomic
def save_record(form, formsets):
    """Store a row the admin edits that has no history of its own (a tag or service, a GitHub reference, a
    meeting with its agenda); what it changes for incidents reaches the search index through the model
    signals, like every write."""
    record = form.save()
    for formset in formsets:
        formset.save()
    return record


def _stored(incident):
    """The incident as stored, locked; a new one (no pk yet) as it stands."""
    if incident.pk is None:
        return Incident()
    return Incident.objects.select_for_update().get(pk=incident.pk)
