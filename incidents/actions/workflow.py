"""The review workflow's writes: every change of an incident's status goes through here, whoever asks (the
status buttons, a review, the API, the admin, a meeting's close). The rule (which steps exist, who may take
them, the review gate) is the model's, Incident.TRANSITIONS and Incident.check_transition; this module
applies it with the incident locked, writes the revision and queues who is told (after the commit).

- ``move`` is a status change on its own (the status page, asking for a review, a change request, a meeting
  closing): lock, check, write, revision, notifications.
- ``check`` and ``announce`` are for writers that change the status together with other fields in one
  revision (``save_incident`` for the API, the admin's save): they lock the incident themselves, ``check``
  before writing, and ``announce`` after."""

from django.db import transaction

from incidents.models import Incident, Source, Status, record_revision

from . import notify


class Refused(Exception):
    """The workflow does not allow this step now; the message says why, for people (in their language)."""


def check(incident, target, *, by, reviewers=None, authors=None, gate=True):
    """Raise Refused when ``by`` may not move ``incident`` (as stored: lock it first) to ``target`` now.
    ``reviewers``/``authors``: what the same write is about to set; ``gate=False``: the review gate's
    conditions are left out (the demo loader and imports stating a status), the table never is."""
    reason = incident.check_transition(by, target, reviewers=reviewers, authors=authors, gate=gate)
    if reason:
        raise Refused(reason)


def announce(incident, *, before, by, asked_before=(), reviewers_named=False):
    """Queue the notifications of a write that moved ``incident`` from status ``before`` (None: it is new):
    published → its authors and the outgoing webhook; in review → the reviewers not asked before (all of
    them when the incident has just come into review). Automatic writes (``by`` None) tell nobody."""
    if by is None:
        return
    if incident.status == Status.PUBLISHED != before:
        notify.published(incident, by=by)
    if incident.status == Status.IN_REVIEW and (before != Status.IN_REVIEW or reviewers_named):
        asked = set(asked_before) if before == Status.IN_REVIEW else set()
        notify.review_requested(incident, [user for user in incident.reviewers.all() if user.pk not in asked], by=by)


@transaction.atomic
def move(incident, target, *, by, reviewers=None, source=Source.STATUS):
    """Move ``incident`` to ``target`` if the workflow allows ``by`` to; with ``reviewers``, name them in the
    same step (asking for a review). Returns the incident as stored now; raises Refused."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    before = incident.status
    reviewers = list(reviewers) if reviewers is not None else None
    check(incident, target, by=by, reviewers=reviewers)
    asked_before = set(incident.reviewers.values_list("pk", flat=True))
    if reviewers is not None:
        incident.reviewers.set(reviewers)
    if target != before:
        incident.status = target
        incident.save()
        record_revision(incident, user=by, source=source)
    announce(incident, before=before, by=by, asked_before=asked_before, reviewers_named=reviewers is not None)
    return incident

