"""The review workflow's writes: ask for a review, review, move an incident's status. Each checks the
review gate (Incident.check_transition) with the incident locked, so two people cannot race past it."""

from django.db import transaction
from django.utils.translation import gettext as _

from incidents.models import Incident, Review, Source, Status, record_revision

from . import notify


class ReviewRefused(Exception):
    """The step is not allowed now; the message says why, for people."""


def _locked(incident):
    return Incident.objects.select_for_update().get(pk=incident.pk)


@transaction.atomic
def request_review(incident, reviewers, *, by):
    """Name the reviewers and move the incident to "in review"."""
    incident = _locked(incident)
    reviewers = list(reviewers)
    reason = incident.check_transition(by, Status.IN_REVIEW, reviewers=reviewers)
    if not reason and Status.IN_REVIEW not in incident.allowed_transitions() and incident.status != Status.IN_REVIEW:
        reason = _("%(status)s cannot go to %(target)s directly.") % {
            "status": Status(incident.status).label, "target": Status.IN_REVIEW.label}
    if reason:
        raise ReviewRefused(reason)
    asked_before = set(incident.reviewers.values_list("pk", flat=True))
    incident.reviewers.set(reviewers)
    if incident.status != Status.IN_REVIEW:
        incident.status = Status.IN_REVIEW
        incident.save()
        record_revision(incident, user=by, source=Source.STATUS)
        asked_before = set()  # a new round: everyone is asked again
    notify.review_requested(incident, [user for user in reviewers if user.pk not in asked_before], by=by)
    return incident


@transaction.atomic
def review(incident, reviewer, decision, comment=""):
    """Record an approval or a change request of the incident's current version; a change request sends it
    back to draft. Authors cannot review their own write-up."""
    incident = _locked(incident)
    if incident.status != Status.IN_REVIEW:
        raise ReviewRefused(_("Only an incident in review can be reviewed."))
    if incident.authors.filter(pk=reviewer.pk).exists():
        raise ReviewRefused(_("Authors cannot review their own write-up."))
    if decision not in Review.Decision.values:
        raise ReviewRefused(_("Decide “approved” or “changes_requested”."))
    made = Review.objects.create(incident=incident, reviewer=reviewer, decision=decision, comment=comment,
                                 version=incident.version)
    if decision == Review.Decision.CHANGES_REQUESTED:
        incident.status = Status.DRAFT
        incident.save()
        record_revision(incident, user=reviewer, source=Source.STATUS)
    notify.reviewed(incident, reviewer=reviewer, decision=decision, comment=comment)
    return made


@transaction.atomic
def change_status(incident, target, *, by):
    """Move the incident to ``target`` if the workflow and the review gate allow ``by`` to."""
    incident = _locked(incident)
    if target not in Status.values:
        raise ReviewRefused(_("Unknown status."))
    reason = incident.check_transition(by, target)
    if not reason and target != incident.status and target not in incident.allowed_transitions():
        reason = _("That status change is not allowed from here.")
    if reason:
        raise ReviewRefused(reason)
    if target != incident.status:
        incident.status = target
        incident.save()
        record_revision(incident, user=by, source=Source.STATUS)
        if target == Status.PUBLISHED:
            notify.published(incident, by=by)
    return incident
