"""Uploads waiting for their owner to press "Import" on the import page (incidents.web.imports): kept between
the dry run and the confirmation, and taken once. The import itself is incidents.imports.run."""

from django.db import transaction
from django.utils import timezone

from incidents.models import PendingImport


@transaction.atomic
def keep_upload(user, files, *, status="", time_zone=""):
    """Keep ``files`` ((name, bytes) pairs, or (name, bytes, bundle files)) for ``user`` to confirm, with the status and time zone chosen
    for them; pending imports older than PendingImport.KEEP (anyone's) are removed."""
    PendingImport.objects.filter(created_at__lt=timezone.now() - PendingImport.KEEP).delete()
    return PendingImport.objects.create(user=user, files=PendingImport.pack(files), status=status or "",
                                        time_zone=time_zone or "")


@transaction.atomic
def take_upload(pending):
    """Remove ``pending`` as its import starts: True, or False when a request just before took it (a
    double click), so that an upload is imported once."""
    deleted, _rows = PendingImport.objects.filter(pk=pending.pk).delete()
    return bool(deleted)
