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
        """``files`` ((name, bytes) pairs, or (name, bytes, bundle files): a write-up of a zip bundle with the files
        it names, incidents.imports.bundles.BundleFile) as stored in ``files`` (incidents.actions.pending_imports
        keeps them)."""
        packed = []
        for name, data, *bundle in files:
            entry = {"name": name, "data": _encoded(data)}
            if bundle and bundle[0]:
                entry["files"] = [{"path": file.path, "name": file.name, "alt": file.alt, "data": _encoded(file.data)}
                                  for file in bundle[0]]
            packed.append(entry)
        return packed

    def contents(self):
        """The files kept, as (name, bytes) pairs."""
        return [(file["name"], base64.b64decode(file["data"])) for file in self.files]

    def bundle_files(self):
        """Per file kept (as ``contents``), the files of its bundle: [{"path", "name", "alt", "data": bytes}]."""
        return [[{**item, "data": base64.b64decode(item["data"])} for item in file.get("files", [])]
                for file in self.files]


def _encoded(data):
    return base64.b64encode(data).decode("ascii")
