"""GitHub references kept true: queue their refresh, and apply one refresh (re-indexing the incidents that
link a reference whose title or state changed, since search finds incidents by their issues' titles)."""

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from incidents import jobs, search
from incidents.github import client, sync
from incidents.models import GitHubReference, Incident


def queue_github_sync(references):
    """Refresh these GitHub references from GitHub once the current transaction commits."""
    if not settings.GITHUB_SYNC:
        return
    jobs.sync_github_references(references.values_list("pk", flat=True))


def queue_stale_github_sync(older_than):
    """Queue a refresh of every reference never synced or last synced before ``older_than``."""
    stale = GitHubReference.objects.filter(Q(synced_at__isnull=True) | Q(synced_at__lt=older_than))
    queue_github_sync(stale)
    return stale.count()


def refresh_reference(reference_id, *, give_up_when_unavailable=False):
    """Copy one reference's title and state from GitHub; returns the outcome (its state, ``not-found``,
    ``gone`` or ``unavailable``). GitHubUnavailable propagates for a retry, unless
    ``give_up_when_unavailable``: then the failure is recorded on the reference for people to see."""
    reference = GitHubReference.objects.filter(pk=reference_id).first()
    if reference is None:
        return "gone"
    try:
        with transaction.atomic():
            outcome, changed = sync.refresh(reference)
            if changed:
                for incident_id in Incident.objects.linking([reference]).values_list("pk", flat=True):
                    search.record_change(incident_id)
    except client.GitHubUnavailable as exc:
        if not give_up_when_unavailable:
            raise
        sync.record_failure(reference, f"GitHub unavailable ({exc})")
        return "unavailable"
    return outcome
