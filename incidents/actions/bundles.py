"""The files of an imported bundle (incidents.imports.bundles) as attachments of the incident it imports.

Each file is checked before anything of its write-up is saved (``problems``: an HTML page renamed ``.png`` fails
the write-up, naming the file, and nothing of it is stored); then ``attach`` adds them through add_attachment
(source import), reusing an attachment the incident already has with the same bytes and name (importing the
same bundle again adds nothing), and gives the ids the write-up's references are rewritten to."""

from django.conf import settings
from django.utils.translation import gettext as _

from incidents import uploads
from incidents.models import Attachment, Source

from .attachments import AttachmentRefused, add_attachment


class BundleRefused(Exception):
    """A file of the bundle cannot be added; ``lines`` say which and why."""

    def __init__(self, lines):
        super().__init__("; ".join(lines))
        self.lines = lines


def problems(files):
    """``path: why`` for each file that would be refused; remembers each other file's digest (``sha256``)."""
    found, limit = [], settings.POSTMORTEM_MAX_ATTACHMENT_BYTES
    for file in files:
        if len(file.data) > limit:
            found.append(f"{file.path}: " + _("The file is over the limit of %(limit)s bytes.") % {"limit": limit})
            continue
        try:
            file.sha256 = uploads.prepare(file.data, max_pixels=settings.POSTMORTEM_MAX_IMAGE_PIXELS).sha256
        except uploads.Refused as refused:
            found.append(f"{file.path}: {refused}")
    return found


def attach(incident, files, *, user, stored):
    """{path: attachment id} for ``files`` (checked by ``problems``) as attachments of ``incident``, without a
    revision (the import's save records them). The stored names of those added go to ``stored`` (the caller
    deletes them if the write-up is rolled back). Raises BundleRefused."""
    existing = {(attachment.sha256, attachment.name): attachment.pk
                for attachment in Attachment.objects.filter(incident_id=incident.pk)}
    ids = {}
    for file in files:
        number = existing.get((file.sha256, uploads.safe_name(file.name, "")))
        if number is None:
            try:
                attachment = add_attachment(incident, file.data, name=file.name, by=user, alt=file.alt,
                                            source=Source.IMPORT, revision=False)
            except (uploads.Refused, AttachmentRefused) as refused:
                raise BundleRefused([f"{file.path}: {refused}"]) from None
            stored.extend(attachment.stored_names)
            number = existing[(attachment.sha256, attachment.name)] = attachment.pk
        ids[file.path] = number
    return ids
