"""Writing the audit log (incidents.models.AuditEntry). Call ``record`` inside the transaction of the change
it describes, so an entry exists exactly when the change does:

    audit.record(request.user, "role_changed", target_user=user, old="viewer", new="editor")
    audit.record(request.user, "incident_exported", incident=incident, format="pdf", via="page")

An incident's access (its visibility and members) is compared before and after each write that may change
it (``access_of`` before, ``access_changed`` after: save_incident, the admin's save), so every path records
it the same way, and only when it changed. Files holding a restricted incident are recorded by
incidents.actions.exports (``exported``), one entry per restricted incident in the file.
"""

import datetime

from django.utils import timezone

from django.contrib.auth import get_user_model

from incidents.models import AuditEntry, Visibility

KEPT = datetime.timedelta(days=365)  # the audit log is kept at least a year

INVITED, REINVITED, ROLE_CHANGED, DEACTIVATED, REACTIVATED, INVITE_ACCEPTED = (
    "user_invited", "user_reinvited", "role_changed", "user_deactivated", "user_reactivated", "invite_accepted")
USER_CREATED, SUPERUSER_GRANTED, SUPERUSER_REVOKED = "user_created", "superuser_granted", "superuser_revoked"
PERMISSIONS_CHANGED, USER_DELETED = "permissions_changed", "user_deleted"
VISIBILITY_CHANGED, MEMBERS_CHANGED = "visibility_changed", "members_changed"
EXPORTED, DOWNLOADED = "incident_exported", "incident_downloaded"
NO_ACCESS_SET = (Visibility.INTERNAL.value, frozenset())  # a new incident's access, before its first save


def record(actor, action, *, target_user=None, incident=None, **details):
    """Add one entry: ``actor`` (a user, or None for the system) did ``action`` (a short snake_case verb) to
    ``target_user`` and/or ``incident``; ``details`` are JSON-serialisable facts (old and new values)."""
    actor = actor if actor is not None and actor.is_authenticated and actor.pk is not None else None  # unsaved: none
    return AuditEntry.objects.create(
        actor=actor, actor_name=actor.get_username() if actor else "",
        action=action, target_user=target_user, target_name=target_user.get_username() if target_user else "",
        incident=incident, details=details)


def access_of(incident):
    """(visibility, member names) of ``incident`` as stored; a new one's are the defaults."""
    if incident.pk is None:
        return NO_ACCESS_SET
    stored = type(incident).objects.filter(pk=incident.pk).values_list("visibility", flat=True).first()
    names = incident.members.values_list(get_user_model().USERNAME_FIELD, flat=True)  # a query, never a cache
    return (stored or Visibility.INTERNAL.value, frozenset(names))


def access_changed(actor, incident, before):
    """Record that ``actor`` changed ``incident``'s visibility or members since ``before`` (``access_of``
    taken before the write), once, with the old and new visibility and the members added and removed.
    Nothing when neither changed. Returns the entry (or None)."""
    (old, members_before), (new, members_after) = before, access_of(incident)
    added, removed = sorted(members_after - members_before), sorted(members_before - members_after)
    if old == new and not added and not removed:
        return None
    return record(actor, VISIBILITY_CHANGED if old != new else MEMBERS_CHANGED, incident=incident,
                  old=old, new=new, added=added, removed=removed)


def prune(now=None):
    """Delete entries older than KEPT; how many were deleted."""
    deleted, _ = AuditEntry.objects.filter(at__lt=(now or timezone.now()) - KEPT).delete()
    return deleted
