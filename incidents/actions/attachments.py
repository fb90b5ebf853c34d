"""Attachments of an incident: added (the bytes checked and cleaned by ``incidents.uploads``, stored, then the
row written), their alt text or name changed, deleted. Editors who may see the incident do this; each change
adds a revision to the incident's history (what changed: ``attachments``), with the incident locked, without
changing its ``version`` (a screenshot pasted while the edit page is open must not make its save a conflict).

The bytes are stored before the row's transaction: if that transaction fails they are deleted again, and if the
process dies in between, housekeeping's ``sweep`` removes files no row names (after a grace period, so a file
being added is never taken for an orphan). Deleting a row deletes its files once the deletion commits
(incidents.signals)."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import uploads
from incidents.models import Attachment, Incident, Source, attachment_storage, record_revision, stored_name

ORPHAN_GRACE = datetime.timedelta(hours=1)  # a stored file younger than this is never swept


class AttachmentRefused(PermissionDenied):
    """This user may not change the attachments of this incident (a 403 wherever it reaches a view)."""


class TooLarge(uploads.Refused):
    """The file is over POSTMORTEM_MAX_ATTACHMENT_BYTES (413)."""


def may_attach(user, incident):
    """Whether ``user`` may add, change or delete attachments of ``incident`` (an editor who may see it)."""
    return (user.is_authenticated and user.has_perm("incidents.change_incident")
            and Incident.objects.visible_to(user).filter(pk=incident.pk).exists())


def read_upload(upload):
    """The bytes of an uploaded file, refused (TooLarge) over the limit without reading them all."""
    limit = settings.POSTMORTEM_MAX_ATTACHMENT_BYTES
    if upload.size is not None and upload.size > limit:
        raise TooLarge(_("The file is %(size)s bytes; the limit is %(limit)s bytes.") % {"size": upload.size, "limit": limit})
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(_("The file is over the limit of %(limit)s bytes.") % {"limit": limit})
    return data


def add_attachment(incident, data, *, name, by, alt="", source=Source.WEB, revision=True):
    """A new attachment of ``incident`` from ``data`` (bytes) named ``name``; raises uploads.Refused (the file's
    problem, for the person), AttachmentRefused. ``by`` None is an administrator's tool (the import command,
    not checked); ``revision=False`` leaves the revision to the caller (an import saves the write-up after its
    files, as one revision)."""
    if by is not None and not may_attach(by, incident):
        raise AttachmentRefused(_("You may not add files to this incident."))
    if len(data) > settings.POSTMORTEM_MAX_ATTACHMENT_BYTES:
        raise TooLarge(_("The file is over the limit of %(limit)s bytes.") % {
            "limit": settings.POSTMORTEM_MAX_ATTACHMENT_BYTES})
    prepared = uploads.prepare(data, max_pixels=settings.POSTMORTEM_MAX_IMAGE_PIXELS)
    attachment = Attachment(
        incident_id=incident.pk, name=uploads.safe_name(name, prepared.extension), content_type=prepared.content_type,
        size=len(prepared.data), width=prepared.width, height=prepared.height, alt=(alt or "").strip(),
        sha256=prepared.sha256, text=prepared.text, uploaded_by=by if by is not None and by.is_authenticated else None)
    attachment.file.save(stored_name(incident.pk, prepared.extension), ContentFile(prepared.data), save=False)
    if prepared.thumbnail:
        attachment.thumbnail.save(stored_name(incident.pk, prepared.extension, thumbnail=True),
                                  ContentFile(prepared.thumbnail), save=False)
    try:
        with transaction.atomic():
            Incident.objects.select_for_update().only("pk").get(pk=incident.pk)
            attachment.save()
            if revision:
                record_revision(incident, user=by, source=source)
    except BaseException:
        Attachment.forget_stored(attachment.stored_names)
        raise
    return attachment


@transaction.atomic
def update_attachment(attachment, *, by, alt=None, name=None, source=Source.WEB):
    """Change the alt text and/or the name of ``attachment``."""
    if not may_attach(by, attachment.incident):
        raise AttachmentRefused(_("You may not change the files of this incident."))
    Incident.objects.select_for_update().only("pk").get(pk=attachment.incident_id)
    fields = []
    if alt is not None and alt.strip() != attachment.alt:
        attachment.alt, fields = alt.strip(), [*fields, "alt"]
    if name is not None:
        safe = uploads.safe_name(name, attachment.file.name.rpartition(".")[2])
        if safe != attachment.name:
            attachment.name, fields = safe, [*fields, "name"]
    if fields:
        attachment.save(update_fields=fields)
        record_revision(attachment.incident, user=by, source=source)
    return attachment


@transaction.atomic
def delete_attachment(attachment, *, by, source=Source.WEB):
    """Delete ``attachment``; its files go once this commits."""
    if not may_attach(by, attachment.incident):
        raise AttachmentRefused(_("You may not delete the files of this incident."))
    Incident.objects.select_for_update().only("pk").get(pk=attachment.incident_id)
    incident = attachment.incident
    attachment.delete()
    record_revision(incident, user=by, source=source)


def sweep(now=None):
    """Delete stored files no attachment names, older than ORPHAN_GRACE (left by a process that died between
    storing and committing, or a deletion whose file could not be removed then). Returns how many went."""
    storage = attachment_storage()
    now = now or timezone.now()
    named = set()
    for file, thumbnail in Attachment.objects.values_list("file", "thumbnail").iterator():
        named.update(name for name in (file, thumbnail) if name)
    removed = 0
    try:
        folders, _files = storage.listdir("")
    except FileNotFoundError:  # the data directory's attachments/ is made by the first upload
        return 0
    for folder in folders:
        try:
            _dirs, files = storage.listdir(folder)
        except FileNotFoundError:  # emptied and removed meanwhile
            continue
        for file in files:
            name = f"{folder}/{file}"
            if name in named:
                continue
            try:
                modified = storage.get_modified_time(name)
            except (FileNotFoundError, NotImplementedError):
                continue
            if now - modified >= ORPHAN_GRACE:
                Attachment.forget_stored([name])
                removed += 1
    return removed
