"""Where an incident's attachments are for each output (``text.attachments.Embed``), for resolving
``attachment:<id>`` in its rendered Markdown:

- ``for_page``: the download URLs (the smaller copy of a wide image, linking to the full size);
- ``for_export``: the images themselves as data URIs (an HTML export or a meeting pack is one file that must show
  them anywhere; WeasyPrint reads data URIs too), other files as links to this app (incidents.sites);
- ``for_bundle``: paths relative to the Markdown file of a zip bundle (``attachments/<id>-<name>``).

Each resolves only the incident's own attachments: ``attachment:7`` written in another incident's text is
shown as missing, never as someone else's file."""

import base64

from django.urls import reverse

from . import sites
from .models import REFERENCE_PREFIX
from .text.attachments import Embed


def download_url(attachment, thumbnail=False):
    path = reverse("incident-attachment", args=[f"{REFERENCE_PREFIX}{attachment.incident_id}", attachment.pk,
                                                attachment.name])
    return path + ("?size=thumbnail" if thumbnail and attachment.thumbnail else "")


def bundle_path(attachment):
    return f"attachments/{attachment.pk}-{attachment.name}"


def _attachments(incident):
    cached = getattr(incident, "_attachments_by_id", None)
    if cached is None:
        stored = incident.attachments.all() if incident.pk else ()  # prefetched or not; a new incident has none
        cached = {attachment.pk: attachment for attachment in stored}
        incident._attachments_by_id = cached
    return cached


def listed(incident):
    """The incident's attachments in the order added, read once for the page's list and its texts' embeds."""
    attachments = sorted(incident.attachments.all(), key=lambda attachment: attachment.pk)
    incident._attachments_by_id = {attachment.pk: attachment for attachment in attachments}
    return attachments


def _embed(attachment, src, href):
    return Embed(src, href, attachment.name, attachment.size, attachment.is_image, attachment.width, attachment.height)


def for_page(incident):
    def resolve(number):  # the attachments are read at the first attachment:N met, not for every text
        attachment = _attachments(incident).get(number)
        if attachment is None:
            return None
        return _embed(attachment, download_url(attachment, thumbnail=True), download_url(attachment))
    return resolve


def data_uri(attachment, thumbnail=True):
    """The image as a data: URI (its smaller copy when it has one); None when its file is missing."""
    stored = attachment.thumbnail if thumbnail and attachment.thumbnail else attachment.file
    try:
        with stored.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError):
        return None
    return f"data:{attachment.content_type};base64,{base64.b64encode(data).decode('ascii')}"


def for_export(incident):
    attachments = _attachments(incident)
    base = sites.base()

    def resolve(number):
        attachment = attachments.get(number)
        if attachment is None:
            return None
        href = base + download_url(attachment)
        if not attachment.is_image:
            return _embed(attachment, href, href)
        src = data_uri(attachment)
        return _embed(attachment, src, href) if src else None
    return resolve


def for_bundle(incident):
    attachments = _attachments(incident)

    def resolve(number):
        attachment = attachments.get(number)
        return _embed(attachment, bundle_path(attachment), bundle_path(attachment)) if attachment else None
    return resolve
