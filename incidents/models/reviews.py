"""Reviews of an incident write-up: a reviewer approves it or asks for changes, for the version they read.
An approval counts for publishing only while the write-up is still at that version and only when the
reviewer is not one of its authors (see Incident.check_transition)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

INCIDENT = "incidents.Incident"


class ReviewQuerySet(models.QuerySet):
    def approvals_of(self, incident):
        """Approvals of ``incident`` as it is now, by someone who is not one of its authors."""
        return self.filter(incident=incident, decision=Review.Decision.APPROVED, version=incident.version).exclude(
            reviewer__in=incident.authors.all())


class Review(models.Model):
    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")

    incident = models.ForeignKey(INCIDENT, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=20000)
    version = models.PositiveIntegerField(help_text="The incident's version the reviewer read.")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self):
        return f"{self.get_decision_display()} by {self.reviewer} ({self.incident_id} v{self.version})"

    @property
    def is_current(self):
        return self.version == self.incident.version
