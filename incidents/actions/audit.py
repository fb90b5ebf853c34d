"""Writing the audit log (incidents.models.AuditEntry). Call ``record`` inside the transaction of the change
it describes, so an entry exists exactly when the change does:

    audit.record(request.user, "role_changed", target_user=user, old="viewer", new="editor")
    audit.record(request.user, "incident_exported", incident=incident, format="pdf")
"""

import datetime

from django.utils import timezone

from incidents.models import AuditEntry

KEPT = datetime.timedelta(days=365)  # the audit log is kept at least a year

INVITED, REINVITED, ROLE_CHANGED, DEACTIVATED, REACTIVATED, INVITE_ACCEPTED = (
    "user_invited", "user_reinvited", "role_changed", "user_deactivated", "user_reactivated", "invite_accepted")


def record(actor, action, *, target_user=None, incident=None, **details):
    """Add one entry: ``actor`` (a user, or None for the system) did ``action`` (a short snake_case verb) to
    ``target_user`` and/or ``incident``; ``details`` are JSON-serialisable facts (old and new values)."""
    actor = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry.objects.create(
        actor=actor, actor_name=actor.get_username() if actor else "",
        action=action, target_user=target_user, target_name=target_user.get_username() if target_user else "",
        incident=incident, details=details)


def prune(now=None):
    """Delete entries older than KEPT; how many were deleted."""
    deleted, _ = AuditEntry.objects.filter(at__lt=(now or timezone.now()) - KEPT).delete()
    return deleted
