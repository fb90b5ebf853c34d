"""Files (a meeting's pack as PDF) prepared in the background for the user who asked for them."""

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .retrospectives import Retrospective


class ExportJobQuerySet(models.QuerySet):
    def expired(self, now=None):
        """Jobs older than ExportJob.KEEP, whose files the housekeeping removes."""
        return self.filter(created_at__lt=(now or timezone.now()) - ExportJob.KEEP)


class ExportJob(models.Model):
    """A file (a meeting's pack as PDF) being prepared in the background for the user who asked for it.
    The file lives under settings.EXPORT_DIR for ExportJob.KEEP; incidents.tasks.render_export writes it."""

    KEEP = datetime.timedelta(days=1)

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    retrospective = models.ForeignKey(Retrospective, on_delete=models.CASCADE, related_name="export_jobs",
                                      verbose_name=_("retrospective"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs",
                                     verbose_name=_("requested by"))
    format = models.CharField(_("format"), max_length=10, default="pdf")
    language = models.CharField(_("language"), max_length=10, default=settings.LANGUAGE_CODE,
                                help_text=_("The language of the page the file was asked for from."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The restricted incidents the finished file holds (ids): each download is audited for them.
    restricted = models.JSONField(_("restricted incidents"), default=list, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")

    def __str__(self):
        return f"{self.format} export of {self.retrospective_id} ({self.status})"

    def get_absolute_url(self):
        return reverse("export-job", args=[self.pk])

    @property
    def path(self):
        """Where the finished file is (or will be) stored."""
        return settings.EXPORT_DIR / f"{self.pk}-{self.filename}"

    @property
    def in_progress(self):
        return self.status in (self.Status.PENDING, self.Status.RUNNING)
