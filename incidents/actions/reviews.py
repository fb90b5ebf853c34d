"""Reviews of a write-up: ask for one, approve or request changes. The status changes they make go through
the workflow (actions.workflow), with the incident locked, so two people cannot race past the review gate.
A review's comment may @mention people, as a comment does (incidents.actions.mentions): the review's
``mentions`` says who was told."""

from django.db import transaction
from django.utils.translation import gettext as _

from incidents.models import Incident, Review, Status

from . import mentions, notify, workflow


class ReviewRefused(workflow.Refused):
    """The review is not allowed now; the message says why, for people."""


def request_review(incident, reviewers, *, by):
    """Name the reviewers and move the incident to "in review" (a new round: every reviewer is asked); when it
    is in review already, the reviewers named now are asked. Raises workflow.Refused."""
    return workflow.move(incident, Status.IN_REVIEW, by=by, reviewers=reviewers)


@transaction.atomic
def review(incident, reviewer, decision, comment=""):
    """Record an approval or a change request of the incident's current version; a change request sends it
    back to draft. Authors cannot review their own write-up."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.status != Status.IN_REVIEW:
        raise ReviewRefused(_("Only an incident in review can be reviewed."))
    if incident.authors.filter(pk=reviewer.pk).exists():
        raise ReviewRefused(_("Authors cannot review their own write-up."))
    if decision not in Review.Decision.values:
        raise ReviewRefused(_("Decide “approved” or “changes_requested”."))
    made = Review.objects.create(incident=incident, reviewer=reviewer, decision=decision, comment=comment,
                                 version=incident.version)
    if decision == Review.Decision.CHANGES_REQUESTED:
        workflow.move(incident, Status.DRAFT, by=reviewer)
    notify.reviewed(incident, reviewer=reviewer, decision=decision, comment=comment)
    made.mentions = mentions.resolve(incident, comment, by=reviewer)  # after the move: who may see it now
    authors = set(incident.authors.values_list("pk", flat=True))  # told of the review already, with its comment
    notify.mentioned(incident, made.mentions.notified, by=reviewer, body=comment, emailed=authors)
    return made
