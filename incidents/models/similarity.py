"""Every incident's similar incidents among all incidents, kept in the database for what needs them all at once
(the recurrence rate on /patterns/ and the action items' "recurred" filter), so that a page never computes a
thousand similarity searches. Written by the periodic sweep (actions.similarity.refresh); a row is stale when
its incident changed since (``version``) or after settings.POSTMORTEM_RECURRENCE_CACHE_SECONDS, as other
incidents come and go."""

from django.db import models

from .incidents import Incident


class SimilarIds(models.Model):
    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, primary_key=True, related_name="+")
    version = models.PositiveIntegerField()  # the incident's version they were computed for
    ids = models.JSONField(default=list)  # its similar incidents' pks, most similar first, whoever may see them
    computed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.incident_id}: {self.ids}"
