"""Attachments: screenshots, graphs and files added to an incident (issue #28). The bytes live in the
"attachments" storage (settings.STORAGES: the data directory, or S3-compatible object storage), under a random
name; the row says what they are (sniffed from the bytes by ``incidents.uploads``). Markdown refers to one as
``attachment:<id>``. Who sees an attachment is who sees its incident: every read reaches it through
``Incident.objects.visible_to``. The writes are incidents.actions.attachments."""

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _

from .incidents import Incident

MAX_ALT_LENGTH = 500


class AttachmentStorage(LazyObject):
    """settings.STORAGES["attachments"], looked up on first use and again after the setting changes (a
    FileField keeps the storage it was given when the model class was made)."""

    def _setup(self):
        self._wrapped = storages["attachments"]


_storage = AttachmentStorage()


@receiver(setting_changed)
def _storages_changed(setting, **kwargs):
    if setting == "STORAGES":
        _storage._wrapped = empty


def attachment_storage():
    return _storage


def stored_name(incident_id, extension, thumbnail=False):
    """Where the bytes go: one folder per incident, a random name (never the name the person gave)."""
    return f"{incident_id}/{uuid.uuid4().hex}{'.thumb' if thumbnail else ''}.{extension}"


class Attachment(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attachments",
                                 verbose_name=_("incident"))
    file = models.FileField(_("file"), storage=attachment_storage, max_length=300)
    thumbnail = models.FileField(_("thumbnail"), storage=attachment_storage, max_length=300, blank=True)
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    alt = models.CharField(_("alt text"), max_length=MAX_ALT_LENGTH, blank=True)
    sha256 = models.CharField(max_length=64)
    text = models.TextField(blank=True, help_text=_("A text file's content, for search."))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("uploaded by"))
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        ordering = ["incident", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.name

    @property
    def is_image(self):
        return self.content_type.startswith("image/")

    @property
    def markdown(self):
        """What to write in Markdown to show it: an image, or a link to the file."""
        label = (self.alt if self.is_image else self.name).replace("[", "(").replace("]", ")")
        return f"{'!' if self.is_image else ''}[{label}](attachment:{self.pk})"

    @property
    def stored_names(self):
        return [name for name in (self.file.name, self.thumbnail.name) if name]

    @staticmethod
    def forget_stored(names):
        """Delete these stored files (after the rows that named them are gone); a file already missing is fine,
        and one that cannot be deleted now is left to housekeeping's sweep of orphans."""
        storage = attachment_storage()
        for name in names:
            try:
                storage.delete(name)
            except Exception:  # noqa: BLE001 - any storage error: the sweep removes it later
                pass
