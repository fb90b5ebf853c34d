"""Uploads waiting for confirmation: the upload page previews an import (a dry run) and keeps the files here
until their owner presses "Import", so they are not sent twice. A pending import lives a day at most."""

import base64
import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class PendingImport(models.Model):
    KEEP = datetime.timedelta(days=1)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    files = models.JSONField(default=list, help_text='[{"name": …, "data": base64 of the bytes}], in upload order.')
    status = models.CharField(max_length=20, blank=True, help_text="The status chosen for every file, if any.")
    time_zone = models.CharField(max_length=64, blank=True, help_text="Zone of times that state none, if chosen.")

    def __str__(self):
        return f"{len(self.files)} file(s) of {self.user} at {self.created_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def pack(files):
        """``files`` ((name, bytes) pairs) as stored in ``files`` (incidents.actions.pending_imports keeps them)."""
        return [{"name": name, "data": base64.b64encode(data).decode("ascii")} for name, data in files]

    def contents(self):
        """The files kept, as (name, bytes) pairs."""
        return [(file["name"], base64.b64decode(file["data"])) for file in self.files]
