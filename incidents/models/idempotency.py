"""Idempotency keys (the IETF httpapi draft, Stripe's convention): a client that retries a POST with the
same ``Idempotency-Key`` gets the first response again instead of creating a second incident."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone


class IdempotencyKeyQuerySet(models.QuerySet):
    def expired(self, now=None):
        return self.filter(created_at__lt=(now or timezone.now()) - IdempotencyKey.KEEP)

    def live(self, now=None):
        return self.filter(created_at__gte=(now or timezone.now()) - IdempotencyKey.KEEP)


class IdempotencyKey(models.Model):
    KEEP = datetime.timedelta(hours=24)
    MAX_LENGTH = 255

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=MAX_LENGTH)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request body.")
    status = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = IdempotencyKeyQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]

    def __str__(self):
        return f"{self.key} ({self.method} {self.path})"
