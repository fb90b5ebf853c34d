"""Slack notifications: which channel a published incident is announced in (``SlackRoute``: a tag or a service →
a channel), and the messages waiting to be sent or already sent (``SlackMessage``, the outbox). A writer stores
the messages in its own transaction; the drain (incidents.actions.slack_delivery) sends them from a worker or the
background thread, one drain per message at a time (a lease on ``due_at``), so two workers never send one twice."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .incidents import Incident
from .labels import Service, Tag

CHANNEL_MAX = 80


class SlackRoute(models.Model):
    """Publications of incidents with this tag (or affecting this service) go to ``channel``."""

    class Match(models.TextChoices):
        TAG = "tag", _("tag")
        SERVICE = "service", _("service")

    match = models.CharField(_("match"), max_length=10, choices=Match.choices, default=Match.TAG)
    name = models.CharField(_("tag or service"), max_length=200)
    channel = models.CharField(_("Slack channel"), max_length=CHANNEL_MAX,
                               help_text=_("#name or a channel id such as C0123456789; invite the app to it."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["match", "name", "channel"]
        constraints = [models.UniqueConstraint(fields=["match", "name", "channel"], name="slack_route_once")]
        verbose_name = _("Slack channel route")
        verbose_name_plural = _("Slack channel routes")

    def __str__(self):
        return f"{self.get_match_display()} {self.name} → {self.channel}"

    def save(self, *args, **kwargs):
        self.name = (Tag if self.match == self.Match.TAG else Service).normalize(self.name)
        self.channel = self.channel.strip()
        super().save(*args, **kwargs)


class SlackMessageQuerySet(models.QuerySet):
    def due(self, now):
        """Messages to send now: waiting, and their time (or the previous drain's lease) has come."""
        return self.filter(state=SlackMessage.State.PENDING, due_at__lte=now).order_by("due_at", "pk")

    def undelivered(self):
        """What an admin should look at: given up, or waiting after a failure."""
        return self.filter(models.Q(state=SlackMessage.State.FAILED)
                           | models.Q(state=SlackMessage.State.PENDING, attempts__gt=0))


class SlackMessage(models.Model):
    """One Slack message: to a channel (``published``) or a direct message to ``user`` (the other kinds)."""

    class Kind(models.TextChoices):
        PUBLISHED = "published", pgettext_lazy("slack notification", "Published postmortem")
        REVIEW_REQUESTED = "review_requested", pgettext_lazy("slack notification", "Review requested")
        MENTIONED = "mentioned", pgettext_lazy("slack notification", "Mentioned")
        DUE = "due", pgettext_lazy("slack notification", "Action item due soon or overdue")
        GITHUB = "github", pgettext_lazy("slack notification", "Action item closed on GitHub")

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("slack message", "waiting")
        SENT = "sent", pgettext_lazy("slack message", "sent")
        SKIPPED = "skipped", pgettext_lazy("slack message", "not sent")
        FAILED = "failed", pgettext_lazy("slack message", "failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="slack_messages", verbose_name=_("incident"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="slack_messages", verbose_name=_("recipient"))
    channel = models.CharField(_("Slack channel"), max_length=CHANNEL_MAX, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    due_at = models.DateTimeField(_("next attempt"), db_index=True)
    error_code = models.CharField(_("Slack's error"), max_length=60, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = SlackMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "due_at"], name="slack_message_due")]
        verbose_name = _("Slack message")
        verbose_name_plural = _("Slack messages")

    def __str__(self):
        return f"{self.kind} → {self.channel or self.user} ({self.state})"

    @property
    def target(self):
        return self.channel or (self.user.get_username() if self.user_id else "")
