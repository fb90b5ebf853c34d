"""What GitHub told us and what we asked of it: webhook deliveries (one row per ``X-GitHub-Delivery``, so a
redelivery is recognised) and follow-up issues to file on GitHub (an outbox row per request)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

INCIDENT = "incidents.Incident"


class GitHubDelivery(models.Model):
    """One webhook delivery and what it did."""

    delivery_id = models.CharField(max_length=100, unique=True)
    event = models.CharField(max_length=50)
    action = models.CharField(max_length=50, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    status_code = models.PositiveSmallIntegerField(default=200)
    outcome = models.CharField(max_length=300, blank=True)
    redeliveries = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("GitHub delivery")
        verbose_name_plural = _("GitHub deliveries")

    def __str__(self):
        action = f".{self.action}" if self.action else ""
        return f"{self.event}{action} {self.delivery_id}: {self.status_code} {self.outcome}"


class GitHubIssueRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=GitHubIssueRequest.Status.PENDING)


class GitHubIssueRequest(models.Model):
    """File an action item as an issue on GitHub, then link the item to it. Made in the request that
    asked; sent by the drain (never inside a web request); ``SENDING`` marks a call in flight, so a
    worker killed mid-call does not file the issue twice (the request then fails with a note to check)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be filed")
        SENDING = "sending", _("Being filed")
        DONE = "done", _("Filed")
        FAILED = "failed", _("Failed")

    incident = models.ForeignKey(INCIDENT, on_delete=models.CASCADE, related_name="github_issue_requests")
    action_item = models.ForeignKey("incidents.ActionItem", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="github_issue_requests")
    item_title = models.CharField(max_length=200, help_text="Finds the item again if the incident was saved meanwhile.")
    owner = models.CharField(max_length=39)
    repo = models.CharField(max_length=100)
    title = models.CharField(max_length=256)
    body = models.TextField(blank=True)
    labels = models.JSONField(default=list, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.CharField(max_length=300, blank=True)
    issue_url = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = GitHubIssueRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("GitHub issue request")
        verbose_name_plural = _("GitHub issue requests")

    def __str__(self):
        return f"{self.owner}/{self.repo}: {self.title} ({self.status})"

    @property
    def repository(self):
        return f"{self.owner}/{self.repo}"
