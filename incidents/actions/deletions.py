"""Deleting an incident or a retrospective meeting (the API's DELETE; the admin deletes through its own
pages). Each is one transaction: the rows that belong to it go with it (children, comments, reviews, its
history, its place on agendas; a meeting's agenda and export jobs, whose files housekeeping removes), the
search index follows through the change log (incidents.signals). The incident's history goes too, so the
deletion is logged, with who did it."""

import logging

from django.db import transaction

from incidents.models import Incident, Retrospective

log = logging.getLogger(__name__)


@transaction.atomic
def delete_incident(incident, *, by):
    """Delete ``incident`` with everything that belongs to it; False when it was gone already."""
    deleted, _rows = Incident.objects.filter(pk=incident.pk).delete()
    if deleted:
        log.info("%s (%s) deleted by %s", incident.reference, incident.title, by)
    return bool(deleted)


@transaction.atomic
def delete_meeting(meeting, *, by):
    """Delete the retrospective ``meeting`` with its agenda (the incidents stay); False when it was gone."""
    deleted, _rows = Retrospective.objects.filter(pk=meeting.pk).delete()
    if deleted:
        log.info("retrospective %s (%s) deleted by %s", meeting.pk, meeting.title, by)
    return bool(deleted)
