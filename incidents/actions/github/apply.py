"""Applying what GitHub says to the stored references, whoever heard it (a webhook delivery or a poll):
the reference's title, state and place; the action items that follow it; the incidents that link it (their
search documents hold the title and state, and their version moves when an item moved); the owner of an
item whose status moved is told (incidents.actions.notify.action_item_moved). Failures are recorded on the
reference for people to see."""

import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from incidents import search
from incidents.actions import notify
from incidents.models import ActionItem, ExternalLink, GitHubReference, Incident, Source, record_revision

from incidents.github import refs

log = logging.getLogger(__name__)


def apply_state(reference, *, title, state, state_reason="", changed_at=None, kind=None, etag=None,
                place=None, older_wins=False):
    """Store GitHub's view of one reference; returns (state_changed, items_moved).

    ``place`` (owner, repo, number) moves the reference when GitHub says it lives elsewhere now.
    ``older_wins``: for webhook deliveries, which may arrive out of order, an event older than the state
    already stored changes nothing."""
    now = timezone.now()
    with transaction.atomic():
        ref = GitHubReference.objects.select_for_update().get(pk=reference.pk)
        if older_wins and changed_at and ref.changed_at and changed_at < ref.changed_at:
            return False, 0
        if place and (place[0].lower(), place[1].lower(), place[2]) != (ref.owner.lower(), ref.repo.lower(), ref.number):
            ref = move(ref, *place)
        elif place and (place[0], place[1]) != (ref.owner, ref.repo):
            ref.owner, ref.repo = place[0], place[1]  # GitHub's spelling of the names
        state_changed = (ref.state, ref.state_reason) != (state, state_reason)
        title_changed = ref.title != title
        ref.title, ref.state, ref.state_reason = title, state, state_reason
        ref.kind = kind or ref.kind
        if changed_at and (state_changed or not ref.changed_at or changed_at > ref.changed_at):
            ref.changed_at = changed_at
        ref.synced_at, ref.sync_error, ref.attempts, ref.gone, ref.due_at = now, "", 0, False, None
        if etag is not None:
            ref.etag = etag
        ref.save()
        moved = follow(ref) if state_changed else 0
        if state_changed or title_changed:
            touch(Incident.objects.linking([ref]), bump=False)
    return state_changed, moved


def follow(ref):
    """Let the action items linked to ``ref`` follow its state; returns how many moved. The owner of each item
    whose status changed is told (after the commit: incidents.actions.notify)."""
    moved_incidents = set()
    for item in ActionItem.objects.filter(github=ref):
        item.github = ref
        status = item.status
        if item.follow_link(ref):
            item.save(update_fields=["status", *ActionItem.LINK_KEPT])
            moved_incidents.add(item.incident_id)
            if item.status != status:
                notify.action_item_moved(item, ref)
    if moved_incidents:
        touch(Incident.objects.filter(pk__in=moved_incidents), bump=True)
        for pk in sorted(moved_incidents):  # GitHub moved them: a revision without an author
            record_revision(Incident(pk=pk), user=None, source=Source.GITHUB)
    return len(moved_incidents)


def touch(incidents, *, bump):
    """Re-index these incidents; with ``bump``, also move their version (their document changed, so an
    editor holding the old version gets a conflict instead of writing the old status back)."""
    pks = list(incidents.values_list("pk", flat=True).distinct())
    if bump:
        Incident.objects.filter(pk__in=pks).update(version=F("version") + 1, updated_at=timezone.now())
    for pk in pks:
        search.record_change(pk)


def move(ref, owner, repo, number):
    """The issue now lives at owner/repo#number (a renamed or transferred repository or issue): move the
    reference there, merging into the stored one if that place is already known, and rewrite the links."""
    target = GitHubReference.objects.at(owner, repo, number).exclude(pk=ref.pk).select_for_update().first()
    if target is None:
        ref.owner, ref.repo, ref.number = owner, repo, number
        ref.save(update_fields=["owner", "repo", "number"])
        target = ref
    else:
        ActionItem.objects.filter(github=ref).update(github=target)
        ExternalLink.objects.filter(github=ref).update(github=target)
        ref.delete()
    url = refs.Ref(target.owner, target.repo, target.number, target.kind).url
    rewritten = {*ActionItem.objects.filter(github=target).exclude(url=url).values_list("incident_id", flat=True),
                 *ExternalLink.objects.filter(github=target).exclude(url=url).values_list("incident_id", flat=True)}
    ActionItem.objects.filter(github=target).exclude(url=url).update(url=url)
    for link in ExternalLink.objects.filter(github=target).exclude(url=url):
        try:
            with transaction.atomic():
                ExternalLink.objects.filter(pk=link.pk).update(url=url)
        except IntegrityError:  # the incident already links the new place: one link is enough
            link.delete()
    touch(Incident.objects.linking([target]), bump=False)
    for pk in sorted(rewritten):  # their links' URLs changed: a revision without an author
        record_revision(Incident(pk=pk), user=None, source=Source.GITHUB)
    return target


def move_repository(old_owner, old_repo, new_owner, new_repo):
    """A repository was renamed or transferred: every stored reference in it moves. Returns how many."""
    moved = 0
    with transaction.atomic():
        for ref in GitHubReference.objects.in_repository(old_owner, old_repo).select_for_update():
            move(ref, new_owner, new_repo, ref.number)
            moved += 1
    return moved


def mark_gone(reference, message):
    """GitHub says the issue is not there (404/410, deleted): keep what was known, stop asking."""
    log.info("GitHub reference %s is gone: %s", reference.short, message)
    GitHubReference.objects.filter(pk=reference.pk).update(
        gone=True, sync_error=message[:300], synced_at=timezone.now(), due_at=None, attempts=0)


def record_failure(reference, message, *, retry_at=None, attempts=None):
    """Record why the sync failed; ``retry_at`` asks again then (None: not until the next poll)."""
    log.warning("GitHub sync of %s failed: %s", reference.short, message)
    changes = {"sync_error": message[:300], "due_at": retry_at}
    if attempts is not None:
        changes["attempts"] = attempts
    GitHubReference.objects.filter(pk=reference.pk).update(**changes)
