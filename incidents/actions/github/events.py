"""GitHub webhook deliveries: each recorded once by its X-GitHub-Delivery id and applied at once, in the
request (the database writes are quick; nothing here calls GitHub), so an action item's new status is
stored before GitHub gets its answer. A redelivery changes nothing new. The signature is checked by the
view before anything here runs (incidents.github.webhooks.verify)."""

import logging

from django.db import IntegrityError, transaction

from incidents.github import webhooks

from . import apply
from incidents.models import GitHubDelivery, GitHubReference

from .poll import queue_github_sync

log = logging.getLogger(__name__)


def receive(delivery_id, event, body):
    """Record and apply one delivery; returns (HTTP status, outcome for people)."""
    delivery_id = (delivery_id or "").strip()[:100]
    event = (event or "").strip()[:50]
    if not delivery_id or not event:
        return 400, "X-GitHub-Delivery and X-GitHub-Event are required."
    try:
        with transaction.atomic():
            delivery = GitHubDelivery.objects.create(delivery_id=delivery_id, event=event)
    except IntegrityError:
        earlier = GitHubDelivery.objects.filter(delivery_id=delivery_id).first()
        if earlier is not None:
            GitHubDelivery.objects.filter(pk=earlier.pk).update(redeliveries=earlier.redeliveries + 1)
            return 200, f"already received: {earlier.outcome}"
        return 409, "the same delivery is being handled right now"
    try:
        parsed = webhooks.parse(event, body)
    except webhooks.BadPayload as exc:
        return _done(delivery, 400, f"malformed payload: {exc}")
    try:
        with transaction.atomic():
            status, outcome = APPLIERS[type(parsed)](parsed)
    except Exception:  # the database failed us: forget the delivery so that GitHub's redelivery applies it
        log.exception("webhook delivery %s (%s) failed", delivery_id, event)
        GitHubDelivery.objects.filter(pk=delivery.pk).delete()
        return 503, "could not be applied now; redeliver it from GitHub"
    return _done(delivery, status, outcome, action=getattr(parsed, "action", ""))


def _done(delivery, status, outcome, action=""):
    GitHubDelivery.objects.filter(pk=delivery.pk).update(status_code=status, outcome=outcome[:300], action=action[:50])
    return status, outcome


def _ping(event):
    return 200, f"pong: {event.zen}" if event.zen else "pong"


def _item_state(event):
    ref = GitHubReference.objects.at(event.owner, event.repo, event.number).first()
    if ref is None:
        return 200, f"{event.owner}/{event.repo}#{event.number} is not linked from any incident"
    state_changed, moved = apply.apply_state(
        ref, title=event.title[:300], state=event.state, state_reason=event.state_reason,
        changed_at=event.changed_at, kind=event.kind, place=(event.owner, event.repo, event.number), older_wins=True,
    )
    outcome = f"{ref.short}: {event.state}" + (f" ({event.state_reason})" if event.state_reason else "")
    if not state_changed:
        outcome += ", state unchanged"
    if moved:
        outcome += f", action items moved in {moved} incident(s)"
    return 200, outcome


def _item_deleted(event):
    ref = GitHubReference.objects.at(event.owner, event.repo, event.number).first()
    if ref is None:
        return 200, f"{event.owner}/{event.repo}#{event.number} is not linked from any incident"
    apply.mark_gone(ref, "deleted on GitHub")
    return 200, f"{ref.short}: deleted on GitHub"


def _item_transferred(event):
    ref = GitHubReference.objects.at(event.owner, event.repo, event.number).first()
    if ref is None:
        return 200, f"{event.owner}/{event.repo}#{event.number} is not linked from any incident"
    old = ref.short
    moved = apply.move(GitHubReference.objects.select_for_update().get(pk=ref.pk),
                      event.new_owner, event.new_repo, event.new_number)
    queue_github_sync(GitHubReference.objects.filter(pk=moved.pk))  # its state in the new place
    return 200, f"{old} moved to {moved.short}"


def _repository_moved(event):
    count = apply.move_repository(event.old_owner, event.old_repo, event.new_owner, event.new_repo)
    return 200, f"{event.old_owner}/{event.old_repo} is now {event.new_owner}/{event.new_repo}: {count} reference(s) moved"


def _ignored(event):
    return 204, event.reason


APPLIERS = {
    webhooks.Ping: _ping,
    webhooks.ItemState: _item_state,
    webhooks.ItemDeleted: _item_deleted,
    webhooks.ItemTransferred: _item_transferred,
    webhooks.RepositoryMoved: _repository_moved,
    webhooks.Ignored: _ignored,
}
