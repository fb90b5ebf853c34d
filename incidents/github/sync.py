"""Applying GitHub's state to the stored references: one reference refreshed from GitHub, or a failure
recorded on it so people can see why its state is old."""

import logging

from django.utils import timezone

from incidents.models import GitHubReference

from . import client

log = logging.getLogger(__name__)


def refresh(reference):
    """Copy the title, state and kind of one stored reference from GitHub.

    Returns (outcome, changed): the state GitHub reports (or ``not-found``), and whether the title or
    state differ from what was stored. GitHubUnavailable propagates: the caller decides when to retry.
    """
    try:
        remote = client.fetch(reference.owner, reference.repo, reference.number)
    except client.GitHubNotFound as exc:
        record_failure(reference, f"not found on GitHub ({exc})")
        return "not-found", False
    changed = (reference.title, reference.state) != (remote["title"], remote["state"])
    GitHubReference.objects.filter(pk=reference.pk).update(
        title=remote["title"], state=remote["state"], kind=remote["kind"],
        synced_at=timezone.now(), sync_error="",
    )
    return remote["state"], changed


def record_failure(reference, message):
    log.warning("GitHub sync of %s failed: %s", reference.short, message)
    GitHubReference.objects.filter(pk=reference.pk).update(sync_error=message[:300], synced_at=timezone.now())
